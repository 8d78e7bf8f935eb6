# tunepool: task latency percentiles vs workers (medians over repeats)
# data: latency.dat (workers p50_ms p95_ms p99_ms)
# redraw: gnuplot latency.gp
set terminal pngcairo size 960,520 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'latency.png'
set output tp_output
set title "Task latency percentiles (b=1 exec)"
set xlabel "workers"
set ylabel "latency (ms)"
set grid
set key top left box opaque reverse Left
set yrange [0:*]
set offsets graph 0, graph 0, graph 0.08, graph 0
set xrange [1:3]
plot 'latency.dat' using 1:2 with linespoints lw 2 pt 7 title "p50", \
     '' using 1:3 with linespoints lw 2 pt 5 title "p95", \
     '' using 1:4 with linespoints lw 2 pt 9 title "p99"

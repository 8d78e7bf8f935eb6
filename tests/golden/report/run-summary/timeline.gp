# tunepool: monitor samples of a run: workers, throughput, CPU busy, memory pressure (PSI some avg10)
# data: timeline.dat (t_s workers throughput cpu_busy_pct mem_pressure queue_depth)
# redraw: gnuplot timeline.gp
set terminal pngcairo size 960,900 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'timeline.png'
set output tp_output
set multiplot layout 4,1 title "tunepool run over time"
set grid
set key off
set lmargin 12
set xrange [0:*]
set offsets 0, 0, graph 0.1, 0
set ylabel "workers"
set yrange [0:*]
plot 'timeline.dat' using 1:2 with steps lw 2
set ylabel "tasks/s"
plot 'timeline.dat' using 1:3 with lines lw 2
set ylabel "CPU busy %"
set yrange [0:105]
plot 'timeline.dat' using 1:4 with lines lw 2
set ylabel "mem pressure"
set xlabel "seconds"
set yrange [0:*]
plot 'timeline.dat' using 1:5 with lines lw 2
unset multiplot

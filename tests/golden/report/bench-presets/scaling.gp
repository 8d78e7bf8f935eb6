# tunepool: throughput vs workers, one line per batch size and strategy, whiskers = 95% CI of the median
# data: scaling.dat (index i = series i; workers median ci_low ci_high)
# redraw: gnuplot scaling.gp
set terminal pngcairo size 960,600 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'scaling.png'
set output tp_output
set title "Throughput vs workers: membw"
set xlabel "workers"
set ylabel "tasks/s"
set grid
set key top left box opaque
set yrange [0:*]
set offsets graph 0, graph 0, graph 0.08, graph 0
set logscale x 2
set xrange [0.8:10]
plot 'scaling.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 title "b=1 process/spawn"

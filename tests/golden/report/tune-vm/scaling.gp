# tunepool: throughput vs workers, one line per batch size and strategy, whiskers = 95% CI of the median
# data: scaling.dat (index i = series i; workers median ci_low ci_high)
# redraw: gnuplot scaling.gp
set terminal pngcairo size 960,600 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'scaling.png'
set output tp_output
set title "Throughput vs workers: cpu"
set xlabel "workers"
set ylabel "tasks/s"
set grid
set key top left box opaque
set yrange [0:*]
set offsets graph 0, graph 0, graph 0.08, graph 0
set logscale x 2
set xrange [0.8:80]
lambda = 100
sigma = 0.04
kappa = 0.001
usl(n) = lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
set samples 400
set arrow from 30.98, graph 0 to 30.98, graph 1 nohead dashtype 2 lc rgb "#777777"
set label "N* = 31 (990 tasks/s)" at 30.98, graph 0.06 right offset -0.5,0
plot 'scaling.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 title "b=1 thread", \
     'scaling.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 pt 7 title "b=16 thread", \
     'scaling.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 pt 7 title "b=64 thread", \
     usl(x) with lines dashtype 3 lw 2 lc rgb "black" title "USL fit: sigma 0.04, kappa 0.001"

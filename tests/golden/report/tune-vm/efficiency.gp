# tunepool: parallel efficiency = speed-up / workers, speed-up over the smallest worker count of each series
# data: efficiency.dat (index i = series i; workers speedup efficiency)
# redraw: gnuplot efficiency.gp
set terminal pngcairo size 960,520 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'efficiency.png'
set output tp_output
set title "Parallel efficiency (1 = perfect scaling)"
set xlabel "workers"
set ylabel "speed-up / workers"
set grid
set key top right box opaque reverse Left
set yrange [0:1.25]
set logscale x 2
set xrange [0.8:80]
plot 1 with lines dashtype 2 lc rgb "#777777" title "ideal", \
     'efficiency.dat' index 0 using 1:3 with linespoints lw 2 pt 7 title "b=1 thread", \
     'efficiency.dat' index 1 using 1:3 with linespoints lw 2 pt 7 title "b=16 thread", \
     'efficiency.dat' index 2 using 1:3 with linespoints lw 2 pt 7 title "b=64 thread"

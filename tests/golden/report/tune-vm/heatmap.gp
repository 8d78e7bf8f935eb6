# tunepool: median throughput by workers x batch size; for several strategies the best one per cell
# data: heatmap.dat (workers_index batch_index median workers batch)
# redraw: gnuplot heatmap.gp
set terminal pngcairo size 960,600 noenhanced font "sans,10"
if (!exists("tp_output")) tp_output = 'heatmap.png'
set output tp_output
set title "Median tasks/s by workers and batch size"
set xlabel "workers"
set ylabel "batch size"
set cblabel "tasks/s"
set cbrange [0:*]
set palette defined (0 "#fff7ec", 0.5 "#fdbb84", 1 "#ef6548")
set tics out nomirror
set xrange [-0.5:6.5]
set yrange [-0.5:2.5]
set xtics ("1" 0, "2" 1, "4" 2, "8" 3, "16" 4, "32" 5, "64" 6)
set ytics ("1" 0, "16" 1, "64" 2)
plot 'heatmap.dat' using 1:2:3 with image notitle, \
     '' using 1:2:(sprintf("%.0f", $3)) with labels notitle

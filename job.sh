#!/bin/bash
# tunepool: sleep:ms=2,fail_every=0,crash_every=0,hang_every=0,hang_s=1h,flaky_dir= on machine 7856223bb5de026c
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=17M
# then: tunepool run --workers 1 --batch 1 -- COMMAND ...
nproc > /tmp/tmp.xIGYEZ3rCL/ran.txt

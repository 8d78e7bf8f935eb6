/* OpenMP peer of the in-process benchmark: N tasks of the cpu workload's
 * kernel (workloads/hash.c, the same source tunepool runs) under
 * schedule(dynamic, chunk); prints tasks/s of the timed loop.
 * usage: omp_peer TASKS BYTES CHUNK   (threads from OMP_NUM_THREADS) */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/hash.h"

/* The task's input as tunepool's --count gives it: the decimal number. */
static size_t decimal(long long v, char *out)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long long tasks, i;
	size_t bytes;
	int chunk;
	uint64_t total = 0;
	double t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: omp_peer TASKS BYTES CHUNK\n");
		return 2;
	}
	tasks = atoll(argv[1]);
	bytes = (size_t)atoll(argv[2]);
	chunk = atoi(argv[3]);
	if (tasks < 1 || bytes < 1 || chunk < 1) {
		fprintf(stderr, "omp_peer: bad arguments\n");
		return 2;
	}
	/* Threads start here, outside the timed loop, as tunepool's would be
	 * inside its measured run: this favours OpenMP slightly. */
#pragma omp parallel
	{
		(void)omp_get_thread_num();
	}
	t0 = now_s();
#pragma omp parallel reduction(^ : total)
	{
		/* Each worker hashes its own buffer, as the cpu workload's do. */
		unsigned char *buf = malloc(bytes);
		char input[24];
		size_t k;

		for (k = 0; k < bytes; k++)
			buf[k] = (unsigned char)(k * 131 + 7);
#pragma omp for schedule(dynamic, chunk)
		for (i = 0; i < tasks; i++) {
			size_t len = decimal(i + 1, input);

			total ^= tp_hash_task(buf, bytes, input, len);
		}
		free(buf);
	}
	t1 = now_s();
	printf("%.1f\n", (double)tasks / (t1 - t0));
	fprintf(stderr, "omp_peer: %lld tasks in %.3f s, %d threads, chunk %d (check %016llx)\n",
		tasks, t1 - t0, omp_get_max_threads(), chunk, (unsigned long long)total);
	return 0;
}

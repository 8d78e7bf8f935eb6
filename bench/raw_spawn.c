/* The raw peer of bench/dispatch.sh: N runs of a command, at most W at once,
 * with posix_spawn and wait and nothing else.  Like xargs -n1, parallel and
 * tunepool, it appends the input (the task number) as the last argument.
 * usage: raw_spawn N W COMMAND [ARGS...]; prints the wall seconds. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
	long n, w, started = 0, running = 0;
	struct timespec a, b;
	char num[32], **args;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: raw_spawn N W COMMAND [ARGS...]\n");
		return 2;
	}
	n = atol(argv[1]);
	w = atol(argv[2]);
	args = calloc((size_t)argc, sizeof(*args));
	for (i = 3; i < argc; i++)
		args[i - 3] = argv[i];
	args[argc - 3] = num;
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (started < n || running > 0) {
		while (started < n && running < w) {
			pid_t pid;

			snprintf(num, sizeof(num), "%ld", started + 1);
			if (posix_spawn(&pid, argv[3], NULL, NULL, args, environ)) {
				perror("posix_spawn");
				return 3;
			}
			started++;
			running++;
		}
		if (wait(NULL) > 0)
			running--;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

/* The raw pipe ping-pong loop of bench/persistent.sh: starts a worker command
 * once, writes it N lines one at a time, reading each answer line before the
 * next write; prints the seconds the N round trips took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int in[2], out[2];
	long n, i;
	struct timespec a, b;
	FILE *w, *r;
	char line[256];

	if (argc < 3 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: pingpong N COMMAND ARGS...\n");
		return 2;
	}
	if (pipe(in) || pipe(out))
		return perror("pipe"), 3;
	switch (fork()) {
	case -1:
		return perror("fork"), 3;
	case 0:
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w = fdopen(in[1], "w");
	r = fdopen(out[0], "r");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 1; i <= n; i++) {
		fprintf(w, "%ld\n", i);
		fflush(w);
		if (!fgets(line, sizeof(line), r))
			return fprintf(stderr, "pingpong: the worker ended at %ld\n", i), 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	fclose(w);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

/* GNU parallel's tab-separated joblog, written a flushed line per task. */
#include "runner/joblog_tsv.h"

#include "core/alloc.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tp_joblog_tsv_open(struct tp_joblog_tsv *j, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	memset(j, 0, sizeof(*j));
	if (fd < 0 || !(j->f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return tp_error("cannot open joblog '%s': %s", path, strerror(e));
	}
	j->path = tp_xstrdup(path);
	if (fputs("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n",
		  j->f) < 0 || fflush(j->f)) {
		j->failed = 1;
		return tp_error("cannot write joblog '%s': %s", path, strerror(errno));
	}
	return 0;
}

int tp_joblog_tsv_append(struct tp_joblog_tsv *j, const struct tp_joblog_tsv_row *r)
{
	const char *c;

	if (!j->f || j->failed)
		return -1;
	fprintf(j->f, "%" PRIu64 "\t:\t%.3f\t%10.3f\t0\t%llu\t%d\t%d\t", r->seq, r->start_epoch,
		r->runtime_s, r->received, r->exit_status, r->term_signal);
	for (c = r->command ? r->command : ""; *c; c++)
		fputc(*c == '\n' || *c == '\t' ? ' ' : *c, j->f);
	fputc('\n', j->f);
	if (fflush(j->f) || ferror(j->f)) {
		j->failed = 1;
		return tp_error("cannot write joblog '%s': %s", j->path, strerror(errno));
	}
	return 0;
}

int tp_joblog_tsv_close(struct tp_joblog_tsv *j)
{
	int rc = j->failed ? -1 : 0;

	if (j->f) {
		if (fflush(j->f) || fsync(fileno(j->f)) < 0 || ferror(j->f)) {
			if (!j->failed)
				tp_error("cannot write joblog '%s': %s", j->path, strerror(errno));
			rc = -1;
		}
		if (fclose(j->f) && !rc)
			rc = tp_error("cannot close joblog '%s': %s", j->path, strerror(errno));
	}
	free(j->path);
	memset(j, 0, sizeof(*j));
	return rc;
}

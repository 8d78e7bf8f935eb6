/* Staged pipelines for `run -- CMD1 ARGS... --then CMD2 ARGS...`: each stage
 * is a run of its own (own pool, width and controller) in its own tunepool
 * process; a stage's results are the next stage's input lines, through a
 * pipe (a bounded queue: a full pipe holds the stage before it back, so
 * memory stays flat). */
#ifndef TP_RUNNER_STAGES_H
#define TP_RUNNER_STAGES_H

#include <sys/types.h>

/* The queue between two stages, in bytes of result lines. */
#define TP_STAGE_QUEUE_BYTES 65536

struct tp_stages {
	int stage;		/* this process's stage, 1-based; 0 = no pipeline */
	pid_t next;		/* the process running the stages after this one, or 0 */
	int argc;		/* this stage's own command line (argv rewritten) */
	char **argv;
	int owned;		/* argv is ours (free it, not its strings) */
	char stagebuf[16];
	char *paths[4];		/* per-stage file names made for the next stage */
	int npaths;
};

/* The file stage K writes for an option naming one (--results,
 * --log-decisions): path itself for stage 1, else ".stageK" inserted before
 * the extension of its last component (r.json -> r.stage2.json, log ->
 * log.stage2).  tp_stages_unpath takes stage K's tag back out.  Both return
 * a new string. */
char *tp_stages_path(const char *path, int stage);
char *tp_stages_unpath(const char *path, int stage);

/* Looks for --then after the first "--" of a run command line (argv[0] is
 * "run"; a hidden --stage K among its options says which stage it is).  Without one: 0, st->stage 0, argc/argv as given.  With one: starts
 * `tunepool run OPTIONS --stage K+1 -- CMD2 ARGS... [--then ...]` (OPTIONS:
 * this command line's, less its inputs and --stage) on /proc/self/exe with
 * standard input a pipe, points this process's standard output at that pipe,
 * and leaves in st this stage's command line alone (its ::: inputs kept, if
 * any; --stage 1 added for the first) with st->next set; returns 1.  -1 with an error (usage: an empty
 * stage; system: pipe, spawn).  --results and
 * --log-decisions name one file per stage (tp_stages_path). */
int tp_stages_split(int argc, char **argv, struct tp_stages *st);
/* After this stage's run: closes standard output (the next stage's end of
 * input), waits for the next stage (SIGTERM first when this one was
 * interrupted, exit code 130) and returns the pipeline's exit code: the
 * worst of rc and the next stage's (130 > 3 > 2 > 1 > 0). */
int tp_stages_finish(struct tp_stages *st, int rc);
void tp_stages_release(struct tp_stages *st);
/* 1 when this process's stage feeds a next one (tp_stages_split said so). */
int tp_stages_feeds_next(void);
/* --resume: feeds the next stage a task's journaled answer (its output, as
 * it was) in place of running the task again; -1 with an error when the
 * write fails. */
int tp_stages_refeed(const char *answer, size_t len);

#endif

/* Performance history: results files stored with their metadata (machine
 * class, workload, config, every repeat, tool version, date, git commit and
 * branch, tags), listed, shown and pruned by filters, new runs judged against
 * the pooled history, and a report of trends and change points. */
#ifndef TP_HISTORY_HISTORY_H
#define TP_HISTORY_HISTORY_H

#include <stddef.h>

#include "history/changepoint.h"
#include "history/db.h"
#include "reports/compare.h"

struct tp_strbuf;

/* The database used when neither --db nor TUNEPOOL_DB names one:
 * $XDG_DATA_HOME/tunepool/history.db, else ~/.local/share/tunepool/history.db.
 * Creates the folder.  Returns a new string (free it) or NULL after an error. */
char *tp_history_default_db(void);

/* Which runs a command looks at; NULL/0 fields do not filter. */
struct tp_history_filter {
	const char *machine;	/* machine class: the fingerprint (or a prefix of it) */
	const char *workload;	/* NAME or NAME:OPTIONS */
	const char *branch;
	const char *commit;	/* a prefix of the commit */
	const char *since;	/* run date >= since (ISO 8601 date or date-time) */
	const char *until;	/* run date <= until (a date means the whole day) */
	const char *const *tags;/* "key=value" each */
	size_t ntags;
	long long limit;	/* most recent first; 0 = all */
};

struct tp_history_add_opts {
	const char *commit, *branch;	/* override git's answers (or set them) */
	const char *date;		/* override the file's modification time */
	const char *const *tags;	/* "key=value" each */
	size_t ntags;
	int skip_existing;		/* a file already stored is skipped, not an error */
	/* When not NULL: file_tags[i][0..nfile_tags) are "key=value" tags of
	 * files[i] alone (fleet merge: node=NAME, class=FINGERPRINT); their keys
	 * must differ from those of tags. */
	const char *const *const *file_tags;
	size_t nfile_tags;
};

/* Reads and validates every file (tunepool results or hyperfine --export-json),
 * then stores them all in one transaction: all or none.  A file whose content
 * is already stored is a usage error naming the stored run, unless
 * skip_existing.  *added and *skipped get the counts. */
int tp_history_add(struct tp_db *db, char *const *files, size_t nfiles,
		   const struct tp_history_add_opts *o, size_t *added, size_t *skipped);

/* One line per run (text) or a JSON array (json != 0), newest first. */
int tp_history_list(struct tp_db *db, const struct tp_history_filter *f, int json,
		    struct tp_strbuf *out);
/* The run's metadata and configs (text), or its stored document (json). */
int tp_history_show(struct tp_db *db, long long id, int json, struct tp_strbuf *out);
/* Deletes the runs that f selects, keeping the keep_last newest of each
 * machine class and workload (0 keeps none); dry_run only counts. */
int tp_history_prune(struct tp_db *db, const struct tp_history_filter *f, long long keep_last,
		     int dry_run, size_t *removed);

/* --against: the last N runs, the runs of one commit, or the last N of a branch. */
#define TP_HISTORY_AGAINST_DEFAULT "last:20"
#define TP_HISTORY_LAST_DEFAULT 20

struct tp_history_check {
	struct tp_comparison cmp;
	struct tp_results base;		/* the pooled history, one trial per config */
	struct tp_results new_;
	size_t nruns;			/* runs pooled */
	char base_name[256];		/* "history: 20 runs (last:20) of cpu:ms=10 on a1b2..." */
	char machine_class[64];
	char *workload;			/* NAME:OPTIONS, owned */
};

/* Judges new_path against the history of its machine class and workload with
 * compare's statistics.  When no run matches against, nruns is 0 and cmp is
 * empty (the caller warns); an unknown commit is a usage error.  Release with
 * tp_history_check_release(). */
int tp_history_check_run(struct tp_db *db, const char *new_path, const char *against,
			 const struct tp_compare_opts *o, struct tp_history_check *out);
void tp_history_check_release(struct tp_history_check *c);

struct tp_history_report_opts {
	const char *outdir;
	struct tp_changepoint_opts cp;
};
/* Writes DIR/history.md (series and changes tables) and one plot per config
 * series (data, gnuplot script, image when gnuplot runs).  *nchanges gets
 * the change points found. */
int tp_history_report(struct tp_db *db, const struct tp_history_filter *f,
		      const struct tp_history_report_opts *o, size_t *nseries, size_t *nchanges);

#endif

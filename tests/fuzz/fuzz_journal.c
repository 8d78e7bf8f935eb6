/* Fuzz target: run journal lines (the --resume index reader), then what
 * tp_journal_open does to the same file: every record the index counted must
 * still be there after the torn tail is cut and one more record appended. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "runner/journal.h"

static char path[64];

static void write_all(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_journal_index idx, again;
	struct tp_journal j;
	struct tp_journal_record rec = { .seq = 1, .input = "x", .ok = 1, .attempt = 1 };
	int rc;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/tp-fuzz-journal.%ld", (long)getpid());
	tp_log_set_quiet(2);
	write_all(data, size);
	tp_journal_index_init(&idx);
	rc = tp_journal_index_load(&idx, path);
	if (rc == 0) {
		uint64_t h = tp_journal_hash("cmd", "x");

		rec.hash = h;
		tp_journal_index_take(&idx, h, 1, TP_RESUME_ALL);
		tp_journal_index_take(&idx, 0, 0, TP_RESUME_FAILED);
		if (tp_journal_open(&j, path) != 0 || tp_journal_append(&j, &rec) != 0 ||
		    tp_journal_close(&j) != 0)
			abort();
		tp_journal_index_init(&again);
		if (tp_journal_index_load(&again, path) != 0 || again.torn) {
			fprintf(stderr, "journal unreadable after a resume append\n");
			abort();
		}
		if (again.records != idx.records + 1) {
			fprintf(stderr, "resume counted %zu records but %zu survive the append\n",
				idx.records, again.records - 1);
			abort();
		}
		tp_journal_index_release(&again);
	}
	tp_journal_index_release(&idx);
	unlink(path);
	return 0;
}

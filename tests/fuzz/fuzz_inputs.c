/* Fuzz target: --inputs FILE line reading (streamed and held), checking that
 * the lines read are exactly the file's lines, none lost, split or merged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "runner/inputs.h"

static char path[64];

/* Reads every line of path and checks them against data. */
static void check(const uint8_t *data, size_t size, int rewindable)
{
	struct tp_inputs *in;
	const char *line;
	size_t len, pos = 0;
	int rc, pass;

	if (tp_inputs_from_file(&in, path, rewindable) != 0)
		abort();
	for (pass = 0; pass < (rewindable ? 2 : 1); pass++) {
		pos = 0;
		while ((rc = tp_inputs_next(in, &line, &len)) == 1) {
			if (pos + len > size || memcmp(data + pos, line, len) || line[len] != '\0')
				abort();
			pos += len;
			if (pos < size) {
				if (data[pos] != '\n')
					abort();
				pos++;
			}
		}
		if (rc != 0 || pos != size)
			abort();
		if (rewindable && tp_inputs_rewind(in) != 0)
			abort();
	}
	if (rewindable && tp_inputs_total(in) < 0)
		abort();
	tp_inputs_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/tp-fuzz-inputs.%ld", (long)getpid());
	tp_log_set_quiet(2);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	check(data, size, 0);
	check(data, size, 1);
	unlink(path);
	return 0;
}

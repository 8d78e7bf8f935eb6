/* Fuzz target: tunepool.conf through the real reader (a file: size limit,
 * NUL bytes, duplicate keys, libinih), then the round trip format -> parse ->
 * format and every export format of what parsed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_tuned_conf c, c2;
	struct tp_strbuf a = TP_STRBUF_INIT, b = TP_STRBUF_INIT, out = TP_STRBUF_INIT;
	const struct tp_export_desc *const *tab;
	size_t i, n;
	FILE *f;

	tp_log_set_quiet(2);
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/tp-fuzz-conf.%ld", (long)getpid());
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	if (tp_conf_read(path, &c) == 0) {
		/* A NUL byte never reaches the parser. */
		if (memchr(data, 0, size)) {
			fprintf(stderr, "a conf with a NUL byte was accepted\n");
			abort();
		}
		/* What parsed must format to text that parses back to the same text. */
		tp_conf_format(&c, &a);
		if (tp_conf_parse(a.buf, "round.conf", &c2) != 0) {
			fprintf(stderr, "formatted conf does not parse back:\n%s\n", a.buf);
			abort();
		}
		tp_conf_format(&c2, &b);
		if (strcmp(a.buf, b.buf)) {
			fprintf(stderr, "conf round trip differs:\n%s\n---\n%s\n", a.buf, b.buf);
			abort();
		}
		tab = tp_export_table(&n);
		for (i = 0; i < n; i++) {
			tp_strbuf_reset(&out);
			if (!tab[i]->unsupported_reason)
				tab[i]->write(&c, &out);
		}
	}
	tp_strbuf_release(&a);
	tp_strbuf_release(&b);
	tp_strbuf_release(&out);
	unlink(path);
	return 0;
}

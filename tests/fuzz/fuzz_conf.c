/* Fuzz target: tunepool.conf text (libinih through tp_conf_parse), then the
 * round trip format -> parse -> format and every export format of what parsed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_tuned_conf c, c2;
	struct tp_strbuf a = TP_STRBUF_INIT, b = TP_STRBUF_INIT, out = TP_STRBUF_INIT;
	const struct tp_export_desc *const *tab;
	char *s = malloc(size + 1);
	size_t i, n;

	memcpy(s, data, size);
	s[size] = '\0';
	tp_log_set_quiet(2);
	if (tp_conf_parse(s, "fuzz.conf", &c) == 0) {
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
	free(s);
	return 0;
}

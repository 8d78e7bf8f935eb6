/* A tunepool.conf or a suite.conf section, and the machine check. */
#include "tuner/conf_select.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tp_conf_suite_sections(const char *text, char *out, size_t size)
{
	const char *p = text;
	size_t len = 0;

	if (size)
		out[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *close = memchr(p, ']', n);

		if (*p == '[' && close && len + (size_t)(close - p) + 2 < size)
			len += (size_t)snprintf(out + len, size - len, "%s%.*s", len ? ", " : "",
						(int)(close - p - 1), p + 1);
		p = end ? end + 1 : NULL;
	}
}

/* The value of key in [section] of text into out; 1 found, 0 not, -1 no section. */
static int section_value(const char *text, const char *section, const char *key, char *out,
			 size_t size, int *line_no)
{
	const char *p = text;
	int in = 0, seen = 0, line = 0;
	size_t sl = strlen(section), kl = strlen(key);

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		line++;
		if (*p == '[') {
			in = n >= sl + 2 && !strncmp(p + 1, section, sl) && p[sl + 1] == ']';
			seen |= in;
		} else if (in && n > kl && !strncmp(p, key, kl) && strchr(" =", p[kl])) {
			const char *v = p + kl + strspn(p + kl, " =");
			size_t vn = n - (size_t)(v - p);

			while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\r'))
				vn--;
			snprintf(out, size, "%.*s", (int)vn, v);
			*line_no = line;
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return seen ? 0 : -1;
}

/* A suite's config = FILE: as written, else next to the suite.conf. */
static int read_suite_member(const char *suite, const char *file, int line,
			     struct tp_tuned_conf *c)
{
	const char *slash = strrchr(suite, '/'), *base = strrchr(file, '/');
	char *near;
	int rc;

	if (!access(file, R_OK))
		return tp_conf_read(file, c);
	near = tp_xasprintf("%.*s%s", slash ? (int)(slash - suite + 1) : 0, suite,
			    base ? base + 1 : file);
	if (access(near, R_OK)) {
		tp_usage_error("'%s': line %d: config = '%s': %s (nor '%s')", suite, line, file,
			       strerror(errno), near);
		free(near);
		return -1;
	}
	rc = tp_conf_read(near, c);
	free(near);
	return rc;
}

int tp_conf_read_select(const char *path, const char *section, struct tp_tuned_conf *c)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char names[512], file[1024];
	int rc, line = 0;

	if (tp_conf_slurp(path, &sb)) {
		tp_conf_init(c);
		return -1;
	}
	if (strncmp(sb.buf, TP_SUITE_HEADER, strlen(TP_SUITE_HEADER))) {
		rc = section ? tp_usage_error("'%s' is a tunepool.conf, not a suite.conf: --section "
					      "'%s' applies to suites only", path, section)
			     : tp_conf_parse(sb.buf, path, c);
		tp_strbuf_release(&sb);
		return rc;
	}
	tp_conf_suite_sections(sb.buf, names, sizeof(names));
	tp_conf_init(c);
	if (!section) {
		rc = tp_usage_error("'%s' is a suite.conf: choose a section with --section NAME (%s)",
				    path, names);
	} else {
		rc = section_value(sb.buf, section, "config", file, sizeof(file), &line);
		if (rc < 0)
			rc = tp_usage_error("'%s': no section '[%s]' (sections: %s)", path, section, names);
		else if (rc == 0)
			rc = tp_usage_error("'%s': section '[%s]' has no config = FILE", path, section);
		else
			rc = read_suite_member(path, file, line, c);
	}
	tp_strbuf_release(&sb);
	return rc;
}

int tp_conf_check_machine(const struct tp_tuned_conf *c, const char *path, const char *fingerprint)
{
	if (!*c->fingerprint || !strcmp(c->fingerprint, "unknown") || !fingerprint || !*fingerprint ||
	    !strcmp(c->fingerprint, fingerprint))
		return 0;
	tp_warn("'%s' was tuned on another machine (fingerprint %s, this one is %s): its widths "
		"may not fit here; tune again on this machine", path, c->fingerprint, fingerprint);
	return 1;
}

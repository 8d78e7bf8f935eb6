/* The process's cgroups and the CPU, cpuset and memory limits of every level up
 * to the hierarchy's root, read under the fsroot. */
#include "probes/cgroup.h"
#include "probes/fsroot.h"
#include "core/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* v1 writes "no limit" as the largest page-aligned long: treat anything this
 * large as unlimited. */
#define TP_CGROUP_UNLIMITED (1ULL << 60)

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* Whether the comma-separated list has the token. */
static int has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, token, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/* Every token of want (comma-separated) is in have. */
static int has_all_tokens(const char *have, const char *want)
{
	char buf[256], *tok, *save = NULL;

	tp_snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!has_token(have, tok))
			return 0;
	return 1;
}

struct mount {
	int version;
	char root[TP_CGROUP_PATH_MAX], point[TP_CGROUP_PATH_MAX], opts[256];
};

/* Parses one mountinfo line; returns 1 for a cgroup mount. */
static int parse_mount(char *line, struct mount *m)
{
	char *tok[64], *save = NULL, *t;
	int n = 0, dash = -1, i;

	for (t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	for (i = 6; i < n; i++)
		if (!strcmp(tok[i], "-")) {
			dash = i;
			break;
		}
	if (dash < 0 || dash + 3 >= n)
		return 0;
	if (!strcmp(tok[dash + 1], "cgroup2"))
		m->version = 2;
	else if (!strcmp(tok[dash + 1], "cgroup"))
		m->version = 1;
	else
		return 0;
	unescape(tok[3]);
	unescape(tok[4]);
	tp_snprintf(m->root, sizeof(m->root), "%s", tok[3]);
	tp_snprintf(m->point, sizeof(m->point), "%s", tok[4]);
	tp_snprintf(m->opts, sizeof(m->opts), "%s", tok[dash + 3]);
	return 1;
}

/* path is root itself or below it. */
static int path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return 1;
	return !strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0');
}

int tp_cgroups_read(struct tp_cgroups *cg)
{
	struct tp_strbuf self = TP_STRBUF_INIT, info = TP_STRBUF_INIT;
	struct mount *mounts = NULL;
	size_t nmounts = 0, alloc = 0, i;
	char *line, *save = NULL;
	int ret = -1;

	memset(cg, 0, sizeof(*cg));
	if (tp_fsroot_read("/proc/self/cgroup", &self)) {
		tp_snprintf(cg->reason, sizeof(cg->reason), "unavailable: cannot read /proc/self/cgroup: %s",
			 strerror(errno));
		goto out;
	}
	if (tp_fsroot_read("/proc/self/mountinfo", &info)) {
		tp_snprintf(cg->reason, sizeof(cg->reason),
			 "unavailable: cannot read /proc/self/mountinfo: %s", strerror(errno));
		goto out;
	}
	for (line = strtok_r(info.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mount m;

		if (!parse_mount(line, &m))
			continue;
		if (nmounts == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			mounts = realloc(mounts, alloc * sizeof(*mounts));
			if (!mounts) {
				tp_snprintf(cg->reason, sizeof(cg->reason), "unavailable: out of memory");
				goto out;
			}
		}
		mounts[nmounts++] = m;
	}
	save = NULL;
	for (line = strtok_r(self.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct tp_cgroup_hier *h;
		const struct mount *best = NULL;

		if (!c2 || c2[1] != '/')
			continue;	/* malformed line: skip it, keep the others */
		*c1 = *c2 = '\0';
		for (i = 0; i < nmounts; i++) {
			const struct mount *m = &mounts[i];

			if (c1[1] == '\0' ? m->version != 2
					  : m->version != 1 || !has_all_tokens(m->opts, c1 + 1))
				continue;
			if (!best || (path_under(c2 + 1, m->root) && !path_under(c2 + 1, best->root)))
				best = m;
		}
		if (!best || cg->n == TP_CGROUP_MAX_HIER)
			continue;
		h = &cg->h[cg->n++];
		h->version = best->version;
		tp_snprintf(h->controllers, sizeof(h->controllers), "%s", c1 + 1);
		tp_snprintf(h->mountpoint, sizeof(h->mountpoint), "%s", best->point);
		tp_snprintf(h->mount_root, sizeof(h->mount_root), "%s", best->root);
		tp_snprintf(h->path, sizeof(h->path), "%s", c2 + 1);
	}
	if (cg->n == 0) {
		tp_snprintf(cg->reason, sizeof(cg->reason),
			 "unavailable: no cgroup of /proc/self/cgroup is mounted in /proc/self/mountinfo");
		goto out;
	}
	ret = 0;
out:
	free(mounts);
	tp_strbuf_release(&self);
	tp_strbuf_release(&info);
	return ret;
}

const char *tp_cgroups_version(const struct tp_cgroups *cg)
{
	int v1 = 0, v2 = 0, i;

	for (i = 0; i < cg->n; i++) {
		if (cg->h[i].version == 1)
			v1 = 1;
		else
			v2 = 1;
	}
	return v1 && v2 ? "hybrid" : v1 ? "v1" : v2 ? "v2" : "none";
}

/* Whether hierarchy h can hold controller's files (v2 holds all of them). */
static int holds(const struct tp_cgroup_hier *h, const char *controller)
{
	return h->version == 2 || has_token(h->controllers, controller);
}

const struct tp_cgroup_hier *tp_cgroups_find(const struct tp_cgroups *cg, const char *controller)
{
	int i;

	for (i = 0; i < cg->n; i++)
		if (cg->h[i].version == 1 && has_token(cg->h[i].controllers, controller))
			return &cg->h[i];
	for (i = 0; i < cg->n; i++)
		if (cg->h[i].version == 2)
			return &cg->h[i];
	return NULL;
}

/* The levels of a hierarchy, leaf first: the part of the process's cgroup
 * below the mount's root, cut one component at a time down to "" (the
 * mountpoint itself). */
struct level_iter {
	const struct tp_cgroup_hier *h;
	char rel[TP_CGROUP_PATH_MAX];
	int done;
};

static void level_init(struct level_iter *it, const struct tp_cgroup_hier *h)
{
	const char *rel = "";

	it->h = h;
	it->done = 0;
	if (path_under(h->path, h->mount_root))
		rel = strcmp(h->mount_root, "/") ? h->path + strlen(h->mount_root) : h->path;
	tp_snprintf(it->rel, sizeof(it->rel), "%s", rel);
	/* "/" is the hierarchy root: the same level as "". */
	if (!strcmp(it->rel, "/"))
		it->rel[0] = '\0';
}

static void level_next(struct level_iter *it)
{
	char *slash = strrchr(it->rel, '/');

	if (!it->rel[0])
		it->done = 1;
	else if (slash)
		*slash = '\0';
	else
		it->rel[0] = '\0';
}

/* The cgroup's name at the current level, as /proc/self/cgroup would show it. */
static const char *level_name(const struct level_iter *it, char *buf, size_t size)
{
	const char *root = strcmp(it->h->mount_root, "/") ? it->h->mount_root : "";

	tp_snprintf(buf, size, "%s%s", root, it->rel);
	if (!buf[0])
		tp_snprintf(buf, size, "/");
	return buf;
}

/* Reads file at the current level into sb, first line only, trimmed. */
static int level_read(const struct level_iter *it, const char *file, struct tp_strbuf *sb)
{
	char path[3 * TP_CGROUP_PATH_MAX];

	tp_snprintf(path, sizeof(path), "%s%s/%s", it->h->mountpoint, it->rel, file);
	if (tp_fsroot_read(path, sb))
		return -1;
	sb->buf[strcspn(sb->buf, "\n")] = '\0';
	sb->len = strlen(sb->buf);
	tp_strbuf_rtrim(sb);
	return 0;
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Remembers the first malformed file for the "unavailable: ..." reason. */
static void note_malformed(char *note, size_t size, const struct level_iter *it, const char *file,
			   const char *content)
{
	if (note[0])
		return;
	tp_snprintf(note, size, "'%s%s/%s' is malformed: '%.40s'", it->h->mountpoint, it->rel, file,
		 content);
}

/* One level's quota in CPUs: 1 limited, 0 none or absent, -1 malformed. */
static int level_quota(const struct level_iter *it, struct tp_strbuf *sb, double *cpus,
		       const char **file, char *note, size_t notesize)
{
	if (it->h->version == 2) {
		char *sp;
		long long q, p;

		*file = "cpu.max";
		if (level_read(it, "cpu.max", sb))
			return 0;
		sp = strchr(sb->buf, ' ');
		if (!sp || parse_ll(sp + 1, &p) || p <= 0)
			goto bad;
		*sp = '\0';
		if (!strcmp(sb->buf, "max"))
			return 0;
		if (parse_ll(sb->buf, &q) || q <= 0) {
			*sp = ' ';
			goto bad;
		}
		*cpus = (double)q / (double)p;
		return 1;
	} else {
		long long q, p;

		*file = "cpu.cfs_quota_us";
		if (level_read(it, "cpu.cfs_quota_us", sb))
			return 0;
		if (parse_ll(sb->buf, &q))
			goto bad;
		if (q < 0)
			return 0;
		*file = "cpu.cfs_period_us";
		if (level_read(it, "cpu.cfs_period_us", sb))
			return 0;
		if (parse_ll(sb->buf, &p) || p <= 0 || q == 0)
			goto bad;
		*file = "cpu.cfs_quota_us";
		*cpus = (double)q / (double)p;
		return 1;
	}
bad:
	note_malformed(note, notesize, it, *file, sb->buf);
	return -1;
}

int tp_cgroup_cpu_quota(const struct tp_cgroups *cg, double *cpus, char *source, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char note[256] = "", name[TP_CGROUP_PATH_MAX];
	double best = 0;
	int i, found = 0;

	for (i = 0; i < cg->n; i++) {
		struct level_iter it;

		if (!holds(&cg->h[i], "cpu"))
			continue;
		for (level_init(&it, &cg->h[i]); !it.done; level_next(&it)) {
			const char *file;
			double v;

			if (level_quota(&it, &sb, &v, &file, note, sizeof(note)) != 1)
				continue;
			if (!found || v < best) {
				best = v;
				found = 1;
				tp_snprintf(source, size, "cgroup v%d %s at %s", it.h->version, file,
					 level_name(&it, name, sizeof(name)));
			}
		}
	}
	tp_strbuf_release(&sb);
	if (found) {
		*cpus = best;
		return 1;
	}
	*cpus = 0;
	if (note[0])
		tp_snprintf(source, size, "unavailable: %s", note);
	else if (cg->n == 0)
		tp_snprintf(source, size, "%s", cg->reason[0] ? cg->reason : "no cgroup");
	else
		tp_snprintf(source, size, "no cpu quota");
	return 0;
}

int tp_cgroup_cpuset(const struct tp_cgroups *cg, hwloc_bitmap_t *set, char *source, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char name[TP_CGROUP_PATH_MAX];
	hwloc_bitmap_t result = NULL;
	int i;

	for (i = 0; i < cg->n; i++) {
		const char *file = cg->h[i].version == 2 ? "cpuset.cpus.effective" : "cpuset.cpus";
		struct level_iter it;

		if (!holds(&cg->h[i], "cpuset"))
			continue;
		/* The nearest level with a set: lower levels are subsets of higher ones. */
		for (level_init(&it, &cg->h[i]); !it.done; level_next(&it)) {
			hwloc_bitmap_t s;

			if (level_read(&it, file, &sb) || !sb.buf[0])
				continue;
			s = hwloc_bitmap_alloc();
			if (!s)
				break;
			if (hwloc_bitmap_list_sscanf(s, sb.buf) < 0 || hwloc_bitmap_iszero(s)) {
				hwloc_bitmap_free(s);
				continue;
			}
			if (!result) {
				result = s;
			} else {
				hwloc_bitmap_and(result, result, s);
				hwloc_bitmap_free(s);
			}
			tp_snprintf(source, size, "cgroup v%d %s at %s", it.h->version, file,
				 level_name(&it, name, sizeof(name)));
			break;
		}
	}
	tp_strbuf_release(&sb);
	if (!result) {
		tp_snprintf(source, size, "no cpuset");
		return 0;
	}
	*set = result;
	return 1;
}

int tp_cgroup_memory(const struct tp_cgroups *cg, long long mem_total_kb, struct tp_cgroup_mem *out)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char note[256] = "", name[TP_CGROUP_PATH_MAX];
	int i;

	out->limit_kb = out->usage_kb = out->headroom_kb = -1;
	for (i = 0; i < cg->n; i++) {
		int v2 = cg->h[i].version == 2;
		const char *lfile = v2 ? "memory.max" : "memory.limit_in_bytes";
		const char *ufile = v2 ? "memory.current" : "memory.usage_in_bytes";
		struct level_iter it;

		if (!holds(&cg->h[i], "memory"))
			continue;
		for (level_init(&it, &cg->h[i]); !it.done; level_next(&it)) {
			unsigned long long limit, usage;
			long long limit_kb, usage_kb = -1, headroom;

			if (level_read(&it, lfile, &sb) || !strcmp(sb.buf, "max"))
				continue;
			if (parse_u64(sb.buf, &limit)) {
				note_malformed(note, sizeof(note), &it, lfile, sb.buf);
				continue;
			}
			limit_kb = (long long)(limit / 1024);
			if (limit >= TP_CGROUP_UNLIMITED || (mem_total_kb > 0 && limit_kb > mem_total_kb))
				continue;
			if (!level_read(&it, ufile, &sb)) {
				if (!parse_u64(sb.buf, &usage) && usage < TP_CGROUP_UNLIMITED)
					usage_kb = (long long)(usage / 1024);
				else
					note_malformed(note, sizeof(note), &it, ufile, sb.buf);
			}
			headroom = usage_kb < 0 ? limit_kb
				 : usage_kb > limit_kb ? 0 : limit_kb - usage_kb;
			if (out->limit_kb < 0 || headroom < out->headroom_kb) {
				out->limit_kb = limit_kb;
				out->usage_kb = usage_kb;
				out->headroom_kb = headroom;
				tp_snprintf(out->source, sizeof(out->source), "cgroup v%d %s at %s",
					 it.h->version, lfile, level_name(&it, name, sizeof(name)));
			}
		}
	}
	tp_strbuf_release(&sb);
	if (out->limit_kb >= 0)
		return 1;
	if (note[0])
		tp_snprintf(out->source, sizeof(out->source), "unavailable: %s", note);
	else if (cg->n == 0)
		tp_snprintf(out->source, sizeof(out->source), "%s", cg->reason[0] ? cg->reason : "no cgroup");
	else
		tp_snprintf(out->source, sizeof(out->source), "no memory limit");
	return 0;
}

int tp_cgroup_pids(const struct tp_cgroups *cg, long long *headroom)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int i, found = 0;

	*headroom = -1;
	for (i = 0; i < cg->n; i++) {
		struct level_iter it;

		if (!holds(&cg->h[i], "pids"))
			continue;
		for (level_init(&it, &cg->h[i]); !it.done; level_next(&it)) {
			unsigned long long max, cur = 0;
			long long room;

			if (level_read(&it, "pids.max", &sb) || !strcmp(sb.buf, "max") ||
			    parse_u64(sb.buf, &max))
				continue;
			if (!level_read(&it, "pids.current", &sb) && parse_u64(sb.buf, &cur))
				cur = 0;
			room = cur >= max ? 0 : (long long)(max - cur);
			if (!found || room < *headroom)
				*headroom = room;
			found = 1;
		}
	}
	tp_strbuf_release(&sb);
	return found;
}

/* A small document model (headings, paragraphs, lists, tables, images) that
 * the report builds once and each report format renders. */
#include "reports/doc.h"
#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tp_doc_init(struct tp_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void tp_doc_release(struct tp_doc *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		struct tp_doc_block *b = &d->blocks[i];

		free(b->text);
		free(b->src);
		free(b->align);
		for (j = 0; j < b->ncells; j++)
			free(b->cells[j]);
		free(b->cells);
	}
	free(d->blocks);
	tp_doc_init(d);
}

static struct tp_doc_block *add(struct tp_doc *d, enum tp_doc_kind kind)
{
	struct tp_doc_block *b;

	tp_grow((void **)&d->blocks, &d->alloc, d->n + 1, sizeof(*d->blocks));
	b = &d->blocks[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	return b;
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list cp;
	int len;
	char *s;

	va_copy(cp, ap);
	len = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	s = tp_xmalloc((size_t)(len < 0 ? 0 : len) + 1);
	vsnprintf(s, (size_t)(len < 0 ? 0 : len) + 1, fmt, ap);
	return s;
}

static void add_cell(struct tp_doc_block *b, char *s)
{
	tp_grow((void **)&b->cells, &b->alloc, b->ncells + 1, sizeof(*b->cells));
	b->cells[b->ncells++] = s;
}

void tp_doc_heading(struct tp_doc *d, int level, const char *fmt, ...)
{
	struct tp_doc_block *b = add(d, TP_DOC_HEADING);
	va_list ap;

	b->level = level;
	va_start(ap, fmt);
	b->text = vformat(fmt, ap);
	va_end(ap);
}

void tp_doc_para(struct tp_doc *d, const char *fmt, ...)
{
	struct tp_doc_block *b = add(d, TP_DOC_PARA);
	va_list ap;

	va_start(ap, fmt);
	b->text = vformat(fmt, ap);
	va_end(ap);
}

void tp_doc_item(struct tp_doc *d, const char *fmt, ...)
{
	struct tp_doc_block *b;
	va_list ap;

	if (d->n && d->blocks[d->n - 1].kind == TP_DOC_LIST)
		b = &d->blocks[d->n - 1];
	else
		b = add(d, TP_DOC_LIST);
	va_start(ap, fmt);
	add_cell(b, vformat(fmt, ap));
	va_end(ap);
}

void tp_doc_table(struct tp_doc *d, const char *align, const char *const *header)
{
	struct tp_doc_block *b = add(d, TP_DOC_TABLE);
	size_t i;

	b->ncols = strlen(align);
	b->align = tp_xstrdup(align);
	for (i = 0; i < b->ncols; i++)
		add_cell(b, tp_xstrdup(header[i]));
}

void tp_doc_cell(struct tp_doc *d, const char *fmt, ...)
{
	struct tp_doc_block *b = &d->blocks[d->n - 1];
	va_list ap;

	va_start(ap, fmt);
	add_cell(b, vformat(fmt, ap));
	va_end(ap);
}

void tp_doc_image(struct tp_doc *d, const char *src, const char *caption)
{
	struct tp_doc_block *b = add(d, TP_DOC_IMAGE);

	b->src = tp_xstrdup(src);
	b->text = tp_xstrdup(caption);
}

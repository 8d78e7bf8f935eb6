/* Markdown report: GitHub-flavoured tables, images as links beside the file. */
#include "reports/doc.h"
#include "reports/format.h"
#include "core/strbuf.h"

#include <string.h>

static void cell(struct tp_strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			tp_strbuf_addch(out, '\\');
		tp_strbuf_addch(out, *s == '\n' ? ' ' : *s);
	}
}

static void render_md(const struct tp_doc *d, struct tp_strbuf *out)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		const struct tp_doc_block *b = &d->blocks[i];

		if (i)
			tp_strbuf_addch(out, '\n');
		switch (b->kind) {
		case TP_DOC_HEADING:
			tp_strbuf_addf(out, "%.*s %s\n", b->level, "######", b->text);
			break;
		case TP_DOC_PARA:
			tp_strbuf_addf(out, "%s\n", b->text);
			break;
		case TP_DOC_LIST:
			for (j = 0; j < b->ncells; j++)
				tp_strbuf_addf(out, "- %s\n", b->cells[j]);
			break;
		case TP_DOC_TABLE:
			for (j = 0; j < b->ncells; j++) {
				tp_strbuf_adds(out, j % b->ncols ? " | " : "| ");
				cell(out, b->cells[j]);
				if (j % b->ncols == b->ncols - 1)
					tp_strbuf_adds(out, " |\n");
				if (j == b->ncols - 1) {
					size_t k;

					for (k = 0; k < b->ncols; k++)
						tp_strbuf_adds(out, b->align[k] == 'r' ? "|---:" : "|---");
					tp_strbuf_adds(out, "|\n");
				}
			}
			if (b->ncells % b->ncols)
				tp_strbuf_adds(out, " |\n");
			break;
		case TP_DOC_IMAGE:
			tp_strbuf_addf(out, "![%s](%s)\n", b->text, b->src);
			break;
		}
	}
}

const struct tp_report_format_desc tp_report_format_md = {
	.name = "md",
	.summary = "report.md: markdown with the plots linked beside it (default)",
	.file = "report.md",
	.render = render_md,
};

/* HTML report: one self-contained page, the plot images embedded as data:
 * URIs and a Content-Security-Policy that lets nothing be fetched. */
#include "reports/doc.h"
#include "reports/format.h"
#include "core/strbuf.h"

#include <string.h>

/* Escapes s and turns `code` and **strong** markup into tags. */
static void inline_text(struct tp_strbuf *out, const char *s)
{
	int code = 0, strong = 0;

	for (; *s; s++) {
		if (*s == '`') {
			tp_strbuf_adds(out, code ? "</code>" : "<code>");
			code = !code;
		} else if (!code && s[0] == '*' && s[1] == '*') {
			tp_strbuf_adds(out, strong ? "</strong>" : "<strong>");
			strong = !strong;
			s++;
		} else if (*s == '<') {
			tp_strbuf_adds(out, "&lt;");
		} else if (*s == '>') {
			tp_strbuf_adds(out, "&gt;");
		} else if (*s == '&') {
			tp_strbuf_adds(out, "&amp;");
		} else if (*s == '"') {
			tp_strbuf_adds(out, "&quot;");
		} else {
			tp_strbuf_addch(out, *s);
		}
	}
	if (code)
		tp_strbuf_adds(out, "</code>");
	if (strong)
		tp_strbuf_adds(out, "</strong>");
}

static void render_html(const struct tp_doc *d, struct tp_strbuf *out)
{
	size_t i, j;

	tp_strbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
			    "'none'; img-src data:; style-src 'unsafe-inline'\">\n"
			    "<title>tunepool report</title>\n<style>\n"
			    "body { font-family: sans-serif; max-width: 72em; margin: 2em auto; "
			    "line-height: 1.4; }\n"
			    "table { border-collapse: collapse; margin: 1em 0; }\n"
			    "th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }\n"
			    "td.r { text-align: right; font-variant-numeric: tabular-nums; }\n"
			    "th { background: #f0f0f0; }\n"
			    "figure { margin: 1em 0; } img { max-width: 100%; }\n"
			    "</style>\n</head>\n<body>\n");
	for (i = 0; i < d->n; i++) {
		const struct tp_doc_block *b = &d->blocks[i];

		switch (b->kind) {
		case TP_DOC_HEADING:
			tp_strbuf_addf(out, "<h%d>", b->level);
			inline_text(out, b->text);
			tp_strbuf_addf(out, "</h%d>\n", b->level);
			break;
		case TP_DOC_PARA:
			tp_strbuf_adds(out, "<p>");
			inline_text(out, b->text);
			tp_strbuf_adds(out, "</p>\n");
			break;
		case TP_DOC_LIST:
			tp_strbuf_adds(out, "<ul>\n");
			for (j = 0; j < b->ncells; j++) {
				tp_strbuf_adds(out, "<li>");
				inline_text(out, b->cells[j]);
				tp_strbuf_adds(out, "</li>\n");
			}
			tp_strbuf_adds(out, "</ul>\n");
			break;
		case TP_DOC_TABLE:
			tp_strbuf_adds(out, "<table>\n");
			for (j = 0; j < b->ncells; j++) {
				size_t col = j % b->ncols;
				const char *tag = j < b->ncols ? "th" : "td";

				if (!col)
					tp_strbuf_adds(out, "<tr>");
				tp_strbuf_addf(out, "<%s%s>", tag,
					       j >= b->ncols && b->align[col] == 'r' ? " class=\"r\"" : "");
				inline_text(out, b->cells[j]);
				tp_strbuf_addf(out, "</%s>", tag);
				if (col == b->ncols - 1 || j == b->ncells - 1)
					tp_strbuf_adds(out, "</tr>\n");
			}
			tp_strbuf_adds(out, "</table>\n");
			break;
		case TP_DOC_IMAGE:
			tp_strbuf_adds(out, "<figure><img src=\"");
			inline_text(out, b->src);
			tp_strbuf_adds(out, "\" alt=\"");
			inline_text(out, b->text);
			tp_strbuf_adds(out, "\"><figcaption>");
			inline_text(out, b->text);
			tp_strbuf_adds(out, "</figcaption></figure>\n");
			break;
		}
	}
	tp_strbuf_adds(out, "</body>\n</html>\n");
}

const struct tp_report_format_desc tp_report_format_html = {
	.name = "html",
	.summary = "report.html (and report.md): one self-contained page, images embedded",
	.file = "report.html",
	.render = render_html,
};

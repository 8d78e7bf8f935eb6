/* A small document model (headings, paragraphs, lists, tables, images) that
 * the report builds once and each report format renders. */
#ifndef TP_REPORTS_DOC_H
#define TP_REPORTS_DOC_H

#include <stddef.h>

enum tp_doc_kind {
	TP_DOC_HEADING,
	TP_DOC_PARA,
	TP_DOC_LIST,
	TP_DOC_TABLE,
	TP_DOC_IMAGE,
};

/* Text may hold `code` spans and **strong** runs; formats translate them. */
struct tp_doc_block {
	enum tp_doc_kind kind;
	int level;		/* headings: 1.. */
	char *text;		/* heading, paragraph, image caption */
	char *src;		/* image file, relative to the report */
	char **cells;		/* list items, or table cells row by row (header first) */
	size_t ncells, alloc;
	size_t ncols;		/* tables */
	char *align;		/* tables: 'l' or 'r' per column, NUL-terminated */
};

struct tp_doc {
	struct tp_doc_block *blocks;
	size_t n, alloc;
};

void tp_doc_init(struct tp_doc *d);
void tp_doc_release(struct tp_doc *d);
void tp_doc_heading(struct tp_doc *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tp_doc_para(struct tp_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends an item to the list that ends the document, starting one if needed. */
void tp_doc_item(struct tp_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Starts a table; align is one 'l'/'r' per column, header the column names. */
void tp_doc_table(struct tp_doc *d, const char *align, const char *const *header);
/* Appends one cell to the table that ends the document (rows fill left to right). */
void tp_doc_cell(struct tp_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tp_doc_image(struct tp_doc *d, const char *src, const char *caption);

#endif

/* Choosing the tuned config a run or an export uses: a tunepool.conf, or one
 * section of a suite.conf (`tune --suite`), and the checks that it fits the
 * machine it is used on. */
#ifndef TP_TUNER_CONF_SELECT_H
#define TP_TUNER_CONF_SELECT_H

#include <stddef.h>

#include "tuner/conf.h"

/* The first line of a suite.conf. */
#define TP_SUITE_HEADER "# tunepool suite"

/* Reads path into c.  A suite.conf needs section (its [NAME] names the
 * class; its config = FILE is read, as written or next to the suite.conf);
 * a tunepool.conf takes no section.  Usage errors name the file and list the
 * sections; -1 then. */
int tp_conf_read_select(const char *path, const char *section, struct tp_tuned_conf *c);
/* The sections of suite text, comma-separated, into out (empty when none). */
void tp_conf_suite_sections(const char *text, char *out, size_t size);
/* 1 (after a warning naming path and both fingerprints) when c was tuned on
 * another machine than fingerprint; 0 when it matches or is unknown. */
int tp_conf_check_machine(const struct tp_tuned_conf *c, const char *path, const char *fingerprint);

#endif

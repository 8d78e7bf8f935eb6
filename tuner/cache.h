/* The result cache: tuning trials kept per machine fingerprint and workload
 * signature under $XDG_CACHE_HOME/tunepool (else ~/.cache/tunepool), so a
 * re-run reuses trials and warm-starts from the last best. */
#ifndef TP_TUNER_CACHE_H
#define TP_TUNER_CACHE_H

#include <stddef.h>

struct tp_results;

/* FNV-1a 64 of text, continuing from h (start with 0). */
unsigned long long tp_cache_hash(unsigned long long h, const char *text, size_t len);
/* The cache file for (fingerprint, signature) into a new string (free() it),
 * creating the directory; NULL (no message) when no cache directory can be
 * made, and the tune goes on without a cache. */
char *tp_cache_path(const char *fingerprint, const char *signature);
/* Reads path into r (initialised): 1 when loaded, 0 when absent or unusable
 * (a warning for a corrupt file, which is then ignored). */
int tp_cache_load(const char *path, struct tp_results *r);
/* Writes r to path atomically; a warning (not an error) when it fails. */
void tp_cache_store(const char *path, const struct tp_results *r);

#endif

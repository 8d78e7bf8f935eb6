/* Monotonic clock and sleeping. */
#ifndef TP_CORE_TIMEUTIL_H
#define TP_CORE_TIMEUTIL_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds and seconds. */
uint64_t tp_now_ns(void);
double tp_now_s(void);
/* Sleeps the whole time, resuming after signals. */
void tp_sleep_s(double seconds);
/* ISO 8601 UTC date of now, e.g. "2026-11-21T10:36:46Z", into buf (>= 21 bytes). */
void tp_utc_date(char *buf, unsigned size);

#endif

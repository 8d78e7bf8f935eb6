/* The compute kernel of the cpu workload (a 4-lane multiply-rotate hash) and
 * a CPU burner built on it; bench/omp_peer.c runs the same kernel. */
#ifndef TP_WORKLOADS_HASH_H
#define TP_WORKLOADS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hash of n bytes at data, mixed with seed. */
uint64_t tp_hash_bytes(const void *data, size_t n, uint64_t seed);
/* Computes (hashing a small buffer) for about seconds of CPU time; returns
 * the hash so the work cannot be optimised away. */
uint64_t tp_hash_burn_s(double seconds);
/* The cpu workload's task: hash of buf[0..n) seeded with the hash of input. */
uint64_t tp_hash_task(const void *buf, size_t n, const char *input, size_t inlen);

#endif

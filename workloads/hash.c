/* The compute kernel of the cpu workload (a 4-lane multiply-rotate hash) and
 * a CPU burner built on it; bench/omp_peer.c runs the same kernel. */
#include "workloads/hash.h"

#include <string.h>
#include <time.h>

/* Odd 64-bit constants with well-spread bits (golden ratio and friends). */
#define K0 0x9e3779b97f4a7c15ULL
#define K1 0xbf58476d1ce4e5b9ULL
#define K2 0x94d049bb133111ebULL
#define K3 0xd6e8feb86659fd93ULL

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t lane(uint64_t acc, uint64_t word)
{
	return rotl(acc + word * K1, 29) * K0;
}

static inline uint64_t avalanche(uint64_t h)
{
	h ^= h >> 31;
	h *= K2;
	h ^= h >> 29;
	h *= K3;
	h ^= h >> 32;
	return h;
}

uint64_t tp_hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t a = seed + K0, b = seed ^ K1, c = seed - K2, d = ~seed, h;

	/* Four independent lanes keep several multiplies in flight. */
	while (end - p >= 32) {
		a = lane(a, load64(p));
		b = lane(b, load64(p + 8));
		c = lane(c, load64(p + 16));
		d = lane(d, load64(p + 24));
		p += 32;
	}
	h = rotl(a, 1) + rotl(b, 7) + rotl(c, 13) + rotl(d, 19) + (uint64_t)n * K3;
	while (end - p >= 8) {
		h = lane(h, load64(p));
		p += 8;
	}
	while (p < end)
		h = rotl(h ^ (*p++ * K2), 11) * K0;
	return avalanche(h);
}

uint64_t tp_hash_task(const void *buf, size_t n, const char *input, size_t inlen)
{
	return tp_hash_bytes(buf, n, tp_hash_bytes(input, inlen, 0));
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t tp_hash_burn_s(double seconds)
{
	unsigned char block[256];
	uint64_t h = 0;
	double until;

	if (seconds <= 0)
		return 0;
	memset(block, 0x5a, sizeof(block));
	until = mono_s() + seconds;
	/* Wall time, not CPU time: the lock and mixed workloads model a task of
	 * a given length, however the scheduler treats it. */
	do {
		h = tp_hash_bytes(block, sizeof(block), h);
		block[h & 255] ^= (unsigned char)h;
	} while (mono_s() < until);
	return h;
}

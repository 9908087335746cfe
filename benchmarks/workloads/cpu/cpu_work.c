/* The fixed compute workload of `moat bench --suite cpu`.
 *
 *   cpu_work ROUNDS
 *
 * Does ROUNDS identical rounds of single-threaded work that stays in user
 * space (integer hashing over a buffer, a prime sieve, a double-precision
 * matrix multiply), timing only the work with CLOCK_MONOTONIC, and prints
 *
 *   elapsed_ns=<ns> cpu_ns=<ns> rounds=<ROUNDS> checksum=<hex>
 *
 * elapsed_ns is wall time (CLOCK_MONOTONIC) and cpu_ns the process's CPU
 * time (CLOCK_PROCESS_CPUTIME_ID) over the same region: on an idle machine
 * they agree; when other work competes for the CPU only elapsed_ns grows.
 * The checksum depends only on ROUNDS, so the harness can check every
 * runtime computed the same thing. Startup, loading and printing are outside
 * the timed region: the figure is the compute overhead of the sandbox (CPU
 * virtualisation, timer and scheduling effects), not exec latency.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BUF = 1 << 16, SIEVE = 1 << 18, MAT = 64 };

static uint8_t buffer[BUF];
static uint8_t composite[SIEVE];
static double ma[MAT][MAT], mb[MAT][MAT], mc[MAT][MAT];

static uint64_t hash_buffer(uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (int i = 0; i < BUF; ++i) {
    h ^= buffer[i];
    h *= 1099511628211ull;
  }
  return h;
}

static uint64_t sieve(void) {
  memset(composite, 0, sizeof composite);
  uint64_t count = 0;
  for (uint64_t i = 2; i < SIEVE; ++i) {
    if (composite[i]) continue;
    ++count;
    for (uint64_t j = i * i; j < SIEVE; j += i) composite[j] = 1;
  }
  return count;
}

static double matmul(void) {
  for (int r = 0; r < MAT; ++r)
    for (int c = 0; c < MAT; ++c) {
      double s = 0;
      for (int k = 0; k < MAT; ++k) s += ma[r][k] * mb[k][c];
      mc[r][c] = s;
    }
  double trace = 0;
  for (int i = 0; i < MAT; ++i) trace += mc[i][i];
  return trace;
}

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cpu_work ROUNDS\n");
    return 64;
  }
  char* end = NULL;
  long rounds = strtol(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || rounds < 1) {
    fprintf(stderr, "cpu_work: ROUNDS must be a positive integer, got '%s'\n", argv[1]);
    return 64;
  }
  for (int i = 0; i < BUF; ++i) buffer[i] = (uint8_t)(i * 131u + 7u);
  for (int r = 0; r < MAT; ++r)
    for (int c = 0; c < MAT; ++c) {
      ma[r][c] = (double)((r * 7 + c) % 11) / 3.0;
      mb[r][c] = (double)((c * 5 + r) % 13) / 7.0;
    }

  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  const uint64_t start_cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  uint64_t checksum = 0;
  for (long round = 0; round < rounds; ++round) {
    checksum = checksum * 31u + hash_buffer((uint64_t)round);
    checksum = checksum * 31u + sieve();
    checksum = checksum * 31u + (uint64_t)matmul();
    buffer[round % BUF] ^= (uint8_t)checksum;
  }
  const uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start_cpu;
  const uint64_t elapsed = clock_ns(CLOCK_MONOTONIC) - start;
  printf("elapsed_ns=%llu cpu_ns=%llu rounds=%ld checksum=%016llx\n", (unsigned long long)elapsed,
         (unsigned long long)cpu, rounds, (unsigned long long)checksum);
  return 0;
}

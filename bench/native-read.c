/*
 * The search benchmark's yardstick: how fast plain native code reads a float32 file's values once
 * they are in memory. Usage: native-read FILE. It reads FILE into one buffer and sums every value
 * once untimed (the pages are then mapped and warm), prints "ready", then for each line N on its
 * standard input times N more sums with clock_gettime and prints one line per pass:
 * "<wall milliseconds> <CPU milliseconds> <sum>". The CPU time (CLOCK_PROCESS_CPUTIME_ID) counts
 * stalls on memory but not the time another process held the core. Taking its passes on request
 * lets the benchmark alternate them with the search's queries, so both see the same machine. Built
 * by bench/native-read.ts with `cc -O2`.
 *
 * Eight accumulators, because one is bound by the latency of the float addition (about 70 ms for
 * 307 MB on an AMD EPYC, against 12 ms with eight): this loop is limited by the memory, as the
 * search is meant to be. GCC's -O3 -march=native -ffast-math vectorised loop was no faster.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(clockid_t clock) {
  struct timespec time;
  clock_gettime(clock, &time);
  return time.tv_sec * 1e3 + time.tv_nsec / 1e6;
}

static float sum_all(const float *values, size_t count) {
  float sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0, sum4 = 0, sum5 = 0, sum6 = 0, sum7 = 0;
  size_t index = 0;
  for (; index + 8 <= count; index += 8) {
    sum0 += values[index];
    sum1 += values[index + 1];
    sum2 += values[index + 2];
    sum3 += values[index + 3];
    sum4 += values[index + 4];
    sum5 += values[index + 5];
    sum6 += values[index + 6];
    sum7 += values[index + 7];
  }
  for (; index < count; index++) sum0 += values[index];
  return ((sum0 + sum1) + (sum2 + sum3)) + ((sum4 + sum5) + (sum6 + sum7));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: native-read FILE (then pass counts on standard input)\n");
    return 2;
  }
  int file = open(argv[1], O_RDONLY);
  struct stat info;
  if (file < 0 || fstat(file, &info) != 0) {
    perror(argv[1]);
    return 1;
  }
  size_t bytes = (size_t)info.st_size;
  float *values = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (values == NULL) {
    perror("aligned_alloc");
    return 1;
  }
  for (size_t done = 0; done < bytes;) {
    ssize_t got = read(file, (char *)values + done, bytes - done);
    if (got <= 0) {
      perror("read");
      return 1;
    }
    done += (size_t)got;
  }
  close(file);
  size_t count = bytes / sizeof(float);
  volatile float sink = sum_all(values, count);
  printf("ready\n");
  fflush(stdout);
  int passes;
  while (scanf("%d", &passes) == 1) {
    for (int pass = 0; pass < passes; pass++) {
      double start = now_ms(CLOCK_MONOTONIC);
      double cpu_start = now_ms(CLOCK_PROCESS_CPUTIME_ID);
      float sum = sum_all(values, count);
      double cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
      double elapsed = now_ms(CLOCK_MONOTONIC) - start;
      sink = sum;
      printf("%.3f %.3f %.6g\n", elapsed, cpu, (double)sum);
    }
    fflush(stdout);
  }
  (void)sink;
  free(values);
  return 0;
}

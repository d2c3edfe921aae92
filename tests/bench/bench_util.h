/*
 * What the benchmark programs share: the clock, timing one case for a
 * round, keeping the best round, printing a rate, the command line
 * ([--seconds S] [--go PATH]) and running a Go baseline program for one
 * round. Times are never asserted on: a program fails only when an
 * operation fails.
 */
#ifndef CONFAI_TESTS_BENCH_UTIL_H
#define CONFAI_TESTS_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One operation of a case; returns 0, or -1 after printing why it failed. */
typedef int (*bench_op)(void *state);

/* Runs op for about `seconds`; returns ops/s. Exits if op fails. */
static inline double bench_round_rate(bench_op op, void *state, double seconds)
{
    long ops = 0;
    double start = bench_now(), elapsed;
    do {
        if (op(state) != 0)
            exit(1);
        ops++;
        elapsed = bench_now() - start;
    } while (elapsed < seconds);
    return (double)ops / elapsed;
}

static inline void bench_keep_best(double *best, double rate)
{
    if (rate > *best)
        *best = rate;
}

static inline void bench_print_rate(const char *label, double rate)
{
    printf("  %-40s %8.0f /s  %7.3f ms\n", label, rate, 1e3 / rate);
}

/* [--seconds S] [--go PATH]; 0, or 2 after printing the usage. */
static inline int bench_args(int argc, char **argv, double *seconds, const char **go_bench)
{
    *seconds = 1.0;
    *go_bench = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            *seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--go") == 0 && i + 1 < argc)
            *go_bench = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--go PATH]\n", argv[0]);
            return 2;
        }
    }
    if (*seconds <= 0)
        *seconds = 1.0;
    return 0;
}

/* What the Go programs said besides their results. */
typedef struct bench_go {
    char version[64];      /* "GOVERSION <v>" */
    char unavailable[600]; /* "UNAVAILABLE <why>": built without Go or the module proxy */
} bench_go;

/*
 * Runs one round of a Go program and reads its "RESULT <name> <ops/s>"
 * lines into rates[i] for names[i] (a NULL name takes any result). Returns 0
 * when the program succeeded and every name was read.
 */
static inline int bench_go_run(bench_go *go, const char *command, const char *const *names,
                               double *rates, size_t n)
{
    char line[600], name[64];
    double rate;
    size_t found = 0;
    FILE *p = popen(command, "r");
    if (p == NULL)
        return -1;
    while (fgets(line, sizeof(line), p) != NULL) {
        if (strncmp(line, "UNAVAILABLE ", 12) == 0) {
            snprintf(go->unavailable, sizeof(go->unavailable), "%s", line + 12);
            go->unavailable[strcspn(go->unavailable, "\n")] = '\0';
        }
        if (sscanf(line, "GOVERSION %63s", go->version) == 1)
            continue;
        if (sscanf(line, "RESULT %63s %lf", name, &rate) != 2)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (names[i] == NULL || strcmp(names[i], name) == 0) {
                rates[i] = rate;
                found |= (size_t)1 << i;
            }
        }
    }
    return pclose(p) == 0 && found == ((size_t)1 << n) - 1 ? 0 : -1;
}

#endif /* CONFAI_TESTS_BENCH_UTIL_H */

/*
 * Starts the reference gateway (examples/confai-gateway) as a child process
 * on a free loopback port and stops it again.
 */
#ifndef CONFAI_TESTS_GATEWAY_PROCESS_H
#define CONFAI_TESTS_GATEWAY_PROCESS_H

#include <stdio.h>
#include <sys/types.h>

typedef struct gateway_process {
    pid_t pid;
    FILE *out;             /* its stdout */
    char url[64];          /* http://127.0.0.1:<port> */
    char state_dir[256];
    char policy_path[300];
} gateway_process;

/*
 * Starts `binary --listen 127.0.0.1:0 --sim-snp --state <state_dir>
 * --policy-out <state_dir>/policy.json --allow-rotate [extra...]` and waits for its
 * "listening on" line. extra is NULL-terminated (may be NULL). Returns 0 on
 * success.
 */
int gateway_start(gateway_process *g, const char *binary, const char *state_dir,
                  const char *const *extra);

/* SIGTERM, then waits. */
void gateway_stop(gateway_process *g);

/* Reads the policy the gateway wrote; NULL on error (free()). */
char *gateway_policy(const gateway_process *g, size_t *len);

#endif

/* The reference gateway as a child process of a test. */
#include "gateway_process.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int gateway_start(gateway_process *g, const char *binary, const char *state_dir,
                  const char *const *extra)
{
    int out[2];
    memset(g, 0, sizeof(*g));
    snprintf(g->state_dir, sizeof(g->state_dir), "%s", state_dir);
    snprintf(g->policy_path, sizeof(g->policy_path), "%s/policy.json", state_dir);
    if (pipe(out) != 0)
        return -1;
    const char *argv[32] = {binary, "--listen", "127.0.0.1:0", "--sim-snp", "--state",
                            state_dir, "--policy-out", g->policy_path, "--allow-rotate"};
    int argc = 9;
    for (int i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    g->pid = fork();
    if (g->pid < 0)
        return -1;
    if (g->pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execv(binary, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    /* The first stdout line tells the port; the rest of stdout is ignored. */
    FILE *f = fdopen(out[0], "r");
    char line[256];
    int ok = 0;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        const char *p = strstr(line, "listening on ");
        if (p != NULL) {
            p += strlen("listening on ");
            size_t n = strcspn(p, "\r\n");
            if (n < sizeof(g->url)) {
                memcpy(g->url, p, n);
                g->url[n] = '\0';
                ok = 1;
            }
            break;
        }
    }
    /* Kept open until stop, so later output never meets a closed pipe. */
    g->out = f;
    if (!ok) {
        gateway_stop(g);
        return -1;
    }
    return 0;
}

void gateway_stop(gateway_process *g)
{
    if (g->pid > 0) {
        kill(g->pid, SIGTERM);
        waitpid(g->pid, NULL, 0);
        g->pid = 0;
    }
    if (g->out != NULL) {
        fclose(g->out);
        g->out = NULL;
    }
}

char *gateway_policy(const gateway_process *g, size_t *len)
{
    FILE *f = fopen(g->policy_path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf != NULL)
        buf[*len] = '\0';
    return buf;
}

/*
 * For the endorsement fetcher tests (test_http_get.c, test_kds.c,
 * test_pcs.c): the fake KDS/PCS (tests/fakes/fake_kds_pcs.py), which the
 * test starts itself (fake_start) unless one runs already
 * (CONFAI_FAKE_KDS_PCS_URL, as tests/fakes/with-fake-kds-pcs.sh sets it),
 * driven through its /_fake/ control paths, and temporary cache
 * directories. Starting it from the test, not from a wrapper script, keeps
 * a --wrapper such as valgrind on the test program.
 */
#ifndef CONFAI_TESTS_FAKE_KDS_PCS_H
#define CONFAI_TESTS_FAKE_KDS_PCS_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/http_get.h"

#include <signal.h>

static pid_t fake_pid;
static char fake_dir[64];

static void fake_stop(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
        fake_pid = 0;
    }
    if (fake_dir[0] != '\0') {
        char path[128];
        snprintf(path, sizeof(path), "%s/port", fake_dir);
        unlink(path);
        rmdir(fake_dir);
        fake_dir[0] = '\0';
    }
}

/*
 * Starts the fake ($CONFAI_FAKE_KDS_PCS: its script; $PYTHON: the
 * interpreter) and exports its URL; stops it at exit. 0, or -1 with a
 * message on stderr.
 */
static inline int fake_start(void)
{
    const char *url = getenv("CONFAI_FAKE_KDS_PCS_URL");
    if (url != NULL && url[0] != '\0')
        return 0;
    const char *script = getenv("CONFAI_FAKE_KDS_PCS");
    const char *python = getenv("PYTHON");
    if (script == NULL) {
        fprintf(stderr, "fake KDS/PCS: set CONFAI_FAKE_KDS_PCS (meson test does)\n");
        return -1;
    }
    strcpy(fake_dir, "/tmp/fake-kds-pcs.XXXXXX");
    if (mkdtemp(fake_dir) == NULL)
        return -1;
    char port_file[128];
    snprintf(port_file, sizeof(port_file), "%s/port", fake_dir);
    atexit(fake_stop);
    fake_pid = fork();
    if (fake_pid < 0)
        return -1;
    if (fake_pid == 0) {
        const char *py = python != NULL ? python : "python3";
        execlp(py, py, script, "--port-file", port_file, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) { /* up to 20 s on a busy machine */
        FILE *f = fopen(port_file, "r");
        unsigned port = 0;
        if (f != NULL) {
            int got = fscanf(f, "%u", &port);
            fclose(f);
            if (got == 1 && port > 0) {
                char text[64];
                snprintf(text, sizeof(text), "http://127.0.0.1:%u", port);
                return setenv("CONFAI_FAKE_KDS_PCS_URL", text, 1);
            }
        }
        if (waitpid(fake_pid, NULL, WNOHANG) == fake_pid) {
            fake_pid = 0;
            break;
        }
        nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = 50000000 }, NULL);
    }
    fprintf(stderr, "fake KDS/PCS: %s did not start\n", script);
    return -1;
}

/* Short limits: a stalled server costs timeout_ms per attempt. */
static const http_get_options fake_http = { .timeout_ms = 1000, .max_attempts = 3,
                                            .backoff_ms = 10, .max_body = 0 };

static inline const char *fake_url(void)
{
    const char *url = getenv("CONFAI_FAKE_KDS_PCS_URL");
    if (url == NULL || url[0] == '\0')
        fail_msg("CONFAI_FAKE_KDS_PCS_URL is not set: run this test under "
                 "tests/fakes/with-fake-kds-pcs.sh (meson test does)");
    return url;
}

/* GET {fake}/_fake/{what}; the body (free()) */
#if defined(__GNUC__) || defined(__clang__)
static inline char *fake_control(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static inline char *fake_control(const char *fmt, ...)
{
    char path[512], url[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    snprintf(url, sizeof(url), "%s/_fake/%s", fake_url(), path);
    http_response r = { 0 };
    confai_error err = { 0 };
    if (http_get(&r, url, &fake_http, &err) != CONFAI_OK || r.status != 200)
        fail_msg("fake control %s: %s (status %ld)", path, err.message, r.status);
    char *body = strdup((const char *)r.body);
    http_response_clear(&r);
    return body;
}

static inline void fake_reset(void)
{
    free(fake_control("reset"));
}

static inline void fake_fault(const char *mode, int count)
{
    free(fake_control("fault?mode=%s&count=%d", mode, count));
}

/* Requests the fake served (control requests not counted). */
static inline long fake_count(void)
{
    char *body = fake_control("count");
    long n = strtol(body, NULL, 10);
    free(body);
    return n;
}

/* The log of requests, "GET target\n" each (free()). */
static inline char *fake_log(void)
{
    return fake_control("log");
}

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A fresh directory under $TMPDIR (free() the name; remove with remove_tree). */
static inline char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/confai-test.XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(path) == NULL)
        fail_msg("mkdtemp %s failed", path);
    return strdup(path);
}

/* rm -r of a directory of files and directories (no links followed). */
static inline void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            struct stat st;
            int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            if (n < 0 || (size_t)n >= sizeof(path))
                continue;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Entries in a directory (files only). */
static inline int count_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

#endif /* CONFAI_TESTS_FAKE_KDS_PCS_H */

/* Small helpers of confai-gateway: files, clocks, hex. */
#define _GNU_SOURCE
#include "gateway.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint8_t *gw_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n == cap) {
            size_t next = cap == 0 ? 4096 : cap * 2;
            if (cap >= max + 1) {
                errno = EFBIG;
                goto fail;
            }
            if (next > max + 1)
                next = max + 1;
            uint8_t *grown = realloc(data, next);
            if (grown == NULL)
                goto fail;
            data = grown;
            cap = next;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    if (n > max) {
        errno = EFBIG;
        goto fail;
    }
    fclose(f);
    /* A NUL after the bytes, so text files can be parsed as strings. */
    uint8_t *ended = realloc(data, n + 1);
    if (ended == NULL) {
        free(data);
        return NULL;
    }
    ended[n] = 0;
    *len = n;
    return ended;
fail:
    fclose(f);
    free(data);
    return NULL;
}

int gw_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    char *tmp = malloc(strlen(path) + 16);
    if (tmp == NULL)
        return -1;
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        left -= (size_t)w;
    }
    if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 0;
fail:
    {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        free(tmp);
        errno = saved;
    }
    return -1;
}

char *gw_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

uint64_t gw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int gw_sleep_ms(unsigned ms, atomic_int *flag, atomic_int *flag2)
{
    while (ms > 0) {
        if ((flag != NULL && atomic_load(flag)) || (flag2 != NULL && atomic_load(flag2)))
            return -1;
        unsigned step = ms < 20 ? ms : 20;
        struct timespec ts = { 0, (long)step * 1000000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        ms -= step;
    }
    if ((flag != NULL && atomic_load(flag)) || (flag2 != NULL && atomic_load(flag2)))
        return -1;
    return 0;
}

void gw_hex(char *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Timestamped log lines on stderr, one call one line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy.h"

void proxy_log(const char *fmt, ...)
{
    char stamp[32] = "";
    char line[1024];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    if (gmtime_r(&now, &tm) != NULL)
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* one fprintf, so lines of several threads do not interleave */
    fprintf(stderr, "%s confai-proxy: %s\n", stamp, line);
}

static void format_time(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm) != NULL)
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void proxy_log_verdict(const char *what, const confai_verdict *verdict)
{
    size_t mlen = 0;
    const uint8_t *m = confai_verdict_measurement(verdict, &mlen);
    char hex[2 * 64 + 1] = "";
    char expiry[32];

    for (size_t i = 0; m != NULL && i < mlen && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02x", m[i]);
    format_time(expiry, confai_verdict_expiry(verdict));
    const char *platform = confai_verdict_platform(verdict);
    const char *product = confai_verdict_product(verdict);
    proxy_log("%s: platform %s, product %s, measurement %s, root %s, lease until %s", what,
              platform != NULL ? platform : "-", product != NULL ? product : "-", hex,
              confai_verdict_root_is_vendor(verdict) ? "vendor" : "CUSTOM", expiry);
    const char *warning = confai_verdict_root_warning(verdict);
    if (warning != NULL && warning[0] != '\0')
        proxy_log("WARNING: %s", warning);
}

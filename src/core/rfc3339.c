/*
 * The RFC 3339 profile of rfc3339.h. The shape is checked here; whether the
 * date exists is OpenSSL's ASN.1 time code's job (it knows month lengths and
 * leap years), and so is the conversion from calendar to seconds.
 */
#include "core/rfc3339.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

/* "YYYY-MM-DDTHH:MM:SSZ": D a digit, anything else literal. */
static const char shape[] = "DDDD-DD-DDTDD:DD:DDZ";

static int has_shape(const char *s, size_t len)
{
    if (len != RFC3339_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == 'D' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

/* Seconds from 1970-01-01T00:00:00Z to tm. */
static int tm_to_epoch(int64_t *t, const struct tm *tm)
{
    struct tm epoch;
    memset(&epoch, 0, sizeof(epoch));
    epoch.tm_year = 70;
    epoch.tm_mday = 1;
    int days = 0, secs = 0;
    if (!OPENSSL_gmtime_diff(&days, &secs, &epoch, tm))
        return 0;
    *t = (int64_t)days * 86400 + secs;
    return 1;
}

int rfc3339_parse(int64_t *t, const char *s, size_t len)
{
    if (!has_shape(s, len) || memcmp(s, "1970", 4) < 0)
        return 0;
    /* As ASN.1 GeneralizedTime: YYYYMMDDHHMMSSZ. */
    char gt[16];
    const size_t picks[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 19 };
    for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++)
        gt[i] = s[picks[i]];
    gt[15] = '\0';

    /* A rejected date is an answer, not an error to leave in OpenSSL's queue. */
    ERR_set_mark();
    ASN1_GENERALIZEDTIME *g = ASN1_GENERALIZEDTIME_new();
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ok = g != NULL && ASN1_GENERALIZEDTIME_set_string(g, gt) == 1
             && ASN1_TIME_to_tm(g, &tm) == 1 && tm_to_epoch(t, &tm);
    ASN1_GENERALIZEDTIME_free(g);
    ERR_pop_to_mark();
    return ok;
}

int rfc3339_format(char out[RFC3339_LEN + 1], int64_t t)
{
    out[0] = '\0';
    /* 253402300799 is 9999-12-31T23:59:59Z. */
    if (t < 0 || t > INT64_C(253402300799) || (int64_t)(time_t)t != t)
        return 0;
    time_t tt = (time_t)t;
    struct tm tm;
    if (OPENSSL_gmtime(&tt, &tm) == NULL)
        return 0;
    int n = snprintf(out, RFC3339_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
    if (n != RFC3339_LEN) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}

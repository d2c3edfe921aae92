/*
 * Timestamps in evidence bundles and verdicts: the RFC 3339 profile
 * "YYYY-MM-DDTHH:MM:SSZ" (UTC, uppercase T and Z, no fractional seconds,
 * years 1970 to 9999). One spelling per instant, so the string a service
 * signs (the binding covers it byte for byte) has one meaning.
 */
#ifndef CONFAI_CORE_RFC3339_H
#define CONFAI_CORE_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN 20 /* characters, without a NUL */

/*
 * Parses (s, len) into seconds since 1970. Returns 1 on success; 0 when the
 * text is not of the profile's form or not a real date and time (30
 * February, 24:00:00, a leap second).
 */
int rfc3339_parse(int64_t *t, const char *s, size_t len);

/*
 * Writes t as the profile's 20 characters and a NUL. Returns 1 on success;
 * 0 (out = "") for times before 1970 or after 9999.
 */
int rfc3339_format(char out[RFC3339_LEN + 1], int64_t t);

#endif /* CONFAI_CORE_RFC3339_H */

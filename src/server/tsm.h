/*
 * Attestation reports through configfs-tsm (the kernel's
 * Documentation/ABI/testing/configfs-tsm-report, Linux 6.7 and later): one
 * report entry made for each request under the report root, its attributes
 * written and read as the ABI defines, and the entry removed on every path.
 *
 * The entry's generation attribute counts the writes to it; a report is
 * taken only when the generation after reading it equals the generation
 * before the writes plus the writes made, so a concurrent writer to the same
 * entry cannot slip another inblob under the report (the request is then
 * made again, a bounded number of times).
 *
 * Blocking file I/O; no global state; reentrant. The outputs are not
 * secrets, but are wiped when cleared anyway.
 */
#ifndef CONFAI_SERVER_TSM_H
#define CONFAI_SERVER_TSM_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define TSM_DEFAULT_ROOT "/sys/kernel/config/tsm/report"
#define TSM_INBLOB_SIZE 64
#define TSM_OUTBLOB_MAX (64u * 1024u) /* larger outblobs: CONFAI_E_LIMIT */
#define TSM_AUXBLOB_MAX (64u * 1024u) /* larger auxblobs: CONFAI_E_LIMIT */
#define TSM_DEFAULT_RETRIES 8u

typedef struct tsm_request {
    const char *root;          /* the report root; NULL: TSM_DEFAULT_ROOT */
    const char *provider;      /* "sev_guest" or "tdx_guest" must match; NULL: any */
    int privlevel;             /* SEV-SNP: the VMPL written to privlevel; -1: not written */
    uint8_t inblob[TSM_INBLOB_SIZE];
    unsigned max_retries;      /* generation races before CONFAI_E_TSM_RACE; 0: default 8 */
} tsm_request;

typedef struct tsm_report {
    uint8_t *outblob;          /* the report (sev_guest) or quote (tdx_guest) */
    size_t outblob_len;
    uint8_t *auxblob;          /* SEV-SNP certificate table; NULL/0 when empty */
    size_t auxblob_len;
    char provider[32];         /* the provider that made it, NUL-terminated */
} tsm_report;

/*
 * Gets a report whose user data is req->inblob: makes a uniquely named
 * entry under the root, checks its provider (when req->provider is set),
 * writes privlevel (when req->privlevel >= 0) and inblob, reads outblob and
 * auxblob (absent or empty is fine) and checks the generation; removes the
 * entry whatever happens. Retries the whole request up to max_retries times
 * when the generation moved or the kernel answered EBUSY.
 * Errors:
 *   CONFAI_E_ARGUMENT         out or req NULL, privlevel not -1 or 0..3
 *   CONFAI_E_TSM_UNAVAILABLE  no report root (mkdir: ENOENT, ENOTDIR), no
 *                             permission, or another mkdir failure
 *   CONFAI_E_TSM_PROVIDER     the provider is not req->provider
 *   CONFAI_E_TSM_REFUSED      the kernel refused privlevel or inblob
 *                             (EINVAL, EFBIG, no such attribute) or failed
 *                             to produce the report
 *   CONFAI_E_TSM_RACE         still racing after max_retries retries
 *   CONFAI_E_LIMIT            outblob or auxblob over 64 KiB
 *   CONFAI_E_MALFORMED        generation or provider unreadable as text
 *   CONFAI_E_NO_MEMORY
 * On success *out owns its buffers (release with tsm_report_clear); on
 * failure *out is zeroed.
 */
confai_status tsm_report_get(tsm_report *out, const tsm_request *req, confai_error *err);

/* Wipes and frees the buffers and zeroes *r; NULL is a no-op. */
void tsm_report_clear(tsm_report *r);

/*
 * The provider of a report root (NULL: TSM_DEFAULT_ROOT), e.g. "sev_guest"
 * or "tdx_guest": makes an entry, reads its provider, removes it.
 * Errors as tsm_report_get (CONFAI_E_TSM_UNAVAILABLE, CONFAI_E_MALFORMED).
 */
confai_status tsm_provider(char out[32], const char *root, confai_error *err);

#endif /* CONFAI_SERVER_TSM_H */

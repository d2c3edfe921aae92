/*
 * configfs-tsm reports (tsm.h). One request:
 *
 *   mkdir ROOT/confai-PID-RANDOM            the entry (always removed again)
 *   read  provider                          the platform, checked first
 *   read  generation                        g0
 *   write privlevel (SEV-SNP VMPL, if any)  g0 + 1
 *   write inblob (64 bytes)                 g0 + writes
 *   read  outblob, auxblob                  the report is made on this read
 *   read  generation                        must still be g0 + writes
 *   rmdir
 *
 * configfs hands a binary attribute's bytes to the provider when the file
 * is closed and ignores what the provider says then, so a refused or lost
 * inblob write shows only in the generation: that is why the count is
 * checked, and why a write error on close counts as much as one on write.
 */
#include "server/tsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/error.h"
#include "core/memory.h"

#define TEXT_MAX 64 /* generation, provider: short text */
#define NAME_TRIES 4

/* The entry of one request: its path and the file names under it. */
typedef struct tsm_entry {
    char dir[512];
    int made;
} tsm_entry;

static int attr_path(char *out, size_t cap, const tsm_entry *e, const char *attr)
{
    int n = snprintf(out, cap, "%s/%s", e->dir, attr);
    return n > 0 && (size_t)n < cap;
}

/* Status for an errno of a read or write of an attribute. */
static confai_status errno_status(int e)
{
    switch (e) {
    case EBUSY:
    case EAGAIN:
        return CONFAI_E_TSM_RACE;
    case EACCES:
    case EPERM:
        return CONFAI_E_TSM_UNAVAILABLE;
    default:
        return CONFAI_E_TSM_REFUSED;
    }
}

static const char *errno_fix(int e)
{
    switch (e) {
    case EBUSY:
    case EAGAIN:
        return "another writer is using the entry";
    case EACCES:
    case EPERM:
        return "run as root or grant write access to the report root";
    case ENOENT:
        return "the provider does not offer this attribute";
    case EINVAL:
    case EFBIG:
        return "the provider rejects this value";
    default:
        return "see the kernel log (dmesg) for the provider's error";
    }
}

static confai_status make_entry(tsm_entry *e, const char *root, confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (int attempt = 0; attempt < NAME_TRIES; attempt++) {
        uint8_t rnd[8];
        unsigned long long tag = 0;
        ENSURE(RAND_bytes(rnd, sizeof(rnd)) == 1, CONFAI_E_INTERNAL,
               "configfs-tsm: no random bytes for an entry name");
        for (size_t i = 0; i < sizeof(rnd); i++)
            tag = tag << 8 | rnd[i];
        int n = snprintf(e->dir, sizeof(e->dir), "%s/confai-%ld-%016llx", root,
                         (long)getpid(), tag);
        ENSURE(n > 0 && (size_t)n < sizeof(e->dir), CONFAI_E_ARGUMENT,
               "invalid argument: the report root path is too long");
        if (mkdir(e->dir, 0700) == 0) {
            e->made = 1;
            goto out;
        }
        int errnum = errno;
        switch (errnum) {
        case EEXIST:
            continue;
        case ENOENT:
        case ENOTDIR:
            BAIL(CONFAI_E_TSM_UNAVAILABLE,
                 "no configfs-tsm report root at %s: run inside an SEV-SNP or TDX guest "
                 "(Linux 6.7+) with configfs mounted (mount -t configfs none "
                 "/sys/kernel/config)", root);
        case EACCES:
        case EPERM:
        case EROFS:
            BAIL(CONFAI_E_TSM_UNAVAILABLE,
                 "no permission to make a report entry under %s (%s): run as root or "
                 "grant write access to the report root", root, strerror(errnum));
        default:
            BAIL(CONFAI_E_TSM_UNAVAILABLE,
                 "cannot make a report entry under %s (%s): load the guest's TSM provider "
                 "(modprobe sev-guest or tdx-guest)", root, strerror(errnum));
        }
    }
    BAIL(CONFAI_E_TSM_UNAVAILABLE,
         "cannot make a uniquely named report entry under %s: remove stale confai-* "
         "entries there", root);
out:
    return status;
}

static void remove_entry(tsm_entry *e)
{
    if (e->made)
        (void)rmdir(e->dir);
    e->made = 0;
}

/*
 * Reads a whole attribute, at most max bytes, into fresh memory (NUL added
 * after the bytes, not counted). *absent (if given) is set instead of an
 * error when the attribute does not exist.
 */
static confai_status read_attr(uint8_t **out, size_t *len, const tsm_entry *e,
                               const char *attr, size_t max, int *absent, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char path[600];
    uint8_t *buf = NULL;
    size_t used = 0, cap = 0;
    int fd = -1;

    *out = NULL;
    *len = 0;
    if (absent != NULL)
        *absent = 0;
    ENSURE(attr_path(path, sizeof(path), e, attr), CONFAI_E_ARGUMENT,
           "invalid argument: the report root path is too long");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && absent != NULL) {
        *absent = 1;
        goto out;
    }
    if (fd < 0) {
        int errnum = errno;
        BAIL(errno_status(errnum), "configfs-tsm: cannot open %s (%s): %s", attr,
             strerror(errnum), errno_fix(errnum));
    }
    for (;;) {
        if (cap - used < 4096 + 1) {
            size_t bigger = cap == 0 ? 4096 + 1 : cap * 2;
            if (bigger > max + 4096 + 1)
                bigger = max + 4096 + 1;
            uint8_t *p = confai_zalloc(bigger);
            ENSURE(p != NULL, CONFAI_E_NO_MEMORY, "configfs-tsm: out of memory");
            if (used > 0)
                memcpy(p, buf, used);
            confai_free_secret(buf, cap);
            buf = p;
            cap = bigger;
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int errnum = errno;
            BAIL(errno_status(errnum), "configfs-tsm: reading %s failed (%s): %s", attr,
                 strerror(errnum), errno_fix(errnum));
        }
        if (n == 0)
            break;
        used += (size_t)n;
        ENSURE(used <= max, CONFAI_E_LIMIT,
               "configfs-tsm: %s has more than %zu bytes: the provider's output is not "
               "one this library reads", attr, max);
    }
    if (used > 0) {
        *out = buf;
        *len = used;
        buf = NULL;
    }
out:
    if (fd >= 0)
        (void)close(fd);
    confai_free_secret(buf, cap);
    return status;
}

/* Reads a short text attribute without its trailing newline. */
static confai_status read_text(char out[TEXT_MAX], const tsm_entry *e, const char *attr,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *buf = NULL;
    size_t size = 0;

    out[0] = '\0';
    GUARD(read_attr(&buf, &size, e, attr, TEXT_MAX - 1, NULL, err));
    size_t len = size;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
        len--;
    ENSURE(len > 0, CONFAI_E_MALFORMED, "configfs-tsm: %s is empty: the kernel's report "
           "interface is not the one this library reads", attr);
    for (size_t i = 0; i < len; i++)
        ENSURE(buf[i] >= 0x21 && buf[i] < 0x7f, CONFAI_E_MALFORMED,
               "configfs-tsm: %s is not plain text: the kernel's report interface is not "
               "the one this library reads", attr);
    memcpy(out, buf, len);
    out[len] = '\0';
out:
    confai_free_secret(buf, size);
    return status;
}

static confai_status read_generation(unsigned long long *gen, const tsm_entry *e,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    char text[TEXT_MAX];
    unsigned long long v = 0;

    GUARD(read_text(text, e, "generation", err));
    for (const char *p = text; *p != '\0'; p++) {
        ENSURE(*p >= '0' && *p <= '9' && v <= (~0ULL - 9) / 10, CONFAI_E_MALFORMED,
               "configfs-tsm: generation is not a number (\"%s\"): the kernel's report "
               "interface is not the one this library reads", text);
        v = v * 10 + (unsigned)(*p - '0');
    }
    *gen = v;
out:
    return status;
}

/* Writes all bytes of an attribute; errors on write and on close count. */
static confai_status write_attr(int *errnum, const tsm_entry *e, const char *attr,
                                const void *data, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char path[600];
    const uint8_t *p = data;
    int fd = -1;

    ENSURE(attr_path(path, sizeof(path), e, attr), CONFAI_E_ARGUMENT,
           "invalid argument: the report root path is too long");
    *errnum = 0;
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        *errnum = errno;
        BAIL(errno_status(*errnum), "configfs-tsm: cannot open %s for writing (%s): %s",
             attr, strerror(*errnum), errno_fix(*errnum));
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *errnum = n < 0 ? errno : EIO;
            BAIL(errno_status(*errnum), "configfs-tsm: writing %s failed (%s): %s", attr,
                 strerror(*errnum), errno_fix(*errnum));
        }
        p += n;
        len -= (size_t)n;
    }
    int rc = close(fd);
    fd = -1;
    if (rc != 0 && errno != EINTR) {
        *errnum = errno;
        BAIL(errno_status(*errnum), "configfs-tsm: writing %s failed on close (%s): %s",
             attr, strerror(*errnum), errno_fix(*errnum));
    }
out:
    if (fd >= 0)
        (void)close(fd);
    return status;
}

/* One try in an existing entry: writes, reads, generation check. */
static confai_status attempt(tsm_report *out, const tsm_entry *e, const tsm_request *req,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned long long g0 = 0, g1 = 0, writes = 0;
    int absent = 0, errnum = 0;

    GUARD(read_generation(&g0, e, err));
    if (req->privlevel >= 0) {
        char text[8];
        int n = snprintf(text, sizeof(text), "%d\n", req->privlevel);
        status = write_attr(&errnum, e, "privlevel", text, (size_t)n, err);
        if (status == CONFAI_E_TSM_REFUSED)
            BAIL(status, "configfs-tsm: the %s provider refused privlevel %d (%s): ask "
                 "for a VMPL from its privlevel_floor to 3 (TDX takes none: pass -1)",
                 out->provider, req->privlevel, strerror(errnum));
        GUARD(status);
        writes++;
    }
    status = write_attr(&errnum, e, "inblob", req->inblob, TSM_INBLOB_SIZE, err);
    if (status == CONFAI_E_TSM_REFUSED)
        BAIL(status, "configfs-tsm: the %s provider refused the 64-byte inblob (%s): %s",
             out->provider, strerror(errnum), errno_fix(errnum));
    GUARD(status);
    writes++;
    GUARD(read_attr(&out->outblob, &out->outblob_len, e, "outblob", TSM_OUTBLOB_MAX, NULL,
                    err));
    ENSURE(out->outblob_len > 0, CONFAI_E_TSM_REFUSED,
           "configfs-tsm: the %s provider returned an empty outblob: see dmesg for its "
           "error", out->provider);
    GUARD(read_attr(&out->auxblob, &out->auxblob_len, e, "auxblob", TSM_AUXBLOB_MAX,
                    &absent, err));
    GUARD(read_generation(&g1, e, err));
    ENSURE(g1 == g0 + writes, CONFAI_E_TSM_RACE,
           "configfs-tsm: the entry's generation went from %llu to %llu over %llu writes: "
           "another writer changed it", g0, g1, writes);
out:
    return status;
}

static void report_free_blobs(tsm_report *r)
{
    confai_free_secret(r->outblob, r->outblob_len);
    confai_free_secret(r->auxblob, r->auxblob_len);
    r->outblob = r->auxblob = NULL;
    r->outblob_len = r->auxblob_len = 0;
}

void tsm_report_clear(tsm_report *r)
{
    if (r == NULL)
        return;
    report_free_blobs(r);
    confai_wipe(r, sizeof(*r));
}

confai_status tsm_report_get(tsm_report *out, const tsm_request *req, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tsm_entry entry = { .made = 0 };
    char provider[TEXT_MAX];

    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(req != NULL, "req");
    ENSURE(req->privlevel >= -1 && req->privlevel <= 3, CONFAI_E_ARGUMENT,
           "invalid argument: privlevel %d (a VMPL 0..3, or -1 for none)", req->privlevel);
    const char *root = req->root != NULL ? req->root : TSM_DEFAULT_ROOT;
    unsigned retries = req->max_retries != 0 ? req->max_retries : TSM_DEFAULT_RETRIES;

    GUARD(make_entry(&entry, root, err));
    GUARD(read_text(provider, &entry, "provider", err));
    ENSURE(strlen(provider) < sizeof(out->provider), CONFAI_E_MALFORMED,
           "configfs-tsm: provider name \"%s\" is too long", provider);
    ENSURE(req->provider == NULL || strcmp(provider, req->provider) == 0,
           CONFAI_E_TSM_PROVIDER,
           "configfs-tsm at %s is provider %s, not the %s asked for: run on a %s guest or "
           "ask for %s", root, provider, req->provider,
           strcmp(req->provider, "tdx_guest") == 0 ? "TDX" : "SEV-SNP", provider);
    memcpy(out->provider, provider, strlen(provider) + 1);

    for (unsigned tries = 0;; tries++) {
        status = attempt(out, &entry, req, err);
        if (status != CONFAI_E_TSM_RACE)
            break;
        report_free_blobs(out);
        if (tries >= retries)
            BAIL(CONFAI_E_TSM_RACE,
                 "configfs-tsm: the report entry kept changing under another writer (%u "
                 "tries): make sure nothing else writes to %s", tries + 1, entry.dir);
    }
out:
    remove_entry(&entry);
    if (status != CONFAI_OK && out != NULL)
        tsm_report_clear(out);
    return status;
}

confai_status tsm_provider(char out[32], const char *root, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tsm_entry entry = { .made = 0 };
    char provider[TEXT_MAX];

    ENSURE_ARG(out != NULL, "out");
    out[0] = '\0';
    if (root == NULL)
        root = TSM_DEFAULT_ROOT;
    GUARD(make_entry(&entry, root, err));
    GUARD(read_text(provider, &entry, "provider", err));
    ENSURE(strlen(provider) < 32, CONFAI_E_MALFORMED,
           "configfs-tsm: provider name \"%s\" is too long", provider);
    memcpy(out, provider, strlen(provider) + 1);
out:
    remove_entry(&entry);
    return status;
}

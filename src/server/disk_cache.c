/*
 * The on-disk endorsement cache (disk_cache.h). File layout, big-endian:
 *   magic "CONFAIC\1" (8) | SHA-256(key) (32) | expires i64 (8) |
 *   length u64 (8) | SHA-256 over the 56 bytes before it and the data (32) |
 *   data (length)
 */
#include "server/disk_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"

#define MAGIC "CONFAIC\1"
#define MAGIC_LEN 8
#define PREFIX_LEN (MAGIC_LEN + 32 + 8 + 8) /* what the digest covers before the data */
#define HEADER_LEN (PREFIX_LEN + 32)
#define PATH_MAX_LEN 4096

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static confai_status sha256_2(uint8_t out[32], const uint8_t *a, size_t a_len,
                              const uint8_t *b, size_t b_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(md, a, a_len) == 1 &&
                    (b_len == 0 || EVP_DigestUpdate(md, b, b_len) == 1) &&
                    EVP_DigestFinal_ex(md, out, NULL) == 1,
                CONFAI_E_INTERNAL, "cache: SHA-256");
out:
    EVP_MD_CTX_free(md);
    return status;
}

/* The entry's path and SHA-256(key). */
static confai_status entry_path(char path[PATH_MAX_LEN], uint8_t key_hash[32], const char *dir,
                                const char *key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char hex[65];
    GUARD(sha256_2(key_hash, (const uint8_t *)key, strlen(key), NULL, 0, err));
    hex_encode(hex, key_hash, 32);
    int n = snprintf(path, PATH_MAX_LEN, "%s/%s", dir, hex);
    ENSURE(n > 0 && n < PATH_MAX_LEN, CONFAI_E_ARGUMENT, "cache: directory path too long: %s",
           dir);
out:
    return status;
}

/* 1: an existing directory only its owner may write; 0: absent; error otherwise. */
static confai_status check_dir(int *exists, const char *dir, confai_error *err)
{
    confai_status status = CONFAI_OK;
    struct stat st;
    *exists = 0;
    if (stat(dir, &st) != 0) {
        ENSURE(errno == ENOENT, CONFAI_E_INTERNAL, "cache: cannot use %s (%s): check the path",
               dir, strerror(errno));
        return CONFAI_OK;
    }
    ENSURE(S_ISDIR(st.st_mode), CONFAI_E_ARGUMENT,
           "cache: %s exists and is not a directory: point the cache elsewhere", dir);
    ENSURE((st.st_mode & (S_IWGRP | S_IWOTH)) == 0, CONFAI_E_ARGUMENT,
           "cache: %s is writable by group or others, so others could replace entries: "
           "chmod 700 it",
           dir);
    *exists = 1;
out:
    return status;
}

/* mkdir -p with mode 0700 for what it creates. */
static confai_status make_dir(const char *dir, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char path[PATH_MAX_LEN];
    size_t n = strlen(dir);
    ENSURE(n > 0 && n < sizeof(path), CONFAI_E_ARGUMENT, "cache: bad directory path");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            BAIL(CONFAI_E_INTERNAL, "cache: cannot create %s (%s): create it (mode 700) or "
                                    "choose another cache directory",
                 path, strerror(errno));
        path[i] = c;
    }
out:
    return status;
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        got += (size_t)r;
    }
    return 1;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        done += (size_t)w;
    }
    return 1;
}

confai_status disk_cache_get(uint8_t **data, size_t *len, int64_t *expires, const char *dir,
                             const char *key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char path[PATH_MAX_LEN];
    uint8_t key_hash[32], header[HEADER_LEN], digest[32];
    uint8_t *buf = NULL;
    size_t buf_len = 0;
    int fd = -1, exists = 0;
    struct stat st;

    ENSURE_ARG(data != NULL && len != NULL && expires != NULL, "data, len, expires");
    *data = NULL;
    *len = 0;
    *expires = 0;
    ENSURE_ARG(dir != NULL && dir[0] != '\0', "dir");
    ENSURE_ARG(key != NULL && key[0] != '\0', "key");
    GUARD(check_dir(&exists, dir, err));
    if (!exists)
        goto out;
    GUARD(entry_path(path, key_hash, dir, key, err));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        /* absent, or a link someone put there: a miss */
        ENSURE(errno == ENOENT || errno == ELOOP, CONFAI_E_INTERNAL,
               "cache: cannot read %s (%s): fix its permissions or remove it", path,
               strerror(errno));
        goto out;
    }
    ENSURE(fstat(fd, &st) == 0, CONFAI_E_INTERNAL, "cache: cannot stat %s (%s)", path,
           strerror(errno));
    if (!S_ISREG(st.st_mode) || st.st_size < HEADER_LEN ||
        (uint64_t)st.st_size > HEADER_LEN + (uint64_t)DISK_CACHE_MAX_ENTRY)
        goto out;
    if (!read_all(fd, header, HEADER_LEN))
        goto out;
    uint64_t length = get_be64(header + MAGIC_LEN + 32 + 8);
    if (memcmp(header, MAGIC, MAGIC_LEN) != 0 ||
        CRYPTO_memcmp(header + MAGIC_LEN, key_hash, 32) != 0 ||
        length != (uint64_t)st.st_size - HEADER_LEN)
        goto out;
    buf_len = (size_t)length;
    buf = OPENSSL_malloc(buf_len + 1);
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "cache: out of memory");
    if (!read_all(fd, buf, buf_len))
        goto out;
    GUARD(sha256_2(digest, header, PREFIX_LEN, buf, buf_len, err));
    if (CRYPTO_memcmp(digest, header + PREFIX_LEN, 32) != 0)
        goto out;
    buf[buf_len] = '\0'; /* convenient for text */
    *data = buf;
    *len = buf_len;
    *expires = (int64_t)get_be64(header + MAGIC_LEN + 32);
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    OPENSSL_free(buf);
    return status;
}

confai_status disk_cache_put(const char *dir, const char *key, const uint8_t *data, size_t len,
                             int64_t expires, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char path[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 16];
    uint8_t key_hash[32], header[HEADER_LEN];
    int fd = -1, exists = 0;

    ENSURE_ARG(dir != NULL && dir[0] != '\0', "dir");
    ENSURE_ARG(key != NULL && key[0] != '\0', "key");
    ENSURE_ARG(data != NULL || len == 0, "data");
    ENSURE(len <= DISK_CACHE_MAX_ENTRY, CONFAI_E_LIMIT, "cache: entry of %zu bytes is too large",
           len);
    GUARD(check_dir(&exists, dir, err));
    if (!exists) {
        GUARD(make_dir(dir, err));
        GUARD(check_dir(&exists, dir, err));
    }
    GUARD(entry_path(path, key_hash, dir, key, err));

    memcpy(header, MAGIC, MAGIC_LEN);
    memcpy(header + MAGIC_LEN, key_hash, 32);
    put_be64(header + MAGIC_LEN + 32, (uint64_t)expires);
    put_be64(header + MAGIC_LEN + 32 + 8, (uint64_t)len);
    GUARD(sha256_2(header + PREFIX_LEN, header, PREFIX_LEN, data, len, err));

    /* a temporary file beside the entry (same file system), then rename */
    snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    ENSURE(fd >= 0, CONFAI_E_INTERNAL,
           "cache: cannot create a file in %s (%s): make it writable by this user", dir,
           strerror(errno));
    int ok = fchmod(fd, 0600) == 0 && write_all(fd, header, HEADER_LEN) &&
             write_all(fd, data, len) && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    fd = -1;
    if (ok && rename(tmp, path) != 0) {
        saved = errno;
        ok = 0;
    }
    if (!ok) {
        unlink(tmp);
        BAIL(CONFAI_E_INTERNAL, "cache: cannot write %s (%s): is the disk full?", path,
             strerror(saved));
    }
    GUARD(disk_cache_prune(dir, DISK_CACHE_MAX_ENTRIES, DISK_CACHE_MAX_BYTES, key, err));
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    return status;
}

/* --- Bounds ----------------------------------------------------------------- */

typedef struct cache_file {
    char name[65];
    time_t mtime;
    uint64_t size;
} cache_file;

static int is_entry_name(const char *name)
{
    size_t i = 0;
    for (; name[i] != '\0'; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return i == 64;
}

/* Oldest first; names break ties so the order is the same on every run. */
static int older_first(const void *a, const void *b)
{
    const cache_file *x = a, *y = b;
    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

confai_status disk_cache_prune(const char *dir, size_t max_entries, uint64_t max_bytes,
                               const char *keep_key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char keep[PATH_MAX_LEN], path[PATH_MAX_LEN];
    uint8_t key_hash[32];
    const char *keep_name = NULL;
    cache_file *files = NULL;
    size_t count = 0, cap = 0;
    uint64_t total = 0;
    int exists = 0;
    DIR *d = NULL;
    struct dirent *de;
    time_t now = time(NULL);

    ENSURE_ARG(dir != NULL && dir[0] != '\0', "dir");
    GUARD(check_dir(&exists, dir, err));
    if (!exists)
        goto out;
    if (keep_key != NULL) {
        GUARD(entry_path(keep, key_hash, dir, keep_key, err));
        keep_name = keep + strlen(dir) + 1;
    }
    d = opendir(dir);
    ENSURE(d != NULL, CONFAI_E_INTERNAL, "cache: cannot list %s (%s)", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (n <= 0 || n >= (int)sizeof(path) || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (strstr(de->d_name, ".tmp.") != NULL) {
            /* a writer that died between mkstemp and rename */
            if (st.st_mtime < now - 3600)
                unlink(path);
            continue;
        }
        if (!is_entry_name(de->d_name))
            continue; /* not ours: never touched */
        total += (uint64_t)st.st_size;
        if (keep_name != NULL && strcmp(de->d_name, keep_name) == 0)
            continue;
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 64;
            cache_file *grown = realloc(files, new_cap * sizeof(*files));
            ENSURE(grown != NULL, CONFAI_E_NO_MEMORY, "cache: out of memory");
            files = grown;
            cap = new_cap;
        }
        memcpy(files[count].name, de->d_name, 65);
        files[count].mtime = st.st_mtime;
        files[count].size = (uint64_t)st.st_size;
        count++;
    }
    if (files != NULL)
        qsort(files, count, sizeof(*files), older_first);
    size_t entries = count + (keep_name != NULL ? 1 : 0), next = 0;
    while (next < count && (entries > max_entries || total > max_bytes)) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[next].name);
        if (unlink(path) == 0 || errno == ENOENT) {
            entries--;
            total -= files[next].size;
        }
        next++;
    }
out:
    if (d != NULL)
        closedir(d);
    free(files);
    return status;
}

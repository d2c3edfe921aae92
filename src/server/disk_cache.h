/*
 * A small on-disk cache for endorsements (kds.c, pcs.c): one file per key,
 * named by the hex SHA-256 of the key, in a directory only its owner can
 * use (0700, created with its parents if missing; files 0600).
 *
 * A file is written to a temporary file and renamed over the old one, so a
 * reader sees the old entry or the new one, never half of one. Each file
 * starts with a header (magic, SHA-256 of the key, expiry, length, SHA-256
 * over header and data): a torn, truncated, renamed or edited file reads as
 * a miss, never as other bytes. The header is a checksum, not a signature:
 * the cache holds public documents whose signatures the verifier checks.
 *
 * No state besides the files; concurrent writers of one key leave one
 * writer's complete entry.
 */
#ifndef CONFAI_SERVER_DISK_CACHE_H
#define CONFAI_SERVER_DISK_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define DISK_CACHE_MAX_ENTRY ((size_t)16 << 20) /* 16 MiB per entry */

/*
 * The whole cache's bounds. A host needs a handful of entries (its chips'
 * VCEKs at their TCBs, one set of TDX collateral); the bounds only stop a
 * cache that lives for years of TCB updates, or a confused caller, from
 * filling the disk. Every entry can be fetched again, so eviction is safe.
 */
#define DISK_CACHE_MAX_ENTRIES 1024
#define DISK_CACHE_MAX_BYTES ((uint64_t)64 << 20) /* 64 MiB of files */

/*
 * Reads the entry for key from dir. A hit: CONFAI_OK, *data (OPENSSL_free),
 * *len and *expires (seconds since the epoch, as stored; whether that is
 * past is the caller's decision). A miss (no file, or a file that does not
 * check out): CONFAI_OK with *data NULL, *len 0 and *expires 0.
 * Errors: CONFAI_E_ARGUMENT (NULL or empty argument; dir exists but is not a
 * directory, or is writable by group or others), CONFAI_E_INTERNAL (the
 * file exists but cannot be read), CONFAI_E_NO_MEMORY.
 */
confai_status disk_cache_get(uint8_t **data, size_t *len, int64_t *expires, const char *dir,
                             const char *key, confai_error *err);

/*
 * Stores (data, len) under key with an expiry, replacing any entry.
 * Errors: CONFAI_E_ARGUMENT (as for get), CONFAI_E_LIMIT (over
 * DISK_CACHE_MAX_ENTRY), CONFAI_E_INTERNAL (the directory or the file cannot
 * be written), CONFAI_E_NO_MEMORY.
 */
confai_status disk_cache_put(const char *dir, const char *key, const uint8_t *data, size_t len,
                             int64_t expires, confai_error *err);

/*
 * Removes the least recently written entries of dir (files named as entries
 * are: 64 hex digits) until at most max_entries remain and their files take
 * at most max_bytes, never removing the entry of keep_key (NULL: none), and
 * removes temporary files that writers left behind more than an hour ago.
 * disk_cache_put calls it with the bounds above after each write; exposed
 * for tests. Errors: CONFAI_E_ARGUMENT (as for get), CONFAI_E_INTERNAL (the
 * directory cannot be listed), CONFAI_E_NO_MEMORY.
 */
confai_status disk_cache_prune(const char *dir, size_t max_entries, uint64_t max_bytes,
                               const char *keep_key, confai_error *err);

#endif /* CONFAI_SERVER_DISK_CACHE_H */

/*
 * src/server/disk_cache.c: misses, a round trip, replacement, the file's
 * name and modes, directories created with their parents, and every way a
 * file can be damaged (torn, truncated, edited data or header, renamed to
 * another key, a link) reads as a miss, never as other bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/hex.h"
#include "fake_kds_pcs.h"
#include "server/disk_cache.h"

#define HEADER_LEN 88

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    free(dir);
    return 0;
}

static void entry_path(char *out, size_t cap, const char *d, const char *key)
{
    uint8_t h[32];
    char hex[65];
    SHA256((const uint8_t *)key, strlen(key), h);
    hex_encode(hex, h, 32);
    snprintf(out, cap, "%s/%s", d, hex);
}

static void expect_miss(const char *d, const char *key)
{
    uint8_t *data = (uint8_t *)1;
    size_t len = 1;
    int64_t expires = 1;
    confai_error err = { 0 };
    assert_int_equal(disk_cache_get(&data, &len, &expires, d, key, &err), CONFAI_OK);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_int_equal(expires, 0);
}

static void expect_hit(const char *d, const char *key, const char *want, int64_t want_expires)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int64_t expires = 0;
    confai_error err = { 0 };
    assert_int_equal(disk_cache_get(&data, &len, &expires, d, key, &err), CONFAI_OK);
    assert_non_null(data);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);
    assert_int_equal(expires, want_expires);
    OPENSSL_free(data);
}

static void put(const char *key, const char *data, int64_t expires)
{
    confai_error err = { 0 };
    assert_int_equal(disk_cache_put(dir, key, (const uint8_t *)data, strlen(data), expires,
                                    &err),
                     CONFAI_OK);
}

static void test_round_trip(void **state)
{
    (void)state;
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/missing", dir);
    expect_miss(sub, "k"); /* no directory: a miss, nothing created */
    assert_int_equal(access(sub, F_OK), -1);
    expect_miss(dir, "k");
    put("k", "hello", INT64_C(1700000000));
    expect_hit(dir, "k", "hello", INT64_C(1700000000));
    expect_miss(dir, "other");
    put("k", "replaced", -5); /* an expiry in the past is stored as is */
    expect_hit(dir, "k", "replaced", -5);
    put("empty", "", 7);
    expect_hit(dir, "empty", "", 7);
    assert_int_equal(count_files(dir), 2); /* no temporary files left */
}

static void test_names_and_modes(void **state)
{
    (void)state;
    char sub[600], path[700];
    struct stat st;
    snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
    confai_error err = { 0 };
    assert_int_equal(disk_cache_put(sub, "kds/vcek/Milan", (const uint8_t *)"x", 1, 9, &err),
                     CONFAI_OK);
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    entry_path(path, sizeof(path), sub, "kds/vcek/Milan");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, HEADER_LEN + 1);
    expect_hit(sub, "kds/vcek/Milan", "x", 9);
}

static void test_unsafe_dir(void **state)
{
    (void)state;
    confai_error err = { 0 };
    uint8_t *data = NULL;
    size_t len = 0;
    int64_t expires = 0;
    put("k", "v", 1);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(disk_cache_get(&data, &len, &expires, dir, "k", &err), CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "chmod 700"));
    assert_int_equal(disk_cache_put(dir, "k", (const uint8_t *)"v", 1, 1, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(chmod(dir, 0700), 0);
    /* a file where the directory should be */
    char file[600];
    entry_path(file, sizeof(file), dir, "k");
    assert_int_equal(disk_cache_put(file, "k", (const uint8_t *)"v", 1, 1, &err),
                     CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "not a directory"));
    /* arguments */
    assert_int_equal(disk_cache_get(&data, &len, &expires, dir, "", &err), CONFAI_E_ARGUMENT);
    assert_int_equal(disk_cache_get(&data, &len, &expires, NULL, "k", &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(disk_cache_put(dir, "k", NULL, 1, 1, &err), CONFAI_E_ARGUMENT);
}

/* Rewrites the entry of key with f applied to its bytes. */
static void edit(const char *key, void (*f)(uint8_t *buf, size_t *len))
{
    char path[700];
    uint8_t buf[4096];
    entry_path(path, sizeof(path), dir, key);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    size_t len = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    f(buf, &len);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, len, out), len);
    fclose(out);
}

static void flip_data(uint8_t *b, size_t *len) { b[*len - 1] ^= 1; }
static void flip_magic(uint8_t *b, size_t *len) { (void)len; b[0] ^= 1; }
static void flip_key(uint8_t *b, size_t *len) { (void)len; b[8] ^= 1; }
static void flip_expiry(uint8_t *b, size_t *len) { (void)len; b[47] ^= 1; }
static void flip_digest(uint8_t *b, size_t *len) { (void)len; b[60] ^= 1; }
static void truncate_data(uint8_t *b, size_t *len) { (void)b; *len -= 1; }
static void truncate_header(uint8_t *b, size_t *len) { (void)b; *len = 40; }
static void append_byte(uint8_t *b, size_t *len) { b[(*len)++] = 0; }
static void empty(uint8_t *b, size_t *len) { (void)b; *len = 0; }
static void length_and_data(uint8_t *b, size_t *len)
{
    b[55] += 1; /* claims one more byte, and one more is there */
    b[(*len)++] = 'x';
}

static void test_damaged_is_a_miss(void **state)
{
    (void)state;
    void (*edits[])(uint8_t *, size_t *) = { flip_data,     flip_magic,      flip_key,
                                             flip_expiry,   flip_digest,     truncate_data,
                                             truncate_header, append_byte,   empty,
                                             length_and_data };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        put("k", "the cached document", 1234);
        edit("k", edits[i]);
        expect_miss(dir, "k");
        put("k", "the cached document", 1234); /* a put repairs it */
        expect_hit(dir, "k", "the cached document", 1234);
    }
}

static void test_renamed_is_a_miss(void **state)
{
    (void)state;
    char a[700], b[700];
    put("key-a", "for a", 1);
    entry_path(a, sizeof(a), dir, "key-a");
    entry_path(b, sizeof(b), dir, "key-b");
    assert_int_equal(rename(a, b), 0);
    expect_miss(dir, "key-b"); /* the header names key-a */
    expect_miss(dir, "key-a");
}

static void test_link_is_a_miss(void **state)
{
    (void)state;
    char a[700], b[700];
    put("key-a", "for a", 1);
    entry_path(a, sizeof(a), dir, "key-a");
    entry_path(b, sizeof(b), dir, "key-b");
    assert_int_equal(symlink(a, b), 0);
    expect_miss(dir, "key-b");
    /* a directory in place of an entry */
    entry_path(b, sizeof(b), dir, "key-c");
    assert_int_equal(mkdir(b, 0700), 0);
    expect_miss(dir, "key-c");
}

/* Backdates a file's modification time by age seconds. */
static void backdate(const char *path, time_t age)
{
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void put_aged(const char *key, const char *data, time_t age)
{
    char path[700];
    put(key, data, 1);
    entry_path(path, sizeof(path), dir, key);
    backdate(path, age);
}

static void write_file(const char *name, time_t age)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
    backdate(path, age);
}

static void test_prune_oldest_first(void **state)
{
    (void)state;
    confai_error err = { 0 };
    put_aged("a", "aaaa", 500);
    put_aged("b", "bbbb", 400);
    put_aged("c", "cccc", 300);
    put_aged("d", "dddd", 200);
    write_file("README", 1000);                  /* not an entry: left alone */
    write_file("0123.tmp.abcdef", 7200);         /* a dead writer's file: removed */
    write_file("4567.tmp.abcdef", 10);           /* a writer at work: left */
    assert_int_equal(disk_cache_prune(dir, 2, UINT64_MAX, "a", &err), CONFAI_OK);
    expect_hit(dir, "a", "aaaa", 1); /* the oldest, but kept */
    expect_miss(dir, "b");
    expect_miss(dir, "c");
    expect_hit(dir, "d", "dddd", 1);
    assert_int_equal(count_files(dir), 4); /* a, d, README, the fresh temporary file */

    /* the byte bound: every entry file is HEADER_LEN + 4 bytes */
    put_aged("e", "eeee", 100);
    assert_int_equal(disk_cache_prune(dir, 100, 2 * (HEADER_LEN + 4), NULL, &err), CONFAI_OK);
    expect_miss(dir, "a");
    expect_hit(dir, "d", "dddd", 1);
    expect_hit(dir, "e", "eeee", 1);

    /* a directory that does not exist has nothing to prune */
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/missing", dir);
    assert_int_equal(disk_cache_prune(sub, 1, 1, NULL, &err), CONFAI_OK);
    assert_int_equal(disk_cache_prune(NULL, 1, 1, NULL, &err), CONFAI_E_ARGUMENT);
}

/* disk_cache_put keeps the cache within DISK_CACHE_MAX_ENTRIES by itself. */
static void test_put_bounds_the_cache(void **state)
{
    (void)state;
    char key[32], path[700];
    put_aged("oldest", "x", 2000);
    /* the rest of a full cache: files named as entries are, written directly */
    for (int i = 1; i < DISK_CACHE_MAX_ENTRIES; i++) {
        snprintf(key, sizeof(key), "old-%d", i);
        entry_path(path, sizeof(path), dir, key);
        write_file(path + strlen(dir) + 1, 1000);
    }
    put("new", "y", 1);
    assert_int_equal(count_files(dir), DISK_CACHE_MAX_ENTRIES);
    expect_hit(dir, "new", "y", 1);
    expect_miss(dir, "oldest");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_round_trip),
        T(test_names_and_modes),
        T(test_unsafe_dir),
        T(test_damaged_is_a_miss),
        T(test_renamed_is_a_miss),
        T(test_link_is_a_miss),
        T(test_prune_oldest_first),
        T(test_put_bounds_the_cache),
    };
    return cmocka_run_group_tests_name("server_disk_cache", tests, NULL, NULL);
}

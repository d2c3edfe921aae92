/* Helpers shared by the C test suites: vectors folder, files, hex. */
#ifndef CONFAI_TESTS_TEST_UTIL_H
#define CONFAI_TESTS_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The shared vectors folder: $CONFAI_VECTORS, else ../shared/vectors next to
 * the project root. NULL when it does not exist: the caller then skips with
 * test_skip_without_vectors().
 */
const char *test_vectors_dir(void);

/*
 * For a test that needs the vectors: returns the folder, or prints why the
 * test is skipped and returns NULL. When CONFAI_REQUIRE_VECTORS is set (the
 * project's test command sets it whenever the folder exists), a missing
 * folder is a failure instead, so nothing is skipped silently.
 */
const char *test_vectors_or_skip(const char *what);

/* Reads a whole file (path joined from dir and name); NULL if unreadable. */
uint8_t *test_read_file(const char *dir, const char *name, size_t *len);

/* Decodes hex (even length, no separators) into fresh memory; NULL on error. */
uint8_t *test_hex_decode(const char *hex, size_t *len);

#endif /* CONFAI_TESTS_TEST_UTIL_H */

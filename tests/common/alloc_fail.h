/*
 * Failing allocations on purpose: every allocation the library and OpenSSL
 * make goes through OpenSSL's allocator, so counting them there and failing
 * the n-th one walks every out-of-memory path of an operation.
 */
#ifndef CONFAI_TESTS_ALLOC_FAIL_H
#define CONFAI_TESTS_ALLOC_FAIL_H

/* Allocations counted since the caller last set it to 0. */
extern long alloc_fail_count;

/* The allocation (by count) that fails; -1: none fails. */
extern long alloc_fail_at;

/* Installs the counting allocator; must run before OpenSSL allocates. */
int alloc_fail_install(void);

#endif /* CONFAI_TESTS_ALLOC_FAIL_H */

/*
 * An attacker in the middle for the end-to-end tests: an HTTP proxy on
 * loopback (libmicrohttpd) that forwards every request to the gateway
 * (libcurl) and alters the answer the way the current mode says.
 */
#ifndef CONFAI_TESTS_MITM_H
#define CONFAI_TESTS_MITM_H

typedef enum mitm_mode {
    MITM_PASS = 0,         /* forward unchanged (and remember the first bundle) */
    MITM_SWAP_KEY_CONFIG,  /* bundle: replace the key config by another key */
    MITM_REPLAY_BUNDLE,    /* bundle: answer with the first bundle seen */
    MITM_TRUNCATE,         /* stream: cut the final chunk */
    MITM_DROP_CHUNK,       /* stream: leave out the second chunk */
    MITM_DUPLICATE_CHUNK,  /* stream: send the second chunk twice */
    MITM_REORDER_CHUNKS,   /* stream: swap the second and third chunks */
    MITM_FLIP_BYTE,        /* sealed answer: flip a ciphertext byte */
    MITM_PLAINTEXT,        /* sealed answer: replaced by a plaintext 200 */
    MITM_TRUNCATE_LATE,    /* stream: all but the final chunk, then a pause, then the end */
} mitm_mode;

typedef struct mitm mitm;

/* Starts a proxy in front of upstream ("http://127.0.0.1:port"); NULL on error. */
mitm *mitm_start(const char *upstream);
void mitm_stop(mitm *m);

const char *mitm_url(const mitm *m);
void mitm_set_mode(mitm *m, mitm_mode mode);

/* Attestation requests seen, and sealed answers that were altered. */
int mitm_attestations(const mitm *m);
int mitm_tampered(const mitm *m);

#endif

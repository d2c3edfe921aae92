/*
 * HPKE interop, both ways, between libconfai and Go's crypto/hpke.
 *
 * Known-answer vectors prove that libconfai computes what the RFC authors
 * computed; this test proves that it talks to an implementation written by
 * other people today (Go's standard library, no OpenSSL inside), with fresh
 * random keys on both sides. The Go peer (hpke-go/main.go) runs as a child
 * process and answers one request line per call; its path comes as argv[1]
 * (meson passes the built target) or $CONFAI_HPKE_GO.
 *
 * Per suite that both implement, in base mode (crypto/hpke has no psk or
 * auth API):
 *   Go -> libconfai  Go seals several messages (empty up to 16 KiB) to a
 *                    libconfai key; libconfai opens them in order, rejects a
 *                    flipped byte with CONFAI_E_DECRYPT without moving on, and
 *                    opens Go's single-shot hpke.Seal with open_once.
 *   libconfai -> Go  the same with the roles swapped, including
 *                    confai_hpke_seal_once; Go must reject flipped bytes.
 *   both             exported secrets agree; each side's serialized private
 *                    key gives the other the same public key; DeriveKeyPair
 *                    gives both the same key pair.
 *
 * Only the public API is used (the shared library), as an application would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <confai/confai.h>

#include "test_util.h"

#define SKIP_EXIT_CODE 77 /* meson's "skipped" */

/* ------------------------------------------------------------------------ */
/* The suites: every id of confai.h that Go's crypto/hpke also has.          */
/* (X448 is not in Go; Go's SHAKE KDFs and ML-KEM are not in RFC 9180.)      */
/* ------------------------------------------------------------------------ */

typedef struct named_id {
    uint16_t id;
    const char *name;
} named_id;

static const named_id kems[] = {
    {CONFAI_HPKE_KEM_X25519_SHA256, "X25519"},
    {CONFAI_HPKE_KEM_P256_SHA256, "P-256"},
    {CONFAI_HPKE_KEM_P384_SHA384, "P-384"},
    {CONFAI_HPKE_KEM_P521_SHA512, "P-521"},
};
static const named_id kdfs[] = {
    {CONFAI_HPKE_KDF_HKDF_SHA256, "HKDF-SHA256"},
    {CONFAI_HPKE_KDF_HKDF_SHA384, "HKDF-SHA384"},
    {CONFAI_HPKE_KDF_HKDF_SHA512, "HKDF-SHA512"},
};
static const named_id aeads[] = {
    {CONFAI_HPKE_AEAD_AES_128_GCM, "AES-128-GCM"},
    {CONFAI_HPKE_AEAD_AES_256_GCM, "AES-256-GCM"},
    {CONFAI_HPKE_AEAD_CHACHA20_POLY1305, "ChaCha20-Poly1305"},
    {CONFAI_HPKE_AEAD_EXPORT_ONLY, "export-only"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define N_SUITES (COUNT(kems) * COUNT(kdfs) * COUNT(aeads))

typedef struct suite_case {
    confai_hpke_suite suite;
    size_t hash_size; /* Nh of the KDF, for the largest allowed export */
    char name[64];
} suite_case;

static suite_case cases[N_SUITES];

/* Plaintext lengths of one multi-message exchange: empty (tag only), around
 * one AES block, and 16 KiB. */
static const size_t msg_lens[] = {0, 1, 15, 16, 17, 1000, 16384};
#define N_MSGS COUNT(msg_lens)
#define BIG_MSG (N_MSGS - 1)
/* Messages whose ciphertext also goes across with one bit flipped: the
 * tag-only one, and the big one in the middle of its body. */
static const size_t flip_msgs[] = {0, BIG_MSG};
/* Per AEAD suite and direction: the context messages plus two single-shot. */
#define MSGS_PER_SUITE (N_MSGS + 2)

/* Counted only after both sides agreed, for the summary line. */
static size_t msgs_go_to_confai, msgs_confai_to_go;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* Deterministic bytes, different per message, so a mix-up of two messages
 * cannot go unnoticed. */
static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static size_t aad_for(size_t i, uint8_t *aad, size_t cap)
{
    if (i % 2 == 0)
        return 0; /* every other message has no aad at all */
    int n = snprintf((char *)aad, cap, "aad of message %zu", i);
    return (size_t)n;
}

static uint8_t *xmalloc(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    return p;
}

/* A growable request line. */
typedef struct line_buf {
    char *s;
    size_t len, cap;
} line_buf;

static void lb_reserve(line_buf *lb, size_t more)
{
    if (lb->len + more + 1 <= lb->cap)
        return;
    size_t cap = lb->cap ? lb->cap : 256;
    while (cap < lb->len + more + 1)
        cap *= 2;
    char *grown = realloc(lb->s, cap);
    assert_non_null(grown);
    lb->s = grown;
    lb->cap = cap;
}

/* Appends one field, preceded by a space unless it is the first. */
static void lb_field(line_buf *lb, const char *field)
{
    size_t n = strlen(field);
    lb_reserve(lb, n + 1);
    if (lb->len > 0)
        lb->s[lb->len++] = ' ';
    memcpy(lb->s + lb->len, field, n + 1);
    lb->len += n;
}

static void lb_fieldf(line_buf *lb, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    lb_field(lb, tmp);
}

/* Bytes as one hex field; "-" for none, since the protocol splits on spaces. */
static void lb_hex(line_buf *lb, const uint8_t *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len == 0) {
        lb_field(lb, "-");
        return;
    }
    lb_reserve(lb, 2 * len + 1);
    if (lb->len > 0)
        lb->s[lb->len++] = ' ';
    for (size_t i = 0; i < len; i++) {
        lb->s[lb->len++] = digits[b[i] >> 4];
        lb->s[lb->len++] = digits[b[i] & 15];
    }
    lb->s[lb->len] = '\0';
}

static void lb_suite(line_buf *lb, const confai_hpke_suite *s)
{
    lb_fieldf(lb, "%04x", s->kem_id);
    lb_fieldf(lb, "%04x", s->kdf_id);
    lb_fieldf(lb, "%04x", s->aead_id);
}

static void lb_free(line_buf *lb)
{
    free(lb->s);
    memset(lb, 0, sizeof(*lb));
}

/* A response split into fields (pointing into the peer's line buffer, so
 * valid until the next call). */
typedef struct fields {
    char **f;
    size_t n;
} fields;

static void fields_free(fields *fs)
{
    free(fs->f);
    memset(fs, 0, sizeof(*fs));
}

/* Decodes a hex field ("-" is empty); the caller frees. */
static uint8_t *field_bytes(const char *field, size_t *len)
{
    if (strcmp(field, "-") == 0) {
        *len = 0;
        return xmalloc(0);
    }
    uint8_t *b = test_hex_decode(field, len);
    if (b == NULL)
        fail_msg("peer sent a field that is not hex: %.40s", field);
    return b;
}

/* Up to 16 bytes as hex, with ".." when there are more. */
static void hex_window(char *out, size_t cap, const uint8_t *b, size_t len)
{
    size_t i = 0;
    out[0] = '\0';
    for (; i < len && i < 16 && 2 * i + 3 <= cap; i++)
        snprintf(out + 2 * i, cap - 2 * i, "%02x", b[i]);
    if (i < len && 2 * i + 3 <= cap)
        strcat(out, "..");
}

/* Compares two byte strings and, on mismatch, says what, where, and from
 * which offset they differ. */
static void expect_same(const char *where, const char *what,
                        const uint8_t *want, size_t want_len,
                        const uint8_t *got, size_t got_len)
{
    if (want_len == got_len && memcmp(want, got, want_len) == 0)
        return;
    size_t at = 0;
    while (at < want_len && at < got_len && want[at] == got[at])
        at++;
    char a[40], b[40];
    hex_window(a, sizeof(a), want + at, want_len - at);
    hex_window(b, sizeof(b), got + at, got_len - at);
    fail_msg("%s: %s differ from byte %zu on: expected %zu bytes (..%s), got "
             "%zu bytes (..%s)", where, what, at, want_len, a, got_len, b);
}

static void expect_status(const char *where, const char *what,
                          confai_status want, confai_status got,
                          const confai_error *err)
{
    if (want == got)
        return;
    fail_msg("%s: %s returned %s (%s), expected %s", where, what,
             confai_status_name(got), got != CONFAI_OK ? err->message : "",
             confai_status_name(want));
}

#define EXPECT_OK(where, call, err) \
    expect_status((where), #call, CONFAI_OK, (call), (err))

/* ------------------------------------------------------------------------ */
/* The Go peer process                                                      */
/* ------------------------------------------------------------------------ */

typedef struct peer {
    pid_t pid;
    FILE *to;   /* its stdin */
    FILE *from; /* its stdout */
    char *line;
    size_t line_cap;
} peer;

static peer go;
static const char *go_path;

static int peer_start(const char *path)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(path, path, (char *)NULL);
        fprintf(stderr, "cannot run the Go peer %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    go.pid = pid;
    go.to = fdopen(in[1], "w");
    go.from = fdopen(out[0], "r");
    return go.to != NULL && go.from != NULL ? 0 : -1;
}

static void peer_stop(void)
{
    if (go.to != NULL)
        fclose(go.to); /* EOF makes the peer exit */
    if (go.from != NULL)
        fclose(go.from);
    if (go.pid > 0)
        waitpid(go.pid, NULL, 0);
    free(go.line);
    memset(&go, 0, sizeof(go));
}

/*
 * Sends one request line and splits the answer into fields. The first field
 * is "ok", "fail" or "err"; "err" (the peer could not do what we asked) is
 * never expected, so it fails the test here with the peer's reason.
 */
static fields peer_call(const char *where, const char *request)
{
    if (fputs(request, go.to) == EOF || fputc('\n', go.to) == EOF ||
        fflush(go.to) == EOF)
        fail_msg("%s: cannot write to the Go peer (did it exit?)", where);
    ssize_t n = getline(&go.line, &go.line_cap, go.from);
    if (n <= 0)
        fail_msg("%s: the Go peer closed its output", where);
    if (go.line[n - 1] == '\n')
        go.line[--n] = '\0';

    fields fs = {0};
    size_t max = 1;
    for (char *p = go.line; *p; p++)
        max += *p == ' ';
    fs.f = calloc(max, sizeof(char *));
    assert_non_null(fs.f);
    char *save = NULL;
    for (char *tok = strtok_r(go.line, " ", &save); tok != NULL;
         tok = strtok_r(NULL, " ", &save))
        fs.f[fs.n++] = tok;
    if (fs.n == 0)
        fail_msg("%s: empty answer from the Go peer", where);
    if (strcmp(fs.f[0], "err") == 0) {
        /* The reason is the rest of the line; put the spaces back. */
        for (size_t i = 1; i + 1 < fs.n; i++)
            fs.f[i][strlen(fs.f[i])] = ' ';
        fail_msg("%s: the Go peer failed: %s", where,
                 fs.n > 1 ? fs.f[1] : "(no reason)");
    }
    return fs;
}

static void expect_fields(const char *where, const fields *fs, size_t n)
{
    if (strcmp(fs->f[0], "ok") != 0 || fs->n != n)
        fail_msg("%s: expected \"ok\" and %zu fields from the Go peer, got "
                 "\"%s\" and %zu", where, n - 1, fs->f[0], fs->n - 1);
}

/* ------------------------------------------------------------------------ */
/* Per-suite material                                                       */
/* ------------------------------------------------------------------------ */

typedef struct messages {
    uint8_t *pt[N_MSGS];
    uint8_t aad[N_MSGS][32];
    size_t aad_len[N_MSGS];
} messages;

static void messages_make(messages *m, size_t suite_index, uint32_t direction)
{
    for (size_t i = 0; i < N_MSGS; i++) {
        m->pt[i] = xmalloc(msg_lens[i]);
        fill_pattern(m->pt[i], msg_lens[i],
                     (uint32_t)(suite_index * 100 + i) ^ direction);
        m->aad_len[i] = aad_for(i, m->aad[i], sizeof(m->aad[i]));
    }
}

static void messages_free(messages *m)
{
    for (size_t i = 0; i < N_MSGS; i++)
        free(m->pt[i]);
}

/* Exports asked of both sides: a usual one, one with a context, and the
 * largest length RFC 9180 allows (255 * Nh), the edge implementations get
 * wrong most easily. */
typedef struct export_req {
    const char *context;
    size_t len; /* 0: 255 * Nh */
} export_req;

static const export_req exports[] = {
    {"", 32},
    {"confai interop exporter context", 64},
    {"x", 0},
};
#define N_EXPORTS COUNT(exports)

static size_t export_len(const suite_case *sc, size_t i)
{
    return exports[i].len ? exports[i].len : 255 * sc->hash_size;
}

static void lb_exports(line_buf *lb, const suite_case *sc)
{
    lb_fieldf(lb, "%zu", N_EXPORTS);
    for (size_t i = 0; i < N_EXPORTS; i++) {
        lb_hex(lb, (const uint8_t *)exports[i].context, strlen(exports[i].context));
        lb_fieldf(lb, "%zu", export_len(sc, i));
    }
}

/* Checks Go's exported secrets (fields first..) against libconfai's. */
static void check_exports(const char *where, const suite_case *sc,
                          confai_hpke_ctx *ctx, const fields *fs, size_t first)
{
    for (size_t i = 0; i < N_EXPORTS; i++) {
        size_t len = export_len(sc, i), go_len;
        uint8_t *mine = xmalloc(len);
        confai_error err;
        EXPECT_OK(where,
                  confai_hpke_export(ctx, mine, len,
                                     (const uint8_t *)exports[i].context,
                                     strlen(exports[i].context), &err),
                  &err);
        uint8_t *theirs = field_bytes(fs->f[first + i], &go_len);
        char what[64];
        snprintf(what, sizeof(what), "exported secrets #%zu (%zu bytes)", i, len);
        expect_same(where, what, theirs, go_len, mine, len);
        free(mine);
        free(theirs);
    }
}

static const uint8_t *info_for(const suite_case *sc, size_t *len)
{
    *len = strlen(sc->name);
    return (const uint8_t *)sc->name; /* binds the info to the suite too */
}

/* ------------------------------------------------------------------------ */
/* Keys: serialization and DeriveKeyPair agree                              */
/* ------------------------------------------------------------------------ */

/* decodeScalar25519 of RFC 7748 section 5, in place. */
static void x25519_clamp(uint8_t k[32])
{
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
}

static void check_keys(const named_id *kem_case)
{
    char where[128];
    snprintf(where, sizeof(where), "%s, DeriveKeyPair", kem_case->name);
    uint16_t kem = kem_case->id;
    confai_error err;
    line_buf lb = {0};

    /* DeriveKeyPair from the same ikm: the same private and public key.
     * 66 bytes: at least Nsk for every KEM, and libconfai's upper limit
     * (OpenSSL's OSSL_HPKE takes no more). */
    uint8_t ikm[66];
    fill_pattern(ikm, sizeof(ikm), kem);
    confai_hpke_key *derived = NULL;
    EXPECT_OK(where, confai_hpke_key_derive(&derived, kem, ikm, sizeof(ikm), &err), &err);
    uint8_t sk[CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE], pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t sk_len = sizeof(sk), pk_len = sizeof(pk);
    EXPECT_OK(where, confai_hpke_key_private(derived, sk, &sk_len, &err), &err);
    EXPECT_OK(where, confai_hpke_key_public(derived, pk, &pk_len, &err), &err);
    confai_hpke_key_free(derived);

    lb_field(&lb, "derive");
    lb_fieldf(&lb, "%04x", kem);
    lb_hex(&lb, ikm, sizeof(ikm));
    fields fs = peer_call(where, lb.s);
    expect_fields(where, &fs, 3);
    size_t go_sk_len, go_pk_len;
    uint8_t *go_sk = field_bytes(fs.f[1], &go_sk_len);
    uint8_t *go_pk = field_bytes(fs.f[2], &go_pk_len);
    fields_free(&fs);
    if (kem == CONFAI_HPKE_KEM_X25519_SHA256 && sk_len == 32 && go_sk_len == 32) {
        /* RFC 9180 section 7.1.2 has SerializePrivateKey clamp X25519
         * keys; Go and OpenSSL's OSSL_HPKE do, the RFC's own test vectors
         * and the own backend do not. Either way it is the same key, so
         * compare the scalars the way X25519 uses them. */
        x25519_clamp(sk);
        x25519_clamp(go_sk);
    }
    expect_same(where, "DeriveKeyPair private keys", go_sk, go_sk_len, sk, sk_len);
    expect_same(where, "DeriveKeyPair public keys", go_pk, go_pk_len, pk, pk_len);
    free(go_sk);
    free(go_pk);
    lb_free(&lb);
}

/* ------------------------------------------------------------------------ */
/* Go seals, libconfai opens                                                */
/* ------------------------------------------------------------------------ */

/*
 * After an open of a tampered ciphertext: CONFAI_E_DECRYPT, and no
 * unauthenticated plaintext in the output buffer (filled with 0xA5 before).
 * The own backend decrypts before it can check the tag and then wipes what it
 * wrote, so zeros are accepted as well as untouched bytes.
 */
static void expect_rejected(const char *where, const char *what,
                            confai_status st, const uint8_t *out, size_t cap,
                            const confai_error *err)
{
    expect_status(where, what, CONFAI_E_DECRYPT, st, err);
    for (size_t i = 0; i < cap; i++)
        if (out[i] != 0xA5 && out[i] != 0)
            fail_msg("%s: %s left unauthenticated plaintext in the output "
                     "buffer (byte %zu is 0x%02x)", where, what, i, out[i]);
}

static void go_to_confai(const suite_case *sc, size_t suite_index)
{
    char where[128];
    snprintf(where, sizeof(where), "%s, Go -> libconfai", sc->name);
    const confai_hpke_suite *s = &sc->suite;
    const int export_only = s->aead_id == CONFAI_HPKE_AEAD_EXPORT_ONLY;
    const size_t n_msgs = export_only ? 0 : N_MSGS;
    confai_error err;
    line_buf lb = {0};

    size_t enc_size, tag_size;
    EXPECT_OK(where, confai_hpke_suite_sizes(s, &enc_size, NULL, NULL, &tag_size, &err), &err);

    /* The recipient key is libconfai's. */
    confai_hpke_key *key = NULL;
    EXPECT_OK(where, confai_hpke_key_generate(&key, s->kem_id, &err), &err);
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE], sk[CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE];
    size_t pk_len = sizeof(pk), sk_len = sizeof(sk);
    EXPECT_OK(where, confai_hpke_key_public(key, pk, &pk_len, &err), &err);
    EXPECT_OK(where, confai_hpke_key_private(key, sk, &sk_len, &err), &err);

    /* Go reads libconfai's private key and gets the same public key. */
    lb_field(&lb, "public");
    lb_fieldf(&lb, "%04x", s->kem_id);
    lb_hex(&lb, sk, sk_len);
    fields fs = peer_call(where, lb.s);
    expect_fields(where, &fs, 2);
    size_t go_pk_len;
    uint8_t *go_pk = field_bytes(fs.f[1], &go_pk_len);
    fields_free(&fs);
    expect_same(where, "public keys of libconfai's private key", pk, pk_len,
                go_pk, go_pk_len);
    free(go_pk);
    lb_free(&lb);

    /* Go seals the messages with one context and exports. */
    messages m;
    messages_make(&m, suite_index, 0x60000000u);
    size_t info_len;
    const uint8_t *info = info_for(sc, &info_len);
    lb_field(&lb, "seal");
    lb_suite(&lb, s);
    lb_hex(&lb, pk, pk_len);
    lb_hex(&lb, info, info_len);
    lb_exports(&lb, sc);
    lb_fieldf(&lb, "%zu", n_msgs);
    for (size_t i = 0; i < n_msgs; i++) {
        lb_hex(&lb, m.aad[i], m.aad_len[i]);
        lb_hex(&lb, m.pt[i], msg_lens[i]);
    }
    fs = peer_call(where, lb.s);
    lb_free(&lb);
    expect_fields(where, &fs, 2 + N_EXPORTS + n_msgs);

    /* libconfai opens them in the same order. */
    size_t enc_len;
    uint8_t *enc = field_bytes(fs.f[1], &enc_len);
    if (enc_len != enc_size)
        fail_msg("%s: Go's enc has %zu bytes, libconfai expects %zu", where,
                 enc_len, enc_size);
    confai_hpke_ctx *ctx = NULL;
    EXPECT_OK(where, confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, s, &err), &err);
    EXPECT_OK(where, confai_hpke_recipient_setup(ctx, key, enc, enc_len, info,
                                                 info_len, &err), &err);
    if (confai_hpke_ctx_mode(ctx) != CONFAI_HPKE_MODE_BASE)
        fail_msg("%s: context is not in base mode", where);
    check_exports(where, sc, ctx, &fs, 2);

    for (size_t i = 0; i < n_msgs; i++) {
        char what[96];
        size_t ct_len;
        uint8_t *ct = field_bytes(fs.f[2 + N_EXPORTS + i], &ct_len);
        if (ct_len != msg_lens[i] + tag_size)
            fail_msg("%s: Go's ciphertext #%zu has %zu bytes, expected %zu",
                     where, i, ct_len, msg_lens[i] + tag_size);
        uint8_t *pt = xmalloc(ct_len);
        size_t pt_len;

        for (size_t f = 0; f < COUNT(flip_msgs); f++) {
            if (flip_msgs[f] != i)
                continue;
            /* A bit flipped in transit must be caught, and must not use up
             * the sequence number: the genuine message still opens next. */
            size_t pos = ct_len / 2;
            ct[pos] ^= 0x01;
            memset(pt, 0xA5, ct_len);
            pt_len = ct_len;
            snprintf(what, sizeof(what),
                     "open of Go's message #%zu with byte %zu flipped", i, pos);
            expect_rejected(where, what,
                            confai_hpke_open(ctx, pt, &pt_len, m.aad[i], m.aad_len[i],
                                             ct, ct_len, &err),
                            pt, ct_len, &err);
            ct[pos] ^= 0x01;
        }

        pt_len = ct_len;
        snprintf(what, sizeof(what), "open of Go's message #%zu (%zu bytes)", i, msg_lens[i]);
        expect_status(where, what, CONFAI_OK,
                      confai_hpke_open(ctx, pt, &pt_len, m.aad[i], m.aad_len[i],
                                       ct, ct_len, &err), &err);
        expect_same(where, what, m.pt[i], msg_lens[i], pt, pt_len);
        msgs_go_to_confai++;
        free(pt);
        free(ct);
    }
    fields_free(&fs);
    confai_hpke_ctx_free(ctx);
    free(enc);

    if (!export_only) {
        /* Go's single-shot hpke.Seal (enc || ct, no aad) -> open_once. */
        const uint8_t *pt_in = m.pt[N_MSGS - 2];
        size_t pt_in_len = msg_lens[N_MSGS - 2];
        lb_field(&lb, "sealonce");
        lb_suite(&lb, s);
        lb_hex(&lb, pk, pk_len);
        lb_hex(&lb, info, info_len);
        lb_hex(&lb, pt_in, pt_in_len);
        fs = peer_call(where, lb.s);
        lb_free(&lb);
        expect_fields(where, &fs, 2);
        size_t blob_len;
        uint8_t *blob = field_bytes(fs.f[1], &blob_len);
        fields_free(&fs);
        if (blob_len != enc_size + pt_in_len + tag_size)
            fail_msg("%s: hpke.Seal gave %zu bytes, expected %zu", where,
                     blob_len, enc_size + pt_in_len + tag_size);
        uint8_t *pt = xmalloc(blob_len);
        size_t pt_len = blob_len;
        EXPECT_OK(where,
                  confai_hpke_open_once(s, pt, &pt_len, key, blob, enc_size, info,
                                        info_len, NULL, 0, blob + enc_size,
                                        blob_len - enc_size, &err), &err);
        expect_same(where, "open_once of hpke.Seal", pt_in, pt_in_len, pt, pt_len);
        msgs_go_to_confai++;
        free(pt);
        free(blob);

        /* A one-message Go context with aad -> open_once with aad. */
        lb_field(&lb, "seal");
        lb_suite(&lb, s);
        lb_hex(&lb, pk, pk_len);
        lb_hex(&lb, info, info_len);
        lb_field(&lb, "0");
        lb_field(&lb, "1");
        lb_hex(&lb, m.aad[1], m.aad_len[1]);
        lb_hex(&lb, m.pt[1], msg_lens[1]);
        fs = peer_call(where, lb.s);
        lb_free(&lb);
        expect_fields(where, &fs, 3);
        size_t ct_len;
        enc = field_bytes(fs.f[1], &enc_len);
        uint8_t *ct = field_bytes(fs.f[2], &ct_len);
        fields_free(&fs);
        pt = xmalloc(ct_len);
        pt_len = ct_len;
        EXPECT_OK(where,
                  confai_hpke_open_once(s, pt, &pt_len, key, enc, enc_len, info,
                                        info_len, m.aad[1], m.aad_len[1], ct,
                                        ct_len, &err), &err);
        expect_same(where, "open_once of a Go message with aad", m.pt[1],
                    msg_lens[1], pt, pt_len);
        msgs_go_to_confai++;
        free(pt);
        free(ct);
        free(enc);
    }
    messages_free(&m);
    confai_hpke_key_free(key);
}

/* ------------------------------------------------------------------------ */
/* libconfai seals, Go opens                                                */
/* ------------------------------------------------------------------------ */

static void confai_to_go(const suite_case *sc, size_t suite_index)
{
    char where[128];
    snprintf(where, sizeof(where), "%s, libconfai -> Go", sc->name);
    const confai_hpke_suite *s = &sc->suite;
    const int export_only = s->aead_id == CONFAI_HPKE_AEAD_EXPORT_ONLY;
    const size_t n_msgs = export_only ? 0 : N_MSGS;
    confai_error err;
    line_buf lb = {0};

    size_t tag_size;
    EXPECT_OK(where, confai_hpke_suite_sizes(s, NULL, NULL, NULL, &tag_size, &err), &err);

    /* The recipient key is Go's. libconfai imports Go's private key and
     * must compute the same public key. */
    lb_field(&lb, "keygen");
    lb_fieldf(&lb, "%04x", s->kem_id);
    fields fs = peer_call(where, lb.s);
    lb_free(&lb);
    expect_fields(where, &fs, 3);
    size_t go_sk_len, go_pk_len;
    uint8_t *go_sk = field_bytes(fs.f[1], &go_sk_len);
    uint8_t *go_pk = field_bytes(fs.f[2], &go_pk_len);
    fields_free(&fs);
    confai_hpke_key *imported = NULL;
    EXPECT_OK(where, confai_hpke_key_import(&imported, s->kem_id, go_sk,
                                            go_sk_len, &err), &err);
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len = sizeof(pk);
    EXPECT_OK(where, confai_hpke_key_public(imported, pk, &pk_len, &err), &err);
    confai_hpke_key_free(imported);
    expect_same(where, "public keys of Go's private key", go_pk, go_pk_len, pk, pk_len);

    /* libconfai seals the messages with one context and exports. */
    messages m;
    messages_make(&m, suite_index, 0x0c000000u);
    size_t info_len;
    const uint8_t *info = info_for(sc, &info_len);
    confai_hpke_ctx *ctx = NULL;
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len = sizeof(enc);
    EXPECT_OK(where, confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, s, &err), &err);
    EXPECT_OK(where, confai_hpke_sender_setup(ctx, enc, &enc_len, go_pk, go_pk_len,
                                              info, info_len, &err), &err);
    uint8_t *ct[N_MSGS] = {0};
    size_t ct_len[N_MSGS] = {0};
    for (size_t i = 0; i < n_msgs; i++) {
        ct_len[i] = msg_lens[i] + tag_size;
        ct[i] = xmalloc(ct_len[i]);
        char what[64];
        snprintf(what, sizeof(what), "seal of message #%zu (%zu bytes)", i, msg_lens[i]);
        expect_status(where, what, CONFAI_OK,
                      confai_hpke_seal(ctx, ct[i], &ct_len[i], m.aad[i], m.aad_len[i],
                                       m.pt[i], msg_lens[i], &err), &err);
        if (ct_len[i] != msg_lens[i] + tag_size)
            fail_msg("%s: libconfai's ciphertext #%zu has %zu bytes, expected %zu",
                     where, i, ct_len[i], msg_lens[i] + tag_size);
    }

    /* The open request up to message `upto` (exclusive), with message
     * `flip` (if < upto) altered in the middle. */
    for (size_t round = 0; round <= COUNT(flip_msgs); round++) {
        const int genuine = round == COUNT(flip_msgs);
        size_t flip = genuine ? SIZE_MAX : flip_msgs[round];
        size_t upto = genuine ? n_msgs : flip + 1;
        if (!genuine && flip >= n_msgs)
            continue; /* export-only: nothing to tamper with */
        lb_field(&lb, "open");
        lb_suite(&lb, s);
        lb_hex(&lb, go_sk, go_sk_len);
        lb_hex(&lb, enc, enc_len);
        lb_hex(&lb, info, info_len);
        if (genuine)
            lb_exports(&lb, sc);
        else
            lb_field(&lb, "0");
        lb_fieldf(&lb, "%zu", upto);
        for (size_t i = 0; i < upto; i++) {
            lb_hex(&lb, m.aad[i], m.aad_len[i]);
            if (i == flip)
                ct[i][ct_len[i] / 2] ^= 0x01;
            lb_hex(&lb, ct[i], ct_len[i]);
            if (i == flip)
                ct[i][ct_len[i] / 2] ^= 0x01;
        }
        fs = peer_call(where, lb.s);
        lb_free(&lb);

        if (!genuine) {
            char want[32];
            snprintf(want, sizeof(want), "%zu", flip);
            if (strcmp(fs.f[0], "fail") != 0 || fs.n < 2 || strcmp(fs.f[1], want) != 0)
                fail_msg("%s: Go accepted libconfai's message #%zu with byte "
                         "%zu flipped (answer \"%s%s%s\")", where, flip,
                         ct_len[flip] / 2, fs.f[0], fs.n > 1 ? " " : "",
                         fs.n > 1 ? fs.f[1] : "");
            fields_free(&fs);
            continue;
        }
        if (strcmp(fs.f[0], "fail") == 0)
            fail_msg("%s: Go could not open libconfai's message #%s", where,
                     fs.n > 1 ? fs.f[1] : "?");
        expect_fields(where, &fs, 1 + N_EXPORTS + n_msgs);
        check_exports(where, sc, ctx, &fs, 1);
        for (size_t i = 0; i < n_msgs; i++) {
            size_t go_pt_len;
            uint8_t *go_pt = field_bytes(fs.f[1 + N_EXPORTS + i], &go_pt_len);
            char what[64];
            snprintf(what, sizeof(what), "plaintexts of message #%zu", i);
            expect_same(where, what, m.pt[i], msg_lens[i], go_pt, go_pt_len);
            msgs_confai_to_go++;
            free(go_pt);
        }
        fields_free(&fs);
    }
    for (size_t i = 0; i < n_msgs; i++)
        free(ct[i]);
    confai_hpke_ctx_free(ctx);

    if (!export_only) {
        /* confai_hpke_seal_once with aad -> a one-message Go context. */
        uint8_t *once = xmalloc(msg_lens[3] + tag_size);
        size_t once_len = msg_lens[3] + tag_size;
        enc_len = sizeof(enc);
        EXPECT_OK(where,
                  confai_hpke_seal_once(s, enc, &enc_len, once, &once_len, go_pk,
                                        go_pk_len, info, info_len, m.aad[3],
                                        m.aad_len[3], m.pt[3], msg_lens[3], &err), &err);
        lb_field(&lb, "open");
        lb_suite(&lb, s);
        lb_hex(&lb, go_sk, go_sk_len);
        lb_hex(&lb, enc, enc_len);
        lb_hex(&lb, info, info_len);
        lb_field(&lb, "0");
        lb_field(&lb, "1");
        lb_hex(&lb, m.aad[3], m.aad_len[3]);
        lb_hex(&lb, once, once_len);
        fs = peer_call(where, lb.s);
        lb_free(&lb);
        if (strcmp(fs.f[0], "fail") == 0)
            fail_msg("%s: Go could not open confai_hpke_seal_once's message", where);
        expect_fields(where, &fs, 2);
        size_t go_pt_len;
        uint8_t *go_pt = field_bytes(fs.f[1], &go_pt_len);
        fields_free(&fs);
        expect_same(where, "plaintexts of seal_once with aad", m.pt[3],
                    msg_lens[3], go_pt, go_pt_len);
        msgs_confai_to_go++;
        free(go_pt);
        free(once);

        /* confai_hpke_seal_once without aad -> Go's single-shot hpke.Open,
         * which takes enc || ct. */
        size_t pt_in_len = msg_lens[N_MSGS - 2];
        size_t blob_cap = CONFAI_HPKE_MAX_ENC_SIZE + pt_in_len + tag_size;
        uint8_t *blob = xmalloc(blob_cap);
        enc_len = CONFAI_HPKE_MAX_ENC_SIZE;
        once_len = pt_in_len + tag_size;
        uint8_t *ct_out = xmalloc(once_len);
        EXPECT_OK(where,
                  confai_hpke_seal_once(s, blob, &enc_len, ct_out, &once_len, go_pk,
                                        go_pk_len, info, info_len, NULL, 0,
                                        m.pt[N_MSGS - 2], pt_in_len, &err), &err);
        memcpy(blob + enc_len, ct_out, once_len);
        free(ct_out);
        lb_field(&lb, "openonce");
        lb_suite(&lb, s);
        lb_hex(&lb, go_sk, go_sk_len);
        lb_hex(&lb, info, info_len);
        lb_hex(&lb, blob, enc_len + once_len);
        fs = peer_call(where, lb.s);
        lb_free(&lb);
        if (strcmp(fs.f[0], "fail") == 0)
            fail_msg("%s: hpke.Open could not open confai_hpke_seal_once's message",
                     where);
        expect_fields(where, &fs, 2);
        go_pt = field_bytes(fs.f[1], &go_pt_len);
        fields_free(&fs);
        expect_same(where, "plaintexts of seal_once via hpke.Open",
                    m.pt[N_MSGS - 2], pt_in_len, go_pt, go_pt_len);
        msgs_confai_to_go++;
        free(go_pt);
        free(blob);
    }
    messages_free(&m);
    free(go_sk);
    free(go_pk);
}

/* ------------------------------------------------------------------------ */
/* cmocka glue                                                              */
/* ------------------------------------------------------------------------ */

/* One cmocka test per KEM for the key checks and one per suite and
 * direction, so a failure in one direction does not hide the other. */
typedef enum case_kind { CASE_KEYS, CASE_GO_TO_CONFAI, CASE_CONFAI_TO_GO } case_kind;

typedef struct test_case {
    case_kind kind;
    const named_id *kem;   /* CASE_KEYS */
    const suite_case *sc;  /* the others */
    char name[96];
} test_case;

#define N_TESTS (COUNT(kems) + 2 * N_SUITES)
static test_case test_cases[N_TESTS];

static void run_case(void **state)
{
    const test_case *tc = *state;
    if (tc->kind == CASE_KEYS) {
        check_keys(tc->kem);
        return;
    }
    const suite_case *sc = tc->sc;
    size_t index = (size_t)(sc - cases);
    confai_error err;
    /* Every suite here is in confai.h and in RFC 9180: libconfai must have
     * it, whichever backend was built. */
    expect_status(sc->name, "confai_hpke_suite_check", CONFAI_OK,
                  confai_hpke_suite_check(&sc->suite, &err), &err);
    if (tc->kind == CASE_GO_TO_CONFAI)
        go_to_confai(sc, index);
    else
        confai_to_go(sc, index);
}

static int group_setup(void **state)
{
    (void)state;
    if (peer_start(go_path) != 0) {
        fprintf(stderr, "cannot start the Go peer %s: %s\n", go_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    peer_stop();
    return 0;
}

int main(int argc, char **argv)
{
    go_path = argc > 1 ? argv[1] : getenv("CONFAI_HPKE_GO");
    if (go_path == NULL || go_path[0] == '\0' || access(go_path, X_OK) != 0) {
        printf("SKIP: HPKE interop needs the Go peer (hpke-go, built by meson "
               "when Go is installed) as argv[1] or $CONFAI_HPKE_GO\n");
        return SKIP_EXIT_CODE;
    }
    /* A peer that died must show up as a failed write, not kill us. */
    signal(SIGPIPE, SIG_IGN);

    struct CMUnitTest tests[N_TESTS];
    size_t n = 0, t = 0;
    for (size_t k = 0; k < COUNT(kems); k++, t++) {
        test_case *tc = &test_cases[t];
        tc->kind = CASE_KEYS;
        tc->kem = &kems[k];
        snprintf(tc->name, sizeof(tc->name), "%s keys", kems[k].name);
    }
    for (size_t k = 0; k < COUNT(kems); k++)
        for (size_t d = 0; d < COUNT(kdfs); d++)
            for (size_t a = 0; a < COUNT(aeads); a++, n++) {
                suite_case *sc = &cases[n];
                sc->suite.kem_id = kems[k].id;
                sc->suite.kdf_id = kdfs[d].id;
                sc->suite.aead_id = aeads[a].id;
                sc->hash_size = (size_t[]){32, 48, 64}[d];
                snprintf(sc->name, sizeof(sc->name), "%s/%s/%s", kems[k].name,
                         kdfs[d].name, aeads[a].name);
                for (int dir = 0; dir < 2; dir++, t++) {
                    test_case *tc = &test_cases[t];
                    tc->kind = dir == 0 ? CASE_GO_TO_CONFAI : CASE_CONFAI_TO_GO;
                    tc->sc = sc;
                    snprintf(tc->name, sizeof(tc->name), "%s %s", sc->name,
                             dir == 0 ? "Go -> libconfai" : "libconfai -> Go");
                }
            }
    for (size_t i = 0; i < N_TESTS; i++)
        tests[i] = (struct CMUnitTest){test_cases[i].name, run_case, NULL, NULL,
                                       &test_cases[i]};

    printf("HPKE interop: libconfai %s (HPKE backend \"%s\") with Go crypto/hpke "
           "(%s), base mode only: crypto/hpke has no psk or auth API\n",
           confai_version(), confai_hpke_backend(), go_path);
    fflush(stdout); /* before cmocka, which may write to stderr */
    int failures = cmocka_run_group_tests_name("hpke_interop_go", tests,
                                               group_setup, group_teardown);

    size_t aead_suites = N_SUITES - COUNT(kems) * COUNT(kdfs);
    size_t expected = aead_suites * MSGS_PER_SUITE;
    if (msgs_go_to_confai == expected && msgs_confai_to_go == expected)
        printf("HPKE interop with Go crypto/hpke: %zu suites, %zu messages each "
               "way, %d failures\n", (size_t)N_SUITES, expected, failures);
    else
        printf("HPKE interop with Go crypto/hpke: %zu suites, %zu of %zu messages "
               "Go -> libconfai and %zu of %zu libconfai -> Go, %d failures\n",
               (size_t)N_SUITES, msgs_go_to_confai, expected, msgs_confai_to_go,
               expected, failures);
    return failures == 0 ? 0 : 1;
}

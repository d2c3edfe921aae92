/*
 * Chunked OHTTP framing (draft-ietf-ohai-chunked-ohttp-08): the chunk
 * encoder and the push decoder, for requests and responses alike.
 *
 * The decoder never copies a chunk that arrives whole within one feed: it
 * opens it in place of the caller's bytes into its plaintext buffer. Only a
 * chunk split between feeds is gathered first (one copy). Buffers grow to the
 * largest chunk seen and are reused, so a steady stream allocates nothing.
 *
 * When a chunk fails to open, the decoder spends a few more opens to say why
 * (a repeated chunk, a chunk from later in the stream, bytes after the final
 * chunk); this happens on the failure path only, after which the decoder is
 * poisoned for good.
 */
#include "seal/ohttp_chunked.h"

#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_internal.h"
#include "seal/varint.h"

static const uint8_t final_aad[] = { 'f', 'i', 'n', 'a', 'l' };

/* How far back a repeated chunk, and how far ahead a displaced one, is found. */
#define REPLAY_WINDOW 3
#define REORDER_WINDOW 2
/* Trailing bytes after a final chunk are recognised up to this many. */
#define TRAILING_PROBE 256

/* --- the chunk cipher ------------------------------------------------------ */

/*
 * Opens ct as chunk `counter`. For HPKE the context's sequence number is the
 * counter; in order it already matches, and `reposition` moves it for the
 * probes of the failure path.
 */
static confai_status cipher_open(const ohttp_chunk_cipher *c, uint8_t *pt,
                                 uint64_t counter, int is_final, int reposition,
                                 const uint8_t *ct, size_t ct_len,
                                 confai_error *err)
{
    const uint8_t *aad = is_final ? final_aad : NULL;
    size_t aad_len = is_final ? sizeof(final_aad) : 0;
    if (c->aead != NULL)
        return ohttp_aead_open(c->aead, pt, counter, aad, aad_len, ct, ct_len, err);
    if (reposition) {
        confai_status st = hpke_impl_set_seq(c->hpke, counter, err);
        if (st != CONFAI_OK)
            return st;
    }
    size_t pt_len = ct_len - c->tag_len;
    return confai_hpke_open(c->hpke, pt, &pt_len, aad, aad_len, ct, ct_len, err);
}

static confai_status cipher_seal(const ohttp_chunk_cipher *c, uint8_t *ct,
                                 uint64_t counter, int is_final,
                                 const uint8_t *pt, size_t pt_len,
                                 confai_error *err)
{
    const uint8_t *aad = is_final ? final_aad : NULL;
    size_t aad_len = is_final ? sizeof(final_aad) : 0;
    if (c->aead != NULL)
        return ohttp_aead_seal(c->aead, ct, counter, aad, aad_len, pt, pt_len, err);
    size_t ct_len = pt_len + c->tag_len;
    return confai_hpke_seal(c->hpke, ct, &ct_len, aad, aad_len, pt, pt_len, err);
}

/* --- encoder --------------------------------------------------------------- */

void ohttp_encoder_init(ohttp_encoder *e, ohttp_chunk_cipher cipher)
{
    memset(e, 0, sizeof(*e));
    e->cipher = cipher;
}

confai_status ohttp_encoder_seal(ohttp_encoder *e, uint8_t *out,
                                 size_t *out_len, const uint8_t *pt,
                                 size_t pt_len, int is_final,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t tag = e->cipher.tag_len;

    ENSURE(!e->finished, CONFAI_E_STATE, "the final chunk has been sealed; no chunk follows it");
    ENSURE_ARG(out_len != NULL, "chunk_len");
    ENSURE_ARG(pt != NULL || pt_len == 0, "plaintext");
    /* Section 5: a non-final chunk MUST NOT have an empty plaintext. */
    ENSURE(is_final || pt_len > 0, CONFAI_E_ARGUMENT,
           "invalid argument: a non-final chunk must not be empty");
    ENSURE(pt_len <= CONFAI_VARINT_MAX - tag, CONFAI_E_LIMIT,
           "a chunk of %zu bytes is too large for its length field", pt_len);
    ENSURE(e->counter != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED, "no chunks left");

    size_t ct_len = pt_len + tag;
    size_t prefix = is_final ? 1 : confai_varint_size(ct_len);
    size_t need = prefix + ct_len;
    if (*out_len < need) {
        size_t have = *out_len;
        *out_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "chunk needs %zu bytes, buffer has %zu", need, have);
    }
    ENSURE_ARG(out != NULL, "chunk");
    if (is_final)
        out[0] = 0;
    else
        confai_varint_encode(out, prefix, ct_len);
    status = cipher_seal(&e->cipher, out + prefix, e->counter, is_final, pt, pt_len, err);
    if (status != CONFAI_OK) {
        e->finished = 1; /* a half-used sequence must not go on */
        goto out;
    }
    e->counter++;
    e->finished = is_final;
    *out_len = need;
out:
    return status;
}

/* --- decoder: buffers ------------------------------------------------------ */

void ohttp_decoder_init(ohttp_decoder *d, size_t header_need,
                        ohttp_header_fn on_header, void *owner,
                        confai_ohttp_chunk_fn on_chunk, void *user)
{
    memset(d, 0, sizeof(*d));
    d->state = DEC_HEADER;
    d->header_need = header_need;
    d->on_header = on_header;
    d->owner = owner;
    d->on_chunk = on_chunk;
    d->user = user;
    d->max_chunk = CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE;
}

void ohttp_decoder_clear(ohttp_decoder *d)
{
    confai_free_secret(d->ct, d->ct_cap);
    confai_free_secret(d->pt, d->pt_cap);
    OPENSSL_cleanse(d, sizeof(*d));
}

/* After an error nothing more is read or delivered. */
static void poison(ohttp_decoder *d)
{
    confai_wipe(d->ct, d->ct_cap);
    confai_wipe(d->pt, d->pt_cap);
    d->state = DEC_FAILED;
}

/*
 * Makes *buf hold at least need bytes, keeping the first `keep`. Grows by
 * doubling up to `ceiling`, so a final chunk that trickles in byte by byte
 * costs a logarithmic number of allocations.
 */
static confai_status reserve(uint8_t **buf, size_t *cap, size_t need, size_t keep,
                             size_t ceiling, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (need <= *cap)
        return CONFAI_OK;
    size_t size = *cap > ceiling / 2 ? ceiling : *cap * 2;
    if (size < need)
        size = need;
    uint8_t *grown = confai_zalloc(size);
    ENSURE(grown != NULL, CONFAI_E_NO_MEMORY, "allocating a %zu-byte chunk buffer", size);
    if (keep > 0)
        memcpy(grown, *buf, keep);
    confai_free_secret(*buf, *cap);
    *buf = grown;
    *cap = size;
out:
    return status;
}

/* Largest ciphertext of one chunk: the plaintext limit plus the tag. */
static size_t max_ct(const ohttp_decoder *d)
{
    return d->max_chunk + d->cipher.tag_len;
}

confai_status ohttp_decoder_set_max_chunk(ohttp_decoder *d, size_t max,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(d->state != DEC_FAILED, CONFAI_E_STATE, "the stream failed earlier");
    ENSURE(max > 0 && max <= SIZE_MAX / 2, CONFAI_E_ARGUMENT,
           "invalid argument: max_chunk_size %zu", max);
    d->max_chunk = max;
out:
    return status;
}

/* --- decoder: why a chunk did not open (failure path only) ----------------- */

static int probe(ohttp_decoder *d, uint64_t counter, int is_final,
                 const uint8_t *ct, size_t ct_len)
{
    if (ct_len < d->cipher.tag_len)
        return 0;
    int opened = cipher_open(&d->cipher, d->pt, counter, is_final, 1, ct, ct_len, NULL)
                 == CONFAI_OK;
    confai_wipe(d->pt, ct_len - d->cipher.tag_len); /* never delivered */
    return opened;
}

static confai_status classify(ohttp_decoder *d, const uint8_t *ct, size_t ct_len,
                              int is_final, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint64_t c = d->counter;

    for (uint64_t back = 1; !is_final && back <= REPLAY_WINDOW && back <= c; back++)
        if (probe(d, c - back, 0, ct, ct_len))
            BAIL(CONFAI_E_CHUNK_REPLAYED, "chunk %llu is a copy of chunk %llu",
                 (unsigned long long)c, (unsigned long long)(c - back));
    for (uint64_t ahead = 1; ahead <= REORDER_WINDOW && c + ahead > c; ahead++)
        if (probe(d, c + ahead, is_final, ct, ct_len)
            || (!is_final && probe(d, c + ahead, 1, ct, ct_len)))
            BAIL(CONFAI_E_CHUNK_REORDERED,
                 "chunk %llu belongs at position %llu: chunks were dropped or reordered",
                 (unsigned long long)c, (unsigned long long)(c + ahead));
    /* A final chunk runs to the end of the stream, so extra bytes land in it;
     * a prefix that opens shows where the real chunk ended. */
    for (size_t len = d->cipher.tag_len; is_final && len < ct_len
         && len <= d->cipher.tag_len + TRAILING_PROBE; len++)
        if (probe(d, c, 1, ct, len))
            BAIL(CONFAI_E_STREAM_TRAILING, "%zu bytes after the final chunk", ct_len - len);
    BAIL(CONFAI_E_DECRYPT, "%schunk %llu does not authenticate: tampered, truncated "
                           "or from another stream",
         is_final ? "the final " : "", (unsigned long long)c);
out:
    return status;
}

/* --- decoder: reading ------------------------------------------------------ */

/* A chunk opened: hand out its plaintext and move on. */
static void opened(ohttp_decoder *d, size_t pt_len, int is_final)
{
    d->counter++;
    d->state = is_final ? DEC_DONE : DEC_LENGTH;
    d->on_chunk(d->user, d->pt, pt_len, is_final);
}

/* Opens one whole chunk and hands its plaintext to the callback. */
static confai_status deliver(ohttp_decoder *d, const uint8_t *ct, size_t ct_len,
                             int is_final, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t pt_len = ct_len - d->cipher.tag_len;

    ENSURE(d->counter != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED, "no chunks left");
    GUARD(reserve(&d->pt, &d->pt_cap, pt_len > 0 ? pt_len : 1, 0, d->max_chunk, err));
    status = cipher_open(&d->cipher, d->pt, d->counter, is_final, 0, ct, ct_len, err);
    if (status == CONFAI_E_DECRYPT)
        status = classify(d, ct, ct_len, is_final, err);
    GUARD(status);
    opened(d, pt_len, is_final);
out:
    return status;
}

static confai_status read_header(ohttp_decoder *d, const uint8_t *data, size_t len,
                                 size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t n = d->header_need - d->header_have;
    if (n > len)
        n = len;
    memcpy(d->header + d->header_have, data, n);
    d->header_have += n;
    *used = n;
    if (d->header_have < d->header_need)
        goto out;
    size_t need = d->header_need;
    GUARD(d->on_header(d->owner, d->header, d->header_have, &need, &d->cipher, err));
    ENSURE(need >= d->header_have && need <= sizeof(d->header), CONFAI_E_INTERNAL,
           "header of %zu bytes", need);
    d->header_need = need;
    if (need == d->header_have)
        d->state = DEC_LENGTH;
out:
    return status;
}

/* Checks a non-final chunk's announced length before anything is buffered. */
static confai_status check_length(ohttp_decoder *d, uint64_t ct_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(ct_len <= max_ct(d), CONFAI_E_LIMIT,
           "chunk %llu announces %llu bytes; the limit is %zu of plaintext",
           (unsigned long long)d->counter, (unsigned long long)ct_len, d->max_chunk);
    /* Section 5: an empty non-final chunk counts as a decryption error. */
    ENSURE(ct_len > d->cipher.tag_len, CONFAI_E_DECRYPT,
           "chunk %llu is %llu bytes: a non-final chunk must carry data",
           (unsigned long long)d->counter, (unsigned long long)ct_len);
out:
    return status;
}

static confai_status read_length(ohttp_decoder *d, const uint8_t *data, size_t len,
                                 size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint64_t value = 0;
    size_t n = 0;

    if (d->len_have == 0 && confai_varint_decode(&value, &n, data, len) == CONFAI_OK) {
        *used = n; /* the common case: the whole prefix is here */
    } else {
        if (d->len_have == 0)
            d->len_need = confai_varint_size_of_first(data[0]);
        n = d->len_need - d->len_have;
        if (n > len)
            n = len;
        memcpy(d->len_bytes + d->len_have, data, n);
        d->len_have += n;
        *used = n;
        if (d->len_have < d->len_need)
            goto out;
        size_t ignored;
        GUARD(confai_varint_decode(&value, &ignored, d->len_bytes, d->len_have));
        d->len_have = 0;
    }
    if (value == 0) {
        d->state = DEC_FINAL;
        goto out;
    }
    GUARD(check_length(d, value, err));
    d->chunk_len = (size_t)value;
    d->state = DEC_BODY;
out:
    return status;
}

/*
 * A response chunk split between feeds is decrypted as it arrives, so its
 * bytes are never gathered; only the tag is. Nothing is handed out before
 * the tag verifies. On failure the ciphertext is recomputed from the
 * decrypted bytes to find out why (failure path only).
 */
static confai_status read_body_in_pieces(ohttp_decoder *d, const uint8_t *data, size_t len,
                                         size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ohttp_aead *aead = d->cipher.aead;
    size_t tag = d->cipher.tag_len, body = d->chunk_len - tag;

    if (d->ct_have == 0) {
        ENSURE(d->counter != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED, "no chunks left");
        GUARD(reserve(&d->pt, &d->pt_cap, body, 0, d->max_chunk, err));
        GUARD(ohttp_aead_open_begin(aead, d->counter, err));
    }
    size_t n = d->chunk_len - d->ct_have;
    if (n > len)
        n = len;
    size_t in_body = d->ct_have < body ? body - d->ct_have : 0;
    if (in_body > n)
        in_body = n;
    GUARD(ohttp_aead_open_update(aead, d->pt + d->ct_have, data, in_body, err));
    if (n > in_body) /* some or all of the tag */
        memcpy(d->tag + (d->ct_have + in_body - body), data + in_body, n - in_body);
    d->ct_have += n;
    *used = n;
    if (d->ct_have < d->chunk_len)
        goto out;

    d->ct_have = 0;
    status = ohttp_aead_open_finish(aead, d->tag, err);
    if (status == CONFAI_E_DECRYPT) {
        GUARD(reserve(&d->ct, &d->ct_cap, d->chunk_len, 0, max_ct(d), err));
        GUARD(ohttp_aead_recover(aead, d->ct, d->counter, d->pt, body, err));
        memcpy(d->ct + body, d->tag, tag);
        status = classify(d, d->ct, d->chunk_len, 0, err);
    }
    GUARD(status);
    opened(d, body, 0);
out:
    return status;
}

static confai_status read_body(ohttp_decoder *d, const uint8_t *data, size_t len,
                               size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (d->ct_have == 0 && len >= d->chunk_len) {
        *used = d->chunk_len; /* whole chunk in this feed: open it in place */
        GUARD(deliver(d, data, d->chunk_len, 0, err));
        goto out;
    }
    if (d->cipher.aead != NULL)
        return read_body_in_pieces(d, data, len, used, err);
    /* HPKE opens a message whole: gather the chunk first */
    size_t n = d->chunk_len - d->ct_have;
    if (n > len)
        n = len;
    GUARD(reserve(&d->ct, &d->ct_cap, d->chunk_len, d->ct_have, max_ct(d), err));
    memcpy(d->ct + d->ct_have, data, n);
    d->ct_have += n;
    *used = n;
    if (d->ct_have == d->chunk_len) {
        d->ct_have = 0;
        GUARD(deliver(d, d->ct, d->chunk_len, 0, err));
    }
out:
    return status;
}

/*
 * The final chunk runs to the end of the stream, so it is gathered until
 * finish. It is usually empty (just a tag): that case is tried as soon as a
 * tag's worth has arrived, so the stream completes, and bytes after it are
 * caught, without waiting for finish.
 */
static confai_status read_final(ohttp_decoder *d, const uint8_t *data, size_t len,
                                size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t tag = d->cipher.tag_len;
    size_t n = len;
    if (!d->tried_empty_final && d->ct_have + n > tag)
        n = tag - d->ct_have;
    /* (the limit may have been lowered below what is already gathered) */
    ENSURE(d->ct_have <= max_ct(d) && n <= max_ct(d) - d->ct_have, CONFAI_E_LIMIT,
           "the final chunk exceeds the limit of %zu bytes of plaintext", d->max_chunk);
    GUARD(reserve(&d->ct, &d->ct_cap, d->ct_have + n, d->ct_have, max_ct(d), err));
    memcpy(d->ct + d->ct_have, data, n);
    d->ct_have += n;
    *used = n;
    if (d->tried_empty_final || d->ct_have < tag)
        goto out;
    d->tried_empty_final = 1;
    GUARD(reserve(&d->pt, &d->pt_cap, 1, 0, d->max_chunk, err));
    status = cipher_open(&d->cipher, d->pt, d->counter, 1, 0, d->ct, tag, err);
    if (status == CONFAI_E_DECRYPT) { /* not empty after all: read on */
        confai_err_clear(err);
        status = CONFAI_OK;
        goto out;
    }
    GUARD(status);
    opened(d, 0, 1);
out:
    return status;
}

confai_status ohttp_decoder_feed(ohttp_decoder *d, const uint8_t *data,
                                 size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(d->state != DEC_FAILED, CONFAI_E_STATE,
           "the stream failed earlier and delivers nothing more");
    ENSURE_ARG(data != NULL || len == 0, "data");
    while (len > 0) {
        size_t used = 0;
        switch (d->state) {
        case DEC_HEADER: GUARD(read_header(d, data, len, &used, err)); break;
        case DEC_LENGTH: GUARD(read_length(d, data, len, &used, err)); break;
        case DEC_BODY: GUARD(read_body(d, data, len, &used, err)); break;
        case DEC_FINAL: GUARD(read_final(d, data, len, &used, err)); break;
        case DEC_DONE:
            BAIL(CONFAI_E_STREAM_TRAILING, "%zu bytes after the final chunk", len);
        case DEC_FAILED:
            BAIL(CONFAI_E_STATE, "the stream failed earlier");
        }
        data += used;
        len -= used;
    }
out:
    if (status != CONFAI_OK)
        poison(d);
    return status;
}

confai_status ohttp_decoder_finish(ohttp_decoder *d, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned long long chunk = (unsigned long long)d->counter;
    switch (d->state) {
    case DEC_DONE:
        break;
    case DEC_FAILED:
        BAIL(CONFAI_E_STATE, "the stream failed earlier and delivers nothing more");
    case DEC_HEADER:
        BAIL(CONFAI_E_STREAM_TRUNCATED, "the stream ended in its header (%zu of %zu bytes)",
             d->header_have, d->header_need);
    case DEC_LENGTH:
        BAIL(CONFAI_E_STREAM_TRUNCATED, "the stream ended %s chunk %llu, before the final chunk",
             d->len_have > 0 ? "in the length of" : "before", chunk);
    case DEC_BODY:
        BAIL(CONFAI_E_STREAM_TRUNCATED, "the stream ended inside chunk %llu", chunk);
    case DEC_FINAL:
        ENSURE(d->ct_have >= d->cipher.tag_len, CONFAI_E_STREAM_TRUNCATED,
               "the stream ended %zu bytes into the final chunk, shorter than a tag",
               d->ct_have);
        GUARD(deliver(d, d->ct, d->ct_have, 1, err));
        break;
    }
out:
    if (status != CONFAI_OK)
        poison(d);
    return status;
}

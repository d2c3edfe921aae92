/*
 * The caller-held cache of verified TDX endorsements: a PCK chain with the
 * collateral that came with it, verified under a trust. An entry is found by
 * SHA-256 over the trust's fingerprint and every input the endorsement
 * depends on (the PEM chain from the quote, each CRL, both documents, the
 * signing chain, signer_time), so new CRL or collateral bytes make a new
 * entry; and it is used only strictly inside the window in which all of it
 * is valid. The quote's own checks run every time (tdx_verify.c).
 *
 * A handful of slots is plenty: a client talks to few services, each with
 * one PCK certificate per platform and one set of collateral at a time. The
 * oldest entry makes room for a new one.
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/error.h"

#define CACHE_SLOTS 8

typedef struct cache_slot {
    int used;
    uint8_t id[32];
    tdx_endorsement endorsement;
} cache_slot;

struct tdx_cache {
    cache_slot slots[CACHE_SLOTS];
    size_t next; /* the slot replaced next (round robin = oldest first) */
    size_t hits;
};

confai_status tdx_cache_new(tdx_cache **cache, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(cache != NULL, "cache");
    *cache = OPENSSL_zalloc(sizeof(**cache));
    ENSURE(*cache != NULL, CONFAI_E_NO_MEMORY, "out of memory for the TDX cache");
out:
    return status;
}

void tdx_cache_free(tdx_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        tdx_endorsement_clear(&cache->slots[i].endorsement);
    OPENSSL_free(cache);
}

static void put_be64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Presence, length, bytes: no two different input lists hash alike. */
static int digest_item(EVP_MD_CTX *md, const void *data, size_t len)
{
    uint8_t head[9];
    head[0] = data != NULL;
    put_be64(head + 1, data != NULL ? len : 0);
    return EVP_DigestUpdate(md, head, sizeof(head)) == 1 &&
           (data == NULL || len == 0 || EVP_DigestUpdate(md, data, len) == 1);
}

confai_status tdx_cache_id(uint8_t id[32], const tdx_trust *trust, const uint8_t *pck_chain,
                           size_t pck_chain_len, const tdx_collateral *collateral,
                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const char label[] = "confai/v1 tdx endorsement";
    static const tdx_collateral none;
    const tdx_collateral *c = collateral != NULL ? collateral : &none;
    uint8_t n[8], t[8];
    put_be64(n, c->extra_crl_count);
    put_be64(t, (uint64_t)c->signer_time);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, label, sizeof(label)) == 1 &&
             EVP_DigestUpdate(md, tdx_trust_fingerprint(trust), 32) == 1 &&
             digest_item(md, pck_chain, pck_chain_len) &&
             digest_item(md, c->pck_crl, c->pck_crl_len) &&
             digest_item(md, c->root_crl, c->root_crl_len) &&
             EVP_DigestUpdate(md, n, sizeof(n)) == 1;
    for (size_t i = 0; ok && i < c->extra_crl_count; i++)
        ok = digest_item(md, c->extra_crls[i], c->extra_crl_lens[i]);
    ok = ok && digest_item(md, c->tcb_info, c->tcb_info_len) &&
         digest_item(md, c->qe_identity, c->qe_identity_len) &&
         digest_item(md, c->signing_chain, c->signing_chain_len) &&
         EVP_DigestUpdate(md, t, sizeof(t)) == 1 && EVP_DigestFinal_ex(md, id, NULL) == 1;
    OSSL_ENSURE(ok, CONFAI_E_INTERNAL, "SHA-256 of the TDX endorsement inputs");
out:
    EVP_MD_CTX_free(md);
    return status;
}

const tdx_endorsement *tdx_cache_find(tdx_cache *cache, const uint8_t id[32],
                                      int64_t verify_time)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const cache_slot *s = &cache->slots[i];
        if (!s->used || CRYPTO_memcmp(s->id, id, 32) != 0)
            continue;
        /* Strictly inside: the edges are left to the full verification. */
        if (verify_time > s->endorsement.valid_from && verify_time < s->endorsement.valid_until) {
            cache->hits++;
            return &s->endorsement;
        }
        return NULL;
    }
    return NULL;
}

void tdx_cache_put(tdx_cache *cache, const uint8_t id[32], tdx_endorsement *e)
{
    cache_slot *slot = NULL;
    for (size_t i = 0; i < CACHE_SLOTS && slot == NULL; i++)
        if (cache->slots[i].used && CRYPTO_memcmp(cache->slots[i].id, id, 32) == 0)
            slot = &cache->slots[i]; /* the same inputs, verified again */
    if (slot == NULL) {
        slot = &cache->slots[cache->next];
        cache->next = (cache->next + 1) % CACHE_SLOTS;
    }
    tdx_endorsement_clear(&slot->endorsement);
    slot->endorsement = *e;
    memset(e, 0, sizeof(*e));
    memcpy(slot->id, id, 32);
    slot->used = 1;
}

void tdx_cache_stats(const tdx_cache *cache, size_t *entries, size_t *hits)
{
    size_t used = 0;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        used += cache->slots[i].used != 0;
    *entries = used;
    *hits = cache->hits;
}

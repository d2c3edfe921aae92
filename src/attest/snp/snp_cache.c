/*
 * The caller-held cache of verified SNP endorsement chains. A chain is
 * identified by SHA-256 over the trust's fingerprint (its roots and CRLs) and
 * the exact certificate bytes, so an entry is reused only for the same
 * certificates under the same trust. An entry also carries the window in
 * which its verdict holds; outside it the chain is verified again.
 *
 * A handful of slots is plenty: a client talks to few services, each with
 * one VCEK per TCB. The oldest entry makes room for a new one.
 */
#include "attest/snp/snp_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/error.h"

#define CACHE_SLOTS 8

typedef struct cache_slot {
    int used;
    uint8_t id[32];
    snp_endorsement endorsement;
} cache_slot;

struct snp_chain_cache {
    cache_slot slots[CACHE_SLOTS];
    size_t next; /* the slot replaced next (round robin = oldest first) */
};

confai_status snp_chain_cache_new(snp_chain_cache **cache, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(cache != NULL, "cache");
    *cache = OPENSSL_zalloc(sizeof(**cache));
    ENSURE(*cache != NULL, CONFAI_E_NO_MEMORY, "out of memory for the SNP chain cache");
out:
    return status;
}

void snp_chain_cache_free(snp_chain_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        snp_endorsement_clear(&cache->slots[i].endorsement);
    OPENSSL_free(cache);
}

static void put_be32(uint8_t out[4], size_t v)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(v >> (24 - 8 * i));
}

confai_status snp_cache_id(uint8_t id[32], const snp_trust *trust,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t count[4];
    put_be32(count, cert_count);
    OSSL_ENSURE(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(md, snp_trust_fingerprint(trust), 32) == 1 &&
                    EVP_DigestUpdate(md, count, sizeof(count)) == 1,
                CONFAI_E_INTERNAL, "SHA-256 of the chain");
    for (size_t i = 0; i < cert_count; i++) {
        uint8_t len[4];
        /* a length prefix per certificate: no two lists hash alike */
        put_be32(len, cert_lens[i]);
        OSSL_ENSURE(EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
                        (cert_lens[i] == 0 || EVP_DigestUpdate(md, certs[i], cert_lens[i]) == 1),
                    CONFAI_E_INTERNAL, "SHA-256 of the chain");
    }
    OSSL_ENSURE(EVP_DigestFinal_ex(md, id, NULL) == 1, CONFAI_E_INTERNAL,
                "SHA-256 of the chain");
out:
    EVP_MD_CTX_free(md);
    return status;
}

const snp_endorsement *snp_cache_find(const snp_chain_cache *cache, const uint8_t id[32],
                                      int64_t verify_time)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const cache_slot *s = &cache->slots[i];
        if (!s->used || CRYPTO_memcmp(s->id, id, 32) != 0)
            continue;
        /* Strictly inside: the edges are left to the full verification. */
        if (verify_time > s->endorsement.not_before && verify_time < s->endorsement.not_after)
            return &s->endorsement;
        return NULL;
    }
    return NULL;
}

confai_status snp_cache_put(snp_chain_cache *cache, const uint8_t id[32],
                            const snp_endorsement *e, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cache_slot *slot = NULL;
    for (size_t i = 0; i < CACHE_SLOTS && slot == NULL; i++)
        if (cache->slots[i].used && CRYPTO_memcmp(cache->slots[i].id, id, 32) == 0)
            slot = &cache->slots[i]; /* the same chain, verified again */
    if (slot == NULL) {
        slot = &cache->slots[cache->next];
        cache->next = (cache->next + 1) % CACHE_SLOTS;
    }
    snp_endorsement_clear(&slot->endorsement);
    slot->used = 0;
    GUARD(snp_endorsement_copy(&slot->endorsement, e, err));
    memcpy(slot->id, id, 32);
    slot->used = 1;
out:
    return status;
}

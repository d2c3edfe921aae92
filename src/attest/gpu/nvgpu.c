/*
 * NVIDIA GPU evidence verification: the device certificate chain to the
 * pinned NVIDIA Device Identity CA (or a custom root), the ECDSA P-384
 * signature of the SPDM MEASUREMENTS response, the nonce binding, and the
 * comparison of measurement blocks with reference values.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/gpu/nvgpu.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "crypto/x509.h"

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of the NVIDIA Device Identity CA
 * (CN=NVIDIA Device Identity CA, O=NVIDIA; ECDSA P-384; 2021-11-05 ..
 * 9999-12-31; certificate SHA-256 102bf659...0b167b48), the root of every
 * H100 and NVSwitch device chain. NVIDIA ships it with nvtrust as
 * guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/certs/
 * verifier_device_root.pem. Recompute with:
 *
 *   openssl x509 -in verifier_device_root.pem -noout -pubkey \
 *     | openssl pkey -pubin -outform DER | openssl dgst -sha256
 *
 * The key is pinned, not the certificate, so a re-issued root with the same
 * key still verifies; the root itself arrives with the evidence.
 */
static const uint8_t nvidia_device_root_spki_sha256[32] = {
    0xa9, 0x0c, 0x4e, 0xb5, 0xac, 0xfd, 0x3e, 0x3d, 0x03, 0xa2, 0x5d,
    0xb6, 0xa2, 0x6b, 0x84, 0xf7, 0x20, 0xad, 0x05, 0x03, 0x19, 0x6c,
    0x62, 0x7c, 0x21, 0xdd, 0xd4, 0x8d, 0xd8, 0x5b, 0x06, 0xa4,
};

#define MAX_CUSTOM_ROOTS 16

struct nvgpu_trust {
    size_t root_count;
    uint8_t roots[MAX_CUSTOM_ROOTS][32]; /* SPKI SHA-256 of custom roots */
};

static confai_status parse_cert(X509 **out, const uint8_t *der, size_t len, size_t i,
                                confai_status bad, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const unsigned char *p = der;
    *out = NULL;
    ENSURE(der != NULL && len > 0 && len <= 65536, bad,
           "GPU certificate %zu: empty or over 64 KiB", i);
    *out = d2i_X509(NULL, &p, (long)len);
    OSSL_ENSURE(*out != NULL, bad, "GPU certificate: not DER X.509");
    ENSURE(p == der + len, bad, "GPU certificate %zu: %zu bytes after the certificate", i,
           (size_t)(der + len - p));
out:
    return status;
}

/* A self-signed CA: issuer == subject, CA:TRUE, its own key verifies it. */
static int is_self_signed_ca(X509 *c)
{
    return X509_check_issued(c, c) == X509_V_OK && X509_check_ca(c) > 0 &&
           X509_verify(c, X509_get0_pubkey(c)) == 1;
}

confai_status nvgpu_trust_new(nvgpu_trust **trust, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(trust != NULL, "trust");
    *trust = confai_zalloc(sizeof(**trust));
    ENSURE(*trust != NULL, CONFAI_E_NO_MEMORY, "allocating GPU trust anchors");
out:
    return status;
}

confai_status nvgpu_trust_add_root(nvgpu_trust *trust, const uint8_t *der, size_t der_len,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *root = NULL;
    uint8_t h[32];
    confai_err_clear(err);
    ENSURE_ARG(trust != NULL, "trust");
    GUARD(parse_cert(&root, der, der_len, 0, CONFAI_E_MALFORMED, err));
    ENSURE(is_self_signed_ca(root), CONFAI_E_CERT_CHAIN,
           "custom GPU root: not a self-signed CA certificate");
    ERR_clear_error();
    GUARD(x509_spki_sha256(h, root, err));
    for (size_t i = 0; i < trust->root_count; i++)
        if (CRYPTO_memcmp(trust->roots[i], h, 32) == 0)
            goto out;
    ENSURE(trust->root_count < MAX_CUSTOM_ROOTS, CONFAI_E_LIMIT,
           "more than %d custom GPU roots", MAX_CUSTOM_ROOTS);
    memcpy(trust->roots[trust->root_count++], h, 32);
out:
    X509_free(root);
    return status;
}

void nvgpu_trust_free(nvgpu_trust *trust)
{
    confai_free_secret(trust, sizeof(*trust));
}

/* --- chain -------------------------------------------------------------------- */

static void name_of(char *out, size_t cap, X509_NAME *name)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

/*
 * The chain certs[0] <- certs[1] <- ... <- certs[n-1] (self-signed, pinned or
 * custom), all valid at verify_time; every certificate on the path in order.
 */
static confai_status verify_chain(nvgpu_verified *out, const nvgpu_trust *trust, X509 **chain,
                                  size_t n, int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    STACK_OF(X509) *untrusted = NULL, *anchors = NULL, *built = NULL;
    X509 *root = chain[n - 1];

    ENSURE(is_self_signed_ca(root), CONFAI_E_CERT_CHAIN,
           "GPU certificate chain: the last certificate is not a self-signed CA");
    GUARD(x509_spki_sha256(out->root_spki_sha256, root, err));
    if (CRYPTO_memcmp(out->root_spki_sha256, nvidia_device_root_spki_sha256, 32) == 0) {
        out->root_kind = NVGPU_ROOT_VENDOR;
    } else {
        int custom = 0;
        for (size_t i = 0; trust != NULL && i < trust->root_count; i++)
            custom |= CRYPTO_memcmp(out->root_spki_sha256, trust->roots[i], 32) == 0;
        char hex[65];
        hex_encode(hex, out->root_spki_sha256, 32);
        ENSURE(custom, CONFAI_E_UNKNOWN_ROOT,
               "GPU certificate chain: root (SPKI SHA-256 %s) is neither the NVIDIA Device "
               "Identity CA nor a custom root: if you trust it, add it to gpus.custom_roots",
               hex);
        out->root_kind = NVGPU_ROOT_CUSTOM;
    }
    name_of(out->root_subject, sizeof(out->root_subject), X509_get_subject_name(root));
    name_of(out->leaf_subject, sizeof(out->leaf_subject), X509_get_subject_name(chain[0]));

    untrusted = sk_X509_new_null();
    anchors = sk_X509_new_null();
    OSSL_ENSURE(untrusted != NULL && anchors != NULL, CONFAI_E_NO_MEMORY,
                "X.509 verification context");
    OSSL_ENSURE(sk_X509_push(anchors, root) > 0, CONFAI_E_NO_MEMORY, "trust anchor");
    for (size_t i = 1; i + 1 < n; i++)
        OSSL_ENSURE(sk_X509_push(untrusted, chain[i]) > 0, CONFAI_E_NO_MEMORY,
                    "intermediate certificates");
    /* No check_root_signature: is_self_signed_ca above has already verified
       the root's own signature, and a second P-384 verification of it would
       cost as much as the evidence's signature. */
    static const char *const roles[] = { "device leaf certificate" };
    x509_chain_request req = {
        .leaf = chain[0], .intermediates = untrusted, .anchors = anchors, .at = verify_time,
        .root_pinned = 1, .what = "GPU certificate chain", .roles = roles, .role_count = 1,
    };
    GUARD(x509_chain_verify(&built, &req, err));
    /* The path OpenSSL built must be exactly the certificates sent, in order. */
    ENSURE((size_t)sk_X509_num(built) == n, CONFAI_E_CERT_CHAIN,
           "GPU certificate chain: %zu certificates sent, the path has %d", n,
           sk_X509_num(built));
    for (size_t i = 0; i < n; i++)
        ENSURE(X509_cmp(sk_X509_value(built, (int)i), chain[i]) == 0, CONFAI_E_CERT_CHAIN,
               "GPU certificate chain: certificate %zu is out of order", i);
out:
    sk_X509_pop_free(built, X509_free);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    return status;
}

/* The device leaf: not a CA, may sign, an ECDSA P-384 key. */
static confai_status check_leaf(X509 *leaf, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char group[32] = "";
    ENSURE(X509_check_ca(leaf) == 0, CONFAI_E_CERT_CHAIN,
           "GPU certificate 0 is a CA, not the device leaf (is the leaf missing?)");
    uint32_t ku = X509_get_key_usage(leaf);
    ENSURE(ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE) != 0, CONFAI_E_CERT_CHAIN,
           "GPU device leaf: key usage does not allow digital signatures");
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    ENSURE(key != NULL && EVP_PKEY_is_a(key, "EC") &&
               EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                              sizeof(group), NULL) == 1 &&
               strcmp(group, "secp384r1") == 0,
           CONFAI_E_CERT_CHAIN, "GPU device leaf: the key is not ECDSA P-384");
out:
    ERR_clear_error();
    return status;
}

/* --- identity ----------------------------------------------------------------- */

/* NVIDIA's otherName type for the device ID in a device leaf's subjectAltName. */
#define NVIDIA_DEVICE_ID_OID "1.3.6.1.4.1.412.274.1"

/* The device ID of one otherName value: a UTF8String of printable ASCII. */
static confai_status copy_device_id(char out[NVGPU_DEVICE_ID_SIZE], const ASN1_TYPE *value,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(value != NULL && value->type == V_ASN1_UTF8STRING, CONFAI_E_CERT_CHAIN,
           "GPU device leaf: the device ID is not a UTF8String");
    const ASN1_STRING *s = value->value.utf8string;
    int len = ASN1_STRING_length(s);
    const unsigned char *bytes = ASN1_STRING_get0_data(s);
    ENSURE(len > 0 && len < NVGPU_DEVICE_ID_SIZE, CONFAI_E_CERT_CHAIN,
           "GPU device leaf: the device ID has %d bytes, not 1 to %d", len,
           NVGPU_DEVICE_ID_SIZE - 1);
    for (int i = 0; i < len; i++)
        ENSURE(bytes[i] > 0x20 && bytes[i] < 0x7F, CONFAI_E_CERT_CHAIN,
               "GPU device leaf: the device ID is not printable ASCII");
    memcpy(out, bytes, (size_t)len);
    out[len] = '\0';
out:
    return status;
}

/* The leaf's key digest and NVIDIA's device ID, if the leaf names one (nvgpu.h). */
static confai_status read_identity(nvgpu_identity *id, X509 *leaf, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ASN1_OBJECT *oid = NULL;
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);

    memset(id, 0, sizeof(*id));
    GUARD(x509_spki_sha256(id->leaf_spki_sha256, leaf, err));
    /* crit -1: no subjectAltName; -2: more than one; 0 or 1: one that does not decode. */
    ENSURE(names != NULL || crit == -1, CONFAI_E_CERT_CHAIN,
           "GPU device leaf: %s", crit == -2 ? "more than one subjectAltName extension"
                                             : "the subjectAltName does not decode");
    if (names == NULL)
        goto out;
    oid = OBJ_txt2obj(NVIDIA_DEVICE_ID_OID, 1);
    OSSL_ENSURE(oid != NULL, CONFAI_E_NO_MEMORY, "GPU device ID type");
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_OTHERNAME || OBJ_cmp(gn->d.otherName->type_id, oid) != 0)
            continue;
        ENSURE(id->device_id[0] == '\0', CONFAI_E_CERT_CHAIN,
               "GPU device leaf: more than one device ID");
        GUARD(copy_device_id(id->device_id, gn->d.otherName->value, err));
    }
out:
    ASN1_OBJECT_free(oid);
    GENERAL_NAMES_free(names);
    ERR_clear_error();
    return status;
}

int nvgpu_identity_same(const nvgpu_identity *a, const nvgpu_identity *b)
{
    if (CRYPTO_memcmp(a->leaf_spki_sha256, b->leaf_spki_sha256, 32) == 0)
        return 1;
    return a->device_id[0] != '\0' && strcmp(a->device_id, b->device_id) == 0;
}

/* --- signature ---------------------------------------------------------------- */

static confai_status verify_signature(EVP_PKEY *key, const uint8_t *signed_bytes, size_t len,
                                      const uint8_t sig[SPDM_P384_SIGNATURE_SIZE],
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 48, NULL);
    BIGNUM *sv = BN_bin2bn(sig + 48, 48, NULL);
    unsigned char *der = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(s != NULL && r != NULL && sv != NULL && md != NULL, CONFAI_E_NO_MEMORY,
                "ECDSA signature");
    OSSL_ENSURE(ECDSA_SIG_set0(s, r, sv) == 1, CONFAI_E_INTERNAL, "ECDSA_SIG_set0");
    r = sv = NULL;
    int der_len = i2d_ECDSA_SIG(s, &der);
    OSSL_ENSURE(der_len > 0, CONFAI_E_INTERNAL, "encoding the ECDSA signature");
    OSSL_ENSURE(EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1,
                CONFAI_E_INTERNAL, "EVP_DigestVerifyInit");
    int ok = EVP_DigestVerify(md, der, (size_t)der_len, signed_bytes, len);
    ERR_clear_error();
    ENSURE(ok == 1, CONFAI_E_BAD_SIGNATURE,
           "SPDM MEASUREMENTS signature does not verify with the GPU device leaf's key");
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    return status;
}

/* --- caller-held chain cache ------------------------------------------------------ */

#define CACHE_SLOTS 16

typedef struct cache_entry {
    uint8_t chain_sha256[32];         /* over u32(len) || DER of every certificate */
    EVP_PKEY *leaf_key;
    int64_t not_before, not_after;    /* where every certificate is valid */
    nvgpu_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    char leaf_subject[160];
    char root_subject[96];
    nvgpu_identity identity;
} cache_entry;

struct nvgpu_chain_cache {
    size_t count, next;
    cache_entry entries[CACHE_SLOTS];
};

confai_status nvgpu_chain_cache_new(nvgpu_chain_cache **cache, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(cache != NULL, "cache");
    *cache = confai_zalloc(sizeof(**cache));
    ENSURE(*cache != NULL, CONFAI_E_NO_MEMORY, "allocating a GPU chain cache");
out:
    return status;
}

void nvgpu_chain_cache_free(nvgpu_chain_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        EVP_PKEY_free(cache->entries[i].leaf_key);
    confai_free_secret(cache, sizeof(*cache));
}

static int chain_digest(uint8_t out[32], const uint8_t *const *certs, const size_t *lens,
                        size_t n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        uint8_t len[4] = { (uint8_t)(lens[i] >> 24), (uint8_t)(lens[i] >> 16),
                           (uint8_t)(lens[i] >> 8), (uint8_t)lens[i] };
        ok = EVP_DigestUpdate(md, len, 4) == 1 && EVP_DigestUpdate(md, certs[i], lens[i]) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, NULL) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static int root_still_trusted(const nvgpu_trust *trust, const cache_entry *e)
{
    if (CRYPTO_memcmp(e->root_spki_sha256, nvidia_device_root_spki_sha256, 32) == 0)
        return e->root_kind == NVGPU_ROOT_VENDOR;
    int custom = 0;
    for (size_t i = 0; trust != NULL && i < trust->root_count; i++)
        custom |= CRYPTO_memcmp(e->root_spki_sha256, trust->roots[i], 32) == 0;
    return custom && e->root_kind == NVGPU_ROOT_CUSTOM;
}

static const cache_entry *cache_find(const nvgpu_chain_cache *cache, const nvgpu_trust *trust,
                                     const uint8_t digest[32], int64_t verify_time)
{
    for (size_t i = 0; cache != NULL && i < cache->count; i++) {
        const cache_entry *e = &cache->entries[i];
        /* Strictly inside the window: the edges are left to a full verification. */
        if (CRYPTO_memcmp(e->chain_sha256, digest, 32) == 0 && verify_time > e->not_before
            && verify_time < e->not_after && root_still_trusted(trust, e))
            return e;
    }
    return NULL;
}

/* Remembers a chain that verified; a full cache drops its oldest entry. */
static void cache_add(nvgpu_chain_cache *cache, const uint8_t digest[32], X509 **chain, size_t n,
                      const nvgpu_verified *v)
{
    cache_entry e;
    memset(&e, 0, sizeof(e));
    e.not_before = INT64_MIN;
    e.not_after = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        int64_t nb, na;
        if (!x509_time_epoch(&nb, X509_get0_notBefore(chain[i])) ||
            !x509_time_epoch(&na, X509_get0_notAfter(chain[i])))
            return; /* not cached; the next verification checks it in full again */
        if (nb > e.not_before)
            e.not_before = nb;
        if (na < e.not_after)
            e.not_after = na;
    }
    e.leaf_key = X509_get_pubkey(chain[0]);
    if (e.leaf_key == NULL)
        return;
    memcpy(e.chain_sha256, digest, 32);
    e.root_kind = v->root_kind;
    memcpy(e.root_spki_sha256, v->root_spki_sha256, 32);
    memcpy(e.leaf_subject, v->leaf_subject, sizeof(e.leaf_subject));
    memcpy(e.root_subject, v->root_subject, sizeof(e.root_subject));
    e.identity = v->identity;
    cache_entry *slot = &cache->entries[cache->next];
    EVP_PKEY_free(slot->leaf_key);
    *slot = e;
    cache->next = (cache->next + 1) % CACHE_SLOTS;
    if (cache->count < CACHE_SLOTS)
        cache->count++;
}

confai_status nvgpu_verify(nvgpu_verified *out, const nvgpu_trust *trust,
                           const uint8_t *evidence, size_t evidence_len,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, const uint8_t expected_nonce[SPDM_NONCE_SIZE],
                           int64_t verify_time, confai_error *err)
{
    return nvgpu_verify_cached(out, trust, NULL, evidence, evidence_len, certs, cert_lens,
                               cert_count, expected_nonce, verify_time, err);
}

confai_status nvgpu_verify_cached(nvgpu_verified *out, const nvgpu_trust *trust,
                                  nvgpu_chain_cache *cache, const uint8_t *evidence,
                                  size_t evidence_len, const uint8_t *const *certs,
                                  const size_t *cert_lens, size_t cert_count,
                                  const uint8_t expected_nonce[SPDM_NONCE_SIZE],
                                  int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *chain[NVGPU_MAX_CERTS] = { 0 };
    uint8_t digest[32];
    const cache_entry *hit = NULL;
    confai_err_clear(err);
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(certs != NULL || cert_count == 0, "certs");
    ENSURE_ARG(cert_lens != NULL || cert_count == 0, "cert_lens");
    ENSURE_ARG(expected_nonce != NULL, "expected_nonce");

    GUARD(spdm_evidence_parse(&out->evidence, evidence, evidence_len, err));
    ENSURE(cert_count >= 2, CONFAI_E_CERT_CHAIN,
           "GPU certificate chain: %zu certificate(s); needs the device leaf through the "
           "root", cert_count);
    ENSURE(cert_count <= NVGPU_MAX_CERTS, CONFAI_E_CERT_CHAIN,
           "GPU certificate chain: %zu certificates, over %d", cert_count, NVGPU_MAX_CERTS);
    if (cache != NULL) {
        OSSL_ENSURE(chain_digest(digest, certs, cert_lens, cert_count), CONFAI_E_INTERNAL,
                    "SHA-256 of the GPU certificate chain");
        hit = cache_find(cache, trust, digest, verify_time);
    }
    if (hit != NULL) {
        /* The same certificates verified before, under a root still trusted, and are valid now. */
        out->root_kind = hit->root_kind;
        memcpy(out->root_spki_sha256, hit->root_spki_sha256, 32);
        memcpy(out->leaf_subject, hit->leaf_subject, sizeof(out->leaf_subject));
        memcpy(out->root_subject, hit->root_subject, sizeof(out->root_subject));
        out->identity = hit->identity;
        GUARD(verify_signature(hit->leaf_key, evidence, out->evidence.signed_len,
                               out->evidence.signature, err));
    } else {
        for (size_t i = 0; i < cert_count; i++)
            GUARD(parse_cert(&chain[i], certs[i], cert_lens[i], i, CONFAI_E_CERT_CHAIN, err));
        GUARD(verify_chain(out, trust, chain, cert_count, verify_time, err));
        GUARD(check_leaf(chain[0], err));
        GUARD(read_identity(&out->identity, chain[0], err));
        GUARD(verify_signature(X509_get0_pubkey(chain[0]), evidence, out->evidence.signed_len,
                               out->evidence.signature, err));
        if (cache != NULL)
            cache_add(cache, digest, chain, cert_count, out);
    }
    ENSURE(CRYPTO_memcmp(out->evidence.request_nonce, expected_nonce, SPDM_NONCE_SIZE) == 0,
           CONFAI_E_BINDING,
           "GPU evidence: the SPDM request nonce is not the expected binding value");
out:
    for (size_t i = 0; i < NVGPU_MAX_CERTS; i++)
        X509_free(chain[i]);
    if (status != CONFAI_OK && out != NULL)
        memset(out, 0, sizeof(*out));
    ERR_clear_error();
    return status;
}

/* --- reference measurements --------------------------------------------------- */

confai_status nvgpu_measurements_check(const spdm_evidence *ev, const nvgpu_reference *refs,
                                       size_t ref_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t want[SPDM_MAX_VALUE_SIZE];
    unsigned worst = UINT32_MAX;
    const char *why = NULL;
    confai_err_clear(err);
    ENSURE_ARG(ev != NULL, "ev");
    ENSURE_ARG(refs != NULL || ref_count == 0, "refs");
    ENSURE(ref_count > 0, CONFAI_E_POLICY_INVALID,
           "GPU reference measurements: the set is empty");
    for (size_t i = 0; i < ref_count; i++) {
        const nvgpu_reference *ref = &refs[i];
        ENSURE(ref->index < SPDM_MAX_BLOCKS, CONFAI_E_POLICY_INVALID,
               "GPU reference measurements: index %u is over %d", ref->index,
               SPDM_MAX_BLOCKS - 1);
        ENSURE(ref->digest_count > 0 && ref->digests_hex != NULL, CONFAI_E_POLICY_INVALID,
               "GPU reference measurements: index %u accepts no value", ref->index);
        for (size_t j = 0; j < i; j++)
            ENSURE(refs[j].index != ref->index, CONFAI_E_POLICY_INVALID,
                   "GPU reference measurements: index %u listed twice", ref->index);
        const spdm_block *b = spdm_evidence_block(ev, (uint8_t)(ref->index + 1));
        int match = 0;
        for (size_t k = 0; k < ref->digest_count; k++) {
            const char *hex = ref->digests_hex[k];
            size_t hex_len = hex != NULL ? strlen(hex) : 0;
            ENSURE(hex != NULL && hex_len > 0 && hex_len % 2 == 0 &&
                       hex_len / 2 <= SPDM_MAX_VALUE_SIZE &&
                       hex_decode_exact(want, hex_len / 2, hex, hex_len),
                   CONFAI_E_POLICY_INVALID,
                   "GPU reference measurements: index %u value %zu is not hex of a digest",
                   ref->index, k);
            if (b != NULL && b->value_len == hex_len / 2)
                match |= CRYPTO_memcmp(b->value, want, b->value_len) == 0;
        }
        if (!match && ref->index < worst) {
            worst = ref->index;
            why = b == NULL ? "not measured in the evidence" : "value not in the accepted set";
        }
    }
    ENSURE(worst == UINT32_MAX, CONFAI_E_POLICY_MEASUREMENT,
           "GPU measurement index %u (SPDM block %u): %s", worst, worst + 1, why);
out:
    return status;
}

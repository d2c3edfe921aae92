/*
 * src/attest/tdx_cache.c with tdx_verify.c and tdx_endorsement.c: the
 * caller-held cache of TDX endorsements (PCK chain, CRLs, collateral).
 *
 * Every verification with a cache here is compared with the same one without
 * (same status, same message, same verified fields). A hit gives what a full
 * verification gives, on the real quotes of the shared vectors and on a
 * simulated platform (tests/common/tdx_sim.h), and the quote's own checks
 * and TCB evaluation still run on every hit; each changed input (PCK chain,
 * either CRL, an extra CRL, either document, the signing chain, signer_time,
 * the trust's roots) and each time outside the entry's window misses; a
 * failing verification adds nothing; a tampered quote is rejected warm as
 * cold; the oldest of eight entries makes room; running out of memory on
 * either path fails cleanly and never fills the cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>

#include <confai/confai.h>

#include "alloc_fail.h"
#include "attest/tdx/tdx_internal.h"
#include "sim/tdx_sim.h"
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define OK(call) assert_int_equal((call), CONFAI_OK)
#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define DAY INT64_C(86400)
#define PCK_CRL_NEXT (NOW + 7 * DAY) /* the earliest end of anything below */
#define PCK_CRL_THIS (NOW - 3600)    /* the latest start */

/* --- the cache's counters ------------------------------------------------------ */

static size_t entries_of(const tdx_cache *cache)
{
    size_t entries, hits;
    tdx_cache_stats(cache, &entries, &hits);
    return entries;
}

static size_t hits_of(const tdx_cache *cache)
{
    size_t entries, hits;
    tdx_cache_stats(cache, &entries, &hits);
    return hits;
}

/* --- cold against cached ----------------------------------------------------------- */

static void assert_same(const tdx_verified *a, const tdx_verified *b)
{
    assert_int_equal(a->quote.quote_len, b->quote.quote_len);
    assert_memory_equal(a->quote.report_data, b->quote.report_data, 64);
    assert_int_equal(a->root_kind, b->root_kind);
    assert_memory_equal(a->root_spki_sha256, b->root_spki_sha256, 32);
    assert_memory_equal(a->pck.ppid, b->pck.ppid, 16);
    assert_memory_equal(a->pck.sgx_tcb, b->pck.sgx_tcb, 16);
    assert_int_equal(a->pck.pcesvn, b->pck.pcesvn);
    assert_memory_equal(a->pck.cpusvn, b->pck.cpusvn, 16);
    assert_memory_equal(a->pck.pce_id, b->pck.pce_id, 2);
    assert_memory_equal(a->pck.fmspc, b->pck.fmspc, 6);
    assert_int_equal(a->pck.sgx_type, b->pck.sgx_type);
    assert_int_equal(a->not_before, b->not_before);
    assert_int_equal(a->not_after, b->not_after);
    assert_int_equal(a->tcb_info_present, b->tcb_info_present);
    assert_int_equal(a->qe_identity_present, b->qe_identity_present);
    assert_int_equal(a->collateral_missing, b->collateral_missing);
    assert_int_equal(a->tcb_eval_num, b->tcb_eval_num);
    assert_int_equal(a->collateral_issued, b->collateral_issued);
    assert_int_equal(a->pck_crl_checked, b->pck_crl_checked);
    assert_int_equal(a->root_crl_checked, b->root_crl_checked);
    assert_int_equal(a->platform_status, b->platform_status);
    assert_int_equal(a->tcb_date, b->tcb_date);
    assert_int_equal(a->module_status, b->module_status);
    assert_int_equal(a->qe_status, b->qe_status);
    assert_int_equal(a->tcb_status, b->tcb_status);
    assert_int_equal(a->current_tcb_status, b->current_tcb_status);
    assert_int_equal(a->advisories.count, b->advisories.count);
    for (size_t i = 0; i < a->advisories.count; i++)
        assert_string_equal(a->advisories.id[i], b->advisories.id[i]);
}

static const tdx_verified zero_verified;

/*
 * Verifies without a cache and then with one: the same status, message and
 * fields, or the test fails. Returns the status; *hit (if set) whether the
 * cache answered, *out (if set) the result.
 */
static confai_status both(tdx_verified *out, int *hit, const tdx_trust *trust, tdx_cache *cache,
                          const uint8_t *quote, size_t len, uint32_t flags,
                          const tdx_collateral *c, int64_t at)
{
    static tdx_verified cold, warm;
    confai_error ec = { 0 }, ew = { 0 };
    size_t hits = hits_of(cache);
    confai_status sc = tdx_verify(&cold, trust, NULL, quote, len, flags, c, at, &ec);
    confai_status sw = tdx_verify(&warm, trust, cache, quote, len, flags, c, at, &ew);
    if (sc != sw || strcmp(ec.message, ew.message) != 0)
        fail_msg("without cache: %s (%s); with: %s (%s)", confai_status_name(sc), ec.message,
                 confai_status_name(sw), ew.message);
    if (sw == CONFAI_OK)
        assert_same(&cold, &warm);
    else
        assert_memory_equal(&warm, &zero_verified, sizeof(warm));
    if (hit != NULL)
        *hit = hits_of(cache) > hits;
    if (out != NULL)
        *out = warm;
    return sw;
}

/* --- a simulated platform ------------------------------------------------------------ */

static struct {
    tdx_sim *signer, *other;  /* two platforms, each with its own root */
    tdx_trust *trust;            /* both roots */
    tdx_trust *intel;            /* no custom root */
    tdx_sim_body body;
    tdx_sim_collateral coll;
    uint8_t quote[16384], other_quote[16384];
    size_t quote_len, other_quote_len;
    char tcb_info[16384], qe_identity[8192], chain[8192];
    size_t tcb_info_len, qe_identity_len, chain_len;
    uint8_t pck_crl[4096], root_crl[4096];
    size_t pck_crl_len, root_crl_len;
} S;

static void sim_quote(const tdx_sim_body *body, uint8_t *out, size_t *len)
{
    assert_int_equal(tdx_sim_quote(S.signer, body, out, 16384, len), 0);
}

/* Both documents, the signing chain and both CRLs. */
static tdx_collateral sim_collateral(void)
{
    return (tdx_collateral){ S.tcb_info, S.tcb_info_len, S.qe_identity, S.qe_identity_len,
                             S.chain,    S.chain_len,    S.pck_crl,     S.pck_crl_len,
                             S.root_crl, S.root_crl_len, 0,             NULL,
                             NULL,       0 };
}

static int group_setup(void **state)
{
    (void)state;
    size_t len;
    if (tdx_sim_new(&S.signer, NOW) != 0 || tdx_sim_new(&S.other, NOW) != 0 ||
        tdx_trust_new(&S.trust, NULL) != CONFAI_OK || tdx_trust_new(&S.intel, NULL) != CONFAI_OK)
        return -1;
    const uint8_t *root = tdx_sim_root_der(S.signer, &len);
    if (tdx_trust_add_root(S.trust, root, len, NULL) != CONFAI_OK)
        return -1;
    root = tdx_sim_root_der(S.other, &len);
    if (tdx_trust_add_root(S.trust, root, len, NULL) != CONFAI_OK)
        return -1;
    tdx_sim_body_default(&S.body, 4);
    tdx_sim_collateral_default(&S.coll, NOW);
    if (tdx_sim_quote(S.signer, &S.body, S.quote, sizeof(S.quote), &S.quote_len) != 0 ||
        tdx_sim_quote(S.other, &S.body, S.other_quote, sizeof(S.other_quote),
                         &S.other_quote_len) != 0 ||
        tdx_sim_tcb_info(S.signer, &S.coll, S.tcb_info, sizeof(S.tcb_info),
                            &S.tcb_info_len) != 0 ||
        tdx_sim_qe_identity(S.signer, &S.coll, S.qe_identity, sizeof(S.qe_identity),
                               &S.qe_identity_len) != 0 ||
        tdx_sim_signing_chain(S.signer, S.chain, sizeof(S.chain), &S.chain_len) != 0 ||
        tdx_sim_crl(S.signer, 0, 0, PCK_CRL_THIS, PCK_CRL_NEXT, S.pck_crl, sizeof(S.pck_crl),
                       &S.pck_crl_len) != 0 ||
        tdx_sim_crl(S.signer, 1, 0, NOW - DAY, NOW + 365 * DAY, S.root_crl,
                       sizeof(S.root_crl), &S.root_crl_len) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tdx_sim_free(S.signer);
    tdx_sim_free(S.other);
    tdx_trust_free(S.trust);
    tdx_trust_free(S.intel);
    return 0;
}

/* --- real quotes ------------------------------------------------------------------ */

#define T_2023_06_20 INT64_C(1687219200)
#define T_2024_01_01 INT64_C(1704067200)
#define T_2024_08_01 INT64_C(1722470400)
#define T_2025_05_01 INT64_C(1746057600)
#define T_2025_11_01 INT64_C(1761955200)
#define T_2026_02_10 INT64_C(1770681600)

/* The real quotes and the collateral PROVENANCE.md pairs with them (see test_tdx_verify.c). */
typedef struct real_case {
    const char *quote;
    size_t quote_len;
    uint32_t flags;
    const char *tcb_info, *qe_identity;
    int with_crls;
    int64_t time, signer_time;
} real_case;

static const real_case real_cases[] = {
    { "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", 4935, 0,
      "tdx/go-tdx-guest/sample_tcbInfo_response", "tdx/go-tdx-guest/sample_qeIdentity_response",
      1, T_2023_06_20, 0 },
    { "tdx/go-tdx-guest/quote_v5_sample.dat", 5006, 0,
      "tdx/go-tdx-guest/sample_tcbinfo_response_v5", NULL, 0, T_2026_02_10, T_2025_05_01 },
    { "tdx/go-tdx-guest/cos-113-tdx-quote.dat", 4935, TDX_PARSE_PADDED, NULL, NULL, 0,
      T_2024_08_01, 0 },
    { "tdx/trustee/tdx_quote_6.dat", 4936, TDX_PARSE_PADDED, "tdx/trustee/tcbInfo.json",
      "tdx/trustee/enclaveIdentity.json", 0, T_2025_11_01, T_2025_05_01 },
    { "tdx/trustee/az-tdx-vtpm_td-quote.bin", 4936, TDX_PARSE_PADDED, NULL, NULL, 0,
      T_2024_01_01, 0 },
};

typedef struct loaded {
    uint8_t *quote, *pck_crl, *root_crl;
    char *tcb_info, *qe_identity, *chain;
    size_t file_len, len, pck_crl_len, root_crl_len, tcb_info_len, qe_identity_len, chain_len;
    tdx_collateral c;
} loaded;

static int load(loaded *l, const real_case *rc)
{
    memset(l, 0, sizeof(*l));
    const char *dir = test_vectors_or_skip("the TDX cache tests on real quotes");
    if (dir == NULL)
        return 0;
    l->quote = test_read_file(dir, rc->quote, &l->file_len);
    l->chain = (char *)test_read_file(dir, "tdx/go-tdx-guest/tcb_info_issuer_chain.pem",
                                      &l->chain_len);
    assert_true(l->quote != NULL && l->chain != NULL);
    l->len = rc->flags & TDX_PARSE_PADDED ? l->file_len : rc->quote_len;
    if (rc->tcb_info != NULL)
        assert_non_null(l->tcb_info = (char *)test_read_file(dir, rc->tcb_info,
                                                             &l->tcb_info_len));
    if (rc->qe_identity != NULL)
        assert_non_null(l->qe_identity = (char *)test_read_file(dir, rc->qe_identity,
                                                                &l->qe_identity_len));
    if (rc->with_crls) {
        assert_non_null(l->pck_crl = test_read_file(dir, "tdx/go-tdx-guest/pckcrl",
                                                    &l->pck_crl_len));
        assert_non_null(l->root_crl = test_read_file(dir, "tdx/go-tdx-guest/rootcrl.der",
                                                     &l->root_crl_len));
    }
    l->c = (tdx_collateral){ l->tcb_info, l->tcb_info_len, l->qe_identity, l->qe_identity_len,
                             l->chain,    l->chain_len,    l->pck_crl,     l->pck_crl_len,
                             l->root_crl, l->root_crl_len, rc->signer_time, NULL,
                             NULL,        0 };
    return 1;
}

static void unload(loaded *l)
{
    free(l->quote);
    free(l->pck_crl);
    free(l->root_crl);
    free(l->tcb_info);
    free(l->qe_identity);
    free(l->chain);
}

/* --- hits ---------------------------------------------------------------------------- */

static void real_quotes_hit_as_full(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *rc = &real_cases[i];
        loaded l;
        if (!load(&l, rc))
            skip();
        tdx_cache *cache = NULL;
        OK(tdx_cache_new(&cache, NULL));
        tdx_verified v;
        int hit;
        OK(both(&v, &hit, S.intel, cache, l.quote, l.len, rc->flags, &l.c, rc->time));
        assert_false(hit);
        assert_int_equal(entries_of(cache), 1);
        OK(both(NULL, &hit, S.intel, cache, l.quote, l.len, rc->flags, &l.c, rc->time));
        assert_true(hit);
        /* an hour later, still inside every validity */
        OK(both(NULL, &hit, S.intel, cache, l.quote, l.len, rc->flags, &l.c, rc->time + 3600));
        assert_true(hit);
        assert_int_equal(entries_of(cache), 1);
        assert_int_equal(hits_of(cache), 2);
        printf("# %s: TCB %s, %s\n", rc->quote, tdx_tcb_status_name(v.tcb_status),
               v.collateral_missing ? "collateral missing" : "collateral complete");
        tdx_cache_free(cache);
        unload(&l);
    }
}

/* A hit skips the endorsement only: each quote's own fields are checked and evaluated. */
static void simulated_hits_evaluate_each_quote(void **state)
{
    (void)state;
    tdx_cache *cache = NULL;
    OK(tdx_cache_new(&cache, NULL));
    tdx_collateral c = sim_collateral();
    tdx_verified v;
    int hit;
    OK(both(&v, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW));
    assert_false(hit);
    assert_int_equal(v.root_kind, TDX_ROOT_CUSTOM);
    assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);
    assert_true(v.pck_crl_checked && v.root_crl_checked);
    OK(both(&v, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW));
    assert_true(hit);
    assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);

    /* the same machine, another quote: new report data */
    static uint8_t q[16384];
    size_t n;
    tdx_sim_body b = S.body;
    memset(b.report_data, 0x5A, 64);
    sim_quote(&b, q, &n);
    OK(both(&v, &hit, S.trust, cache, q, n, 0, &c, NOW));
    assert_true(hit);
    assert_int_equal(v.quote.report_data[0], 0x5A);
    /* a lower TEE_TCB_SVN falls to the collateral's OutOfDate level */
    b = S.body;
    b.tee_tcb_svn[2] = 4;
    sim_quote(&b, q, &n);
    OK(both(&v, &hit, S.trust, cache, q, n, 0, &c, NOW));
    assert_true(hit);
    assert_int_equal(v.tcb_status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(v.advisories.count, 1);
    assert_string_equal(v.advisories.id[0], "INTEL-SA-00001");
    /* TD 1.5: launched under 3,0,5, running an older module now */
    tdx_sim_body_default(&b, 5);
    b.tee_tcb_svn2[2] = 4;
    sim_quote(&b, q, &n);
    OK(both(&v, &hit, S.trust, cache, q, n, 0, &c, NOW));
    assert_true(hit);
    assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);
    assert_int_equal(v.current_tcb_status, TDX_TCB_OUT_OF_DATE);
    /* a TDX module the TCB info does not name */
    b = S.body;
    b.mrsignerseam[0] = 1;
    sim_quote(&b, q, &n);
    assert_int_equal(both(NULL, &hit, S.trust, cache, q, n, 0, &c, NOW), CONFAI_E_TCB_MISMATCH);
    assert_true(hit);
    assert_int_equal(entries_of(cache), 1);
    tdx_cache_free(cache);
}

/* --- misses ------------------------------------------------------------------------------ */

/* Collateral variants that must not share the base collateral's entry. */
typedef enum variant {
    NEW_PCK_CRL, REVOKING_PCK_CRL, NEW_ROOT_CRL, NO_CRLS, EXTRA_CRL, NEW_TCB_INFO, NEW_QE_IDENTITY,
    NO_QE_IDENTITY, EMPTY_QE_IDENTITY, CRLF_CHAIN, SIGNER_TIME, OTHER_PCK_CHAIN,
} variant;

static const struct {
    variant which;
    const char *name;
    confai_status want;
} variants[] = {
    { NEW_PCK_CRL, "a new PCK CRL", CONFAI_OK },
    { REVOKING_PCK_CRL, "a PCK CRL that revokes the PCK", CONFAI_E_CERT_REVOKED },
    { NEW_ROOT_CRL, "a new root CA CRL", CONFAI_OK },
    { NO_CRLS, "no CRLs", CONFAI_OK },
    { EXTRA_CRL, "an extra CRL", CONFAI_OK },
    { NEW_TCB_INFO, "another TCB info", CONFAI_OK },
    { NEW_QE_IDENTITY, "another QE identity", CONFAI_OK },
    { NO_QE_IDENTITY, "no QE identity", CONFAI_OK },
    { EMPTY_QE_IDENTITY, "an empty QE identity", CONFAI_E_COLLATERAL },
    { CRLF_CHAIN, "the signing chain with CR LF line ends", CONFAI_OK },
    { SIGNER_TIME, "a signer time", CONFAI_OK },
    { OTHER_PCK_CHAIN, "another platform's quote", CONFAI_OK },
};

static void changed_inputs_miss(void **state)
{
    (void)state;
    static uint8_t crl[4096];
    static char doc[16384];
    size_t len = 0;
    for (size_t i = 0; i < COUNT(variants); i++) {
        tdx_cache *cache = NULL;
        OK(tdx_cache_new(&cache, NULL));
        tdx_collateral base = sim_collateral(), c = base;
        const uint8_t *q = S.quote;
        size_t qlen = S.quote_len;
        int hit;
        tdx_verified v;
        if (variants[i].which == OTHER_PCK_CHAIN) {
            /* the other platform's CRLs are not this one's */
            base.pck_crl = base.root_crl = NULL;
            c = base;
        }
        OK(both(NULL, &hit, S.trust, cache, q, qlen, 0, &base, NOW));
        OK(both(NULL, &hit, S.trust, cache, q, qlen, 0, &base, NOW));
        assert_true(hit);
        const uint8_t *extra[1] = { S.root_crl };
        size_t extra_len[1] = { S.root_crl_len };
        tdx_sim_collateral other = S.coll;
        switch (variants[i].which) {
        case NEW_PCK_CRL:
        case REVOKING_PCK_CRL:
            assert_int_equal(tdx_sim_crl(S.signer, 0, variants[i].which == REVOKING_PCK_CRL,
                                            PCK_CRL_THIS - 60, PCK_CRL_NEXT, crl, sizeof(crl),
                                            &len),
                             0);
            c.pck_crl = crl;
            c.pck_crl_len = len;
            break;
        case NEW_ROOT_CRL:
            assert_int_equal(tdx_sim_crl(S.signer, 1, 0, NOW - 2 * DAY, NOW + 365 * DAY, crl,
                                            sizeof(crl), &len),
                             0);
            c.root_crl = crl;
            c.root_crl_len = len;
            break;
        case NO_CRLS:
            c.pck_crl = c.root_crl = NULL;
            break;
        case EXTRA_CRL:
            c.extra_crls = extra;
            c.extra_crl_lens = extra_len;
            c.extra_crl_count = 1;
            break;
        case NEW_TCB_INFO:
            other.status = "SWHardeningNeeded";
            assert_int_equal(tdx_sim_tcb_info(S.signer, &other, doc, sizeof(doc), &len), 0);
            c.tcb_info = doc;
            c.tcb_info_len = len;
            break;
        case NEW_QE_IDENTITY:
            other.qe_status = "OutOfDate";
            assert_int_equal(tdx_sim_qe_identity(S.signer, &other, doc, sizeof(doc), &len),
                             0);
            c.qe_identity = doc;
            c.qe_identity_len = len;
            break;
        case NO_QE_IDENTITY:
            c.qe_identity = NULL;
            c.qe_identity_len = 0;
            break;
        case EMPTY_QE_IDENTITY:
            c.qe_identity = "";
            c.qe_identity_len = 0;
            break;
        case CRLF_CHAIN:
            len = 0;
            for (size_t k = 0; k < S.chain_len; k++) {
                if (S.chain[k] == '\n')
                    doc[len++] = '\r';
                doc[len++] = S.chain[k];
            }
            c.signing_chain = doc;
            c.signing_chain_len = len;
            break;
        case SIGNER_TIME:
            c.signer_time = NOW - DAY;
            break;
        case OTHER_PCK_CHAIN:
            q = S.other_quote;
            qlen = S.other_quote_len;
            break;
        }
        confai_status st = both(&v, &hit, S.trust, cache, q, qlen, 0, &c, NOW);
        if (st != variants[i].want || hit)
            fail_msg("%s: %s, %s", variants[i].name, confai_status_name(st),
                     hit ? "a cache hit" : "a miss");
        if (variants[i].which == NEW_TCB_INFO)
            assert_int_equal(v.tcb_status, TDX_TCB_SW_HARDENING_NEEDED);
        if (variants[i].which == NEW_QE_IDENTITY)
            assert_int_equal(v.tcb_status, TDX_TCB_OUT_OF_DATE);
        if (variants[i].which == NO_QE_IDENTITY)
            assert_true(v.collateral_missing);
        assert_int_equal(entries_of(cache), st == CONFAI_OK ? 2 : 1);
        /* the base entry is still there */
        OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &base, NOW));
        assert_true(hit);
        tdx_cache_free(cache);
    }
}

/* An entry holds strictly inside the validity of everything it was verified with. */
static void outside_the_window_misses(void **state)
{
    (void)state;
    tdx_collateral c = sim_collateral();
    tdx_endorsement e;
    tdx_quote q;
    OK(tdx_quote_parse(&q, S.quote, S.quote_len, 0, NULL));
    /* certificates: a year back, five ahead; documents NOW - 1 day .. + 29 days */
    OK(tdx_endorsement_verify(&e, S.trust, q.pck_chain, q.pck_chain_len, &c, NOW, NULL));
    assert_int_equal(e.valid_from, PCK_CRL_THIS);
    assert_int_equal(e.valid_until, PCK_CRL_NEXT);
    tdx_endorsement_clear(&e);
    c.pck_crl = c.root_crl = NULL;
    OK(tdx_endorsement_verify(&e, S.trust, q.pck_chain, q.pck_chain_len, &c, NOW, NULL));
    assert_int_equal(e.valid_from, S.coll.issue_date);
    assert_int_equal(e.valid_until, S.coll.next_update);
    tdx_endorsement_clear(&e);

    static const struct {
        int64_t at;
        int hit;
    } times[] = {
        { NOW, 1 },
        { PCK_CRL_THIS + 1, 1 },
        { PCK_CRL_NEXT - 1, 1 },
        { PCK_CRL_THIS, 0 },         /* the edges go to the full verification */
        { PCK_CRL_NEXT, 0 },         /* (the PCK CRL is stale there) */
        { PCK_CRL_THIS - 1, 0 },     /* CRL not yet valid */
        { NOW + 30 * DAY, 0 },       /* everything stale */
        { NOW - 2 * DAY, 0 },        /* documents not yet issued */
    };
    c = sim_collateral();
    for (size_t i = 0; i < COUNT(times); i++) {
        tdx_cache *cache = NULL;
        OK(tdx_cache_new(&cache, NULL));
        OK(both(NULL, NULL, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW));
        int hit;
        confai_status st = both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c,
                                times[i].at);
        if (hit != times[i].hit)
            fail_msg("at NOW%+lld: %s", (long long)(times[i].at - NOW),
                     hit ? "a cache hit" : "a miss");
        printf("# at NOW%+lld s: %s, %s\n", (long long)(times[i].at - NOW),
               confai_status_name(st), hit ? "hit" : "miss");
        tdx_cache_free(cache);
    }
}

/* One cache for two trusts: an entry is only ever used under the trust it was made under. */
static void trusts_never_cross(void **state)
{
    (void)state;
    tdx_cache *cache = NULL;
    OK(tdx_cache_new(&cache, NULL));
    tdx_collateral c = sim_collateral();
    int hit;
    OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW));
    assert_int_equal(both(NULL, &hit, S.intel, cache, S.quote, S.quote_len, 0, &c, NOW),
                     CONFAI_E_UNKNOWN_ROOT);
    assert_false(hit);
    /* only the other platform's root: the quote's root is unknown there too */
    tdx_trust *other = NULL;
    size_t len;
    OK(tdx_trust_new(&other, NULL));
    const uint8_t *root = tdx_sim_root_der(S.other, &len);
    OK(tdx_trust_add_root(other, root, len, NULL));
    assert_int_equal(both(NULL, &hit, other, cache, S.quote, S.quote_len, 0, &c, NOW),
                     CONFAI_E_UNKNOWN_ROOT);
    assert_false(hit);
    tdx_trust_free(other);
    /* a trust built anew with the same roots is the same trust */
    tdx_trust *same = NULL;
    OK(tdx_trust_new(&same, NULL));
    root = tdx_sim_root_der(S.signer, &len);
    OK(tdx_trust_add_root(same, root, len, NULL));
    root = tdx_sim_root_der(S.other, &len);
    OK(tdx_trust_add_root(same, root, len, NULL));
    OK(both(NULL, &hit, same, cache, S.quote, S.quote_len, 0, &c, NOW));
    assert_true(hit);
    tdx_trust_free(same);
    assert_int_equal(entries_of(cache), 1);

    /* Intel's root: the same real quote under the Intel-only and the custom trust */
    loaded l;
    if (load(&l, &real_cases[0])) {
        OK(both(NULL, &hit, S.intel, cache, l.quote, l.len, 0, &l.c, T_2023_06_20));
        assert_false(hit);
        OK(both(NULL, &hit, S.trust, cache, l.quote, l.len, 0, &l.c, T_2023_06_20));
        assert_false(hit);
        assert_int_equal(entries_of(cache), 3);
        OK(both(NULL, &hit, S.intel, cache, l.quote, l.len, 0, &l.c, T_2023_06_20));
        assert_true(hit);
        unload(&l);
    }
    tdx_cache_free(cache);
}

/* --- failures ---------------------------------------------------------------------- */

static void failures_leave_the_cache_empty(void **state)
{
    (void)state;
    static uint8_t crl[4096], q[16384];
    static char doc[16384];
    size_t len, n;
    tdx_cache *cache = NULL;
    OK(tdx_cache_new(&cache, NULL));
    tdx_collateral c = sim_collateral();
    /* the endorsement fails */
    assert_int_equal(tdx_sim_crl(S.signer, 0, 1, PCK_CRL_THIS, PCK_CRL_NEXT, crl, sizeof(crl),
                                    &len),
                     0);
    c.pck_crl = crl;
    c.pck_crl_len = len;
    assert_int_equal(both(NULL, NULL, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW),
                     CONFAI_E_CERT_REVOKED);
    c = sim_collateral();
    assert_int_equal(both(NULL, NULL, S.trust, cache, S.quote, S.quote_len, 0, &c,
                          NOW + 40 * DAY),
                     CONFAI_E_COLLATERAL);
    assert_int_equal(both(NULL, NULL, S.intel, cache, S.quote, S.quote_len, 0, &c, NOW),
                     CONFAI_E_UNKNOWN_ROOT);
    memcpy(doc, S.tcb_info, S.tcb_info_len);
    char *sig = strstr(doc, "\"signature\":\"") + strlen("\"signature\":\"");
    sig[3] = sig[3] == 'a' ? 'b' : 'a';
    c.tcb_info = doc;
    assert_int_equal(both(NULL, NULL, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW),
                     CONFAI_E_BAD_SIGNATURE);
    /* the endorsement passes, the quote fails: still nothing stored */
    c = sim_collateral();
    memcpy(q, S.quote, S.quote_len);
    q[48 + 136] ^= 0x01; /* MRTD, signed */
    assert_int_equal(both(NULL, NULL, S.trust, cache, q, S.quote_len, 0, &c, NOW),
                     CONFAI_E_BAD_SIGNATURE);
    tdx_sim_body b = S.body;
    b.mrsignerseam[0] = 1;
    sim_quote(&b, q, &n);
    assert_int_equal(both(NULL, NULL, S.trust, cache, q, n, 0, &c, NOW), CONFAI_E_TCB_MISMATCH);
    assert_int_equal(entries_of(cache), 0);
    assert_int_equal(hits_of(cache), 0);
    tdx_cache_free(cache);
}

/*
 * Byte flips over a whole quote with the cache warm: each is rejected with
 * the status and message of the same flip without a cache, and stores
 * nothing. Flips inside the PEM chain change the cache key (they go the full
 * way), so a sample of them does; every other byte is flipped. With a custom
 * root (custom_root set) the sent root certificate only names the trusted
 * copy with the same key, which is the anchor; its PEM is left out there.
 * CONFAI_TDX_FLIP_STRIDE=k flips every k-th byte only (for valgrind runs).
 */
static void flips(const char *name, const tdx_trust *trust, uint8_t *quote, size_t len,
                  uint32_t flags, const tdx_collateral *c, int64_t at, int custom_root)
{
    tdx_cache *cache = NULL;
    OK(tdx_cache_new(&cache, NULL));
    OK(both(NULL, NULL, trust, cache, quote, len, flags, c, at));
    tdx_quote q;
    OK(tdx_quote_parse(&q, quote, len, flags, NULL));
    size_t pem_from = (size_t)(q.pck_chain - quote), pem_to = pem_from + q.pck_chain_len;
    size_t root_from = pem_to, root_to = pem_to;
    if (custom_root) {
        const char *begin = "-----BEGIN CERTIFICATE-----";
        for (size_t i = pem_from; i + strlen(begin) <= pem_to; i++)
            if (memcmp(quote + i, begin, strlen(begin)) == 0)
                root_from = i; /* the last one: the root */
    }
    const char *env = getenv("CONFAI_TDX_FLIP_STRIDE");
    size_t stride = env != NULL && atoi(env) > 0 ? (size_t)atoi(env) : 1;
    size_t tried = 0, hits = hits_of(cache);
    for (size_t at_byte = 0; at_byte < len; at_byte += stride) {
        if ((at_byte >= pem_from && at_byte < pem_to && (at_byte - pem_from) % 7 != 0) ||
            (at_byte >= root_from && at_byte < root_to))
            continue;
        quote[at_byte] ^= 0x01;
        confai_status st = both(NULL, NULL, trust, cache, quote, len, flags, c, at);
        quote[at_byte] ^= 0x01;
        if (st == CONFAI_OK)
            fail_msg("%s: the flip at %zu was accepted", name, at_byte);
        tried++;
    }
    assert_int_equal(entries_of(cache), 1);
    size_t warm = hits_of(cache) - hits;
    printf("# %s: %zu flips rejected as without the cache, %zu of them with a cache hit\n", name,
           tried, warm);
    assert_true(warm > 0);
    tdx_cache_free(cache);
}

static void tampered_quotes_rejected_warm_as_cold(void **state)
{
    (void)state;
    tdx_collateral c = sim_collateral();
    static uint8_t q[16384];
    memcpy(q, S.quote, S.quote_len);
    flips("simulated v4", S.trust, q, S.quote_len, 0, &c, NOW, 1);
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    flips("SPR_E4", S.intel, l.quote, l.len, 0, &l.c, T_2023_06_20, 0);
    unload(&l);
}

/* --- slots and keys ---------------------------------------------------------------------- */

static void oldest_entry_makes_room(void **state)
{
    (void)state;
    static uint8_t crls[9][4096];
    size_t lens[9];
    tdx_cache *cache = NULL;
    OK(tdx_cache_new(&cache, NULL));
    tdx_collateral c[9];
    int hit;
    for (int i = 0; i < 9; i++) {
        /* nine PCK CRLs that differ in their thisUpdate: nine entries */
        assert_int_equal(tdx_sim_crl(S.signer, 0, 0, PCK_CRL_THIS - i, PCK_CRL_NEXT, crls[i],
                                        sizeof(crls[i]), &lens[i]),
                         0);
        c[i] = sim_collateral();
        c[i].pck_crl = crls[i];
        c[i].pck_crl_len = lens[i];
        OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c[i], NOW));
        assert_false(hit);
    }
    assert_int_equal(entries_of(cache), 8);
    OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c[8], NOW));
    assert_true(hit);
    OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c[1], NOW));
    assert_true(hit);
    OK(both(NULL, &hit, S.trust, cache, S.quote, S.quote_len, 0, &c[0], NOW));
    assert_false(hit); /* the first was replaced by the ninth */
    tdx_cache_free(cache);
    tdx_cache_free(NULL);
    assert_int_equal(tdx_cache_new(NULL, NULL), CONFAI_E_ARGUMENT);
}

/* The key tells apart inputs that verify differently, even with equal bytes overall. */
static void keys_tell_inputs_apart(void **state)
{
    (void)state;
    static const uint8_t chain[] = "chain", ab[] = "ab";
    const uint8_t *split[2] = { ab, ab + 1 }, *whole[1] = { ab };
    size_t split_len[2] = { 1, 1 }, whole_len[1] = { 2 };
    uint8_t base[32], id[32];
    tdx_collateral none = { 0 }, c = { 0 };
    OK(tdx_cache_id(base, S.trust, chain, 5, NULL, NULL));
    OK(tdx_cache_id(id, S.trust, chain, 5, &none, NULL));
    assert_memory_equal(id, base, 32); /* no collateral is no collateral */
    OK(tdx_cache_id(id, S.intel, chain, 5, NULL, NULL));
    assert_memory_not_equal(id, base, 32);
    OK(tdx_cache_id(id, S.trust, chain, 4, NULL, NULL));
    assert_memory_not_equal(id, base, 32);
    c.tcb_info = "";
    OK(tdx_cache_id(id, S.trust, chain, 5, &c, NULL));
    assert_memory_not_equal(id, base, 32); /* present but empty is not absent */
    c = none;
    c.pck_crl = ab;
    c.pck_crl_len = 2;
    OK(tdx_cache_id(base, S.trust, chain, 5, &c, NULL));
    c = none;
    c.root_crl = ab;
    c.root_crl_len = 2;
    OK(tdx_cache_id(id, S.trust, chain, 5, &c, NULL));
    assert_memory_not_equal(id, base, 32);
    c = none;
    c.extra_crls = whole;
    c.extra_crl_lens = whole_len;
    c.extra_crl_count = 1;
    OK(tdx_cache_id(base, S.trust, chain, 5, &c, NULL));
    c.extra_crls = split;
    c.extra_crl_lens = split_len;
    c.extra_crl_count = 2;
    OK(tdx_cache_id(id, S.trust, chain, 5, &c, NULL));
    assert_memory_not_equal(id, base, 32);
    c = none;
    c.signer_time = 1;
    OK(tdx_cache_id(id, S.trust, chain, 5, &c, NULL));
    OK(tdx_cache_id(base, S.trust, chain, 5, NULL, NULL));
    assert_memory_not_equal(id, base, 32);
}

/* --- running out of memory ----------------------------------------------------------- */

/*
 * Natively every allocation of the warm path and every 7th of the cold one;
 * every 97th under valgrind (some 30 times slower: valgrind preloads its
 * vgpreload libraries into the program).
 */
static long stride(long native)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload != NULL && strstr(preload, "vgpreload") != NULL ? 97 : native;
}

static tdx_cache *warm_cache;

/* A warm verification: succeeds whole or fails cleanly; the entry stays. */
static confai_status warm_run(void)
{
    tdx_collateral c = sim_collateral();
    tdx_verified v;
    confai_error err = { 0 };
    confai_status st = tdx_verify(&v, S.trust, warm_cache, S.quote, S.quote_len, 0, &c, NOW,
                                  &err);
    if (st != CONFAI_OK) {
        assert_true(err.message[0] != '\0');
        assert_memory_equal(&v, &zero_verified, sizeof(v));
    } else {
        assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);
    }
    assert_int_equal(entries_of(warm_cache), 1);
    return st;
}

/* A cold verification into an empty cache: an entry only when it passed. */
static confai_status cold_run(void)
{
    tdx_collateral c = sim_collateral();
    tdx_verified v;
    tdx_cache *cache = NULL;
    confai_status st = tdx_cache_new(&cache, NULL);
    if (st != CONFAI_OK)
        return st;
    st = tdx_verify(&v, S.trust, cache, S.quote, S.quote_len, 0, &c, NOW, NULL);
    assert_int_equal(entries_of(cache), st == CONFAI_OK ? 1 : 0);
    if (st != CONFAI_OK)
        assert_memory_equal(&v, &zero_verified, sizeof(v));
    tdx_cache_free(cache);
    return st;
}

static void walk(const char *name, confai_status (*run)(void), long step)
{
    alloc_fail_at = -1;
    OK(run());
    long failures = 0;
    for (alloc_fail_at = 0;; alloc_fail_at += step) {
        alloc_fail_count = 0;
        confai_status st = run();
        if (alloc_fail_count <= alloc_fail_at) {
            OK(st);
            break;
        }
        failures += st != CONFAI_OK;
        assert_true(alloc_fail_at < 1000000);
    }
    alloc_fail_at = -1;
    printf("# %s: %ld allocation points, %ld runs failed cleanly (every %ld)\n", name,
           alloc_fail_count, failures, step);
    assert_true(failures > 0);
}

static void out_of_memory_is_clean(void **state)
{
    (void)state;
    OK(tdx_cache_new(&warm_cache, NULL));
    tdx_collateral c = sim_collateral();
    tdx_verified v;
    OK(tdx_verify(&v, S.trust, warm_cache, S.quote, S.quote_len, 0, &c, NOW, NULL));
    walk("warm", warm_run, stride(1));
    walk("cold into an empty cache", cold_run, stride(7));
    tdx_cache_free(warm_cache);
    warm_cache = NULL;
}

int main(void)
{
    if (!alloc_fail_install()) {
        fprintf(stderr, "cannot install the counting allocator\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_quotes_hit_as_full),
        cmocka_unit_test(simulated_hits_evaluate_each_quote),
        cmocka_unit_test(changed_inputs_miss),
        cmocka_unit_test(outside_the_window_misses),
        cmocka_unit_test(trusts_never_cross),
        cmocka_unit_test(failures_leave_the_cache_empty),
        cmocka_unit_test(tampered_quotes_rejected_warm_as_cold),
        cmocka_unit_test(oldest_entry_makes_room),
        cmocka_unit_test(keys_tell_inputs_apart),
        cmocka_unit_test(out_of_memory_is_clean),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

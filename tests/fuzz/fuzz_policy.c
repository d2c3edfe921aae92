/*
 * Fuzz target: policy documents (src/attest/policy*.c) on arbitrary bytes.
 *
 * Input: the policy text.
 *
 * Checked beyond "no crash, no out-of-bounds access": a failure is a
 * documented status and leaves no handle; an accepted policy is consistent:
 * version 1, max_age in range, a section exactly for each listed platform,
 * SNP trust anchors built, sets either a wildcard or non-empty, every
 * accepted product with its TCB minimum, VMPLs within 0..3.
 */
#include <string.h>

#include <confai/confai.h>

#include "attest/policy/policy.h"
#include "fuzz.h"

static void check_set(const policy_set *s)
{
    FUZZ_CHECK(s->any ? s->count == 0 : (s->count >= 1 && s->items != NULL));
}

static void check_snp(const policy_snp *s)
{
    check_set(&s->measurements);
    check_set(&s->host_data);
    check_set(&s->id_key_digests);
    check_set(&s->author_key_digests);
    check_set(&s->chip_ids);
    FUZZ_CHECK(s->products_any || s->products != 0);
    FUZZ_CHECK((s->products & ~0xEu) == 0);
    FUZZ_CHECK(s->vmpls_any || (s->vmpls != 0 && (s->vmpls & ~0xFu) == 0));
    if (!s->min_tcb_any) {
        for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
            int accepted = s->products_any || (s->products & (1u << p)) != 0;
            FUZZ_CHECK(s->min_tcb[p].present == accepted);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = (char *)fuzz_alloc(size);
    if (size > 0)
        memcpy(text, data, size);

    confai_policy *p = (confai_policy *)text;
    confai_status st = confai_policy_new(&p, text, size, NULL);
    if (st == CONFAI_OK) {
        FUZZ_CHECK(p->version == POLICY_VERSION);
        FUZZ_CHECK(p->max_age >= 1 && p->max_age <= POLICY_MAX_AGE_LIMIT);
        FUZZ_CHECK(confai_policy_max_age(p) == p->max_age);
        FUZZ_CHECK(p->platforms != 0);
        FUZZ_CHECK(p->has_snp == ((p->platforms & POLICY_PLATFORM_SEV_SNP) != 0));
        FUZZ_CHECK(p->has_tdx == ((p->platforms & POLICY_PLATFORM_TDX) != 0));
        check_set(&p->manifest);
        if (p->has_snp) {
            FUZZ_CHECK(p->snp_trust != NULL);
            check_snp(&p->snp);
        }
        if (p->has_gpus)
            FUZZ_CHECK(p->gpus.min_count <= p->gpus.max_count);
    } else {
        FUZZ_CHECK(st == CONFAI_E_POLICY_INVALID || st == CONFAI_E_LIMIT ||
                   st == CONFAI_E_NO_MEMORY);
        FUZZ_CHECK(p == NULL);
    }
    confai_policy_free(p);
    free(text);
    return 0;
}

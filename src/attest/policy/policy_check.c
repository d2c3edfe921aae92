/*
 * Comparing verified evidence with a policy (doc/policy.md, "Checks").
 * Each check has its own status so a caller (and a log) can tell exactly
 * which constraint failed; each one that passes, or that the policy
 * relaxed, is recorded by name in the verdict.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attest/policy/policy.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/hex.h"

confai_status policy_check_platform(const confai_policy *policy, unsigned platform,
                                    verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE((policy->platforms & platform) != 0, CONFAI_E_POLICY_PLATFORM,
           "policy: platform %s is not in platforms",
           platform == POLICY_PLATFORM_SEV_SNP ? "sev-snp" : "tdx");
    verdict_note(checks, CHECK_POLICY_PLATFORM, 0);
out:
    return status;
}

/* --- TCB ------------------------------------------------------------------- */

/* The first component of have below want, by name, or NULL. */
static const char *tcb_below(const snp_tcb *have, const policy_tcb *want, int with_fmc,
                             unsigned *have_v, unsigned *want_v)
{
    const struct {
        const char *name;
        uint8_t have, want;
    } parts[] = {
        { "bootloader", have->bootloader, want->bootloader },
        { "tee", have->tee, want->tee },
        { "snp", have->snp, want->snp },
        { "microcode", have->microcode, want->microcode },
        { "fmc", have->fmc, want->fmc },
    };
    size_t n = with_fmc ? 5 : 4;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].have < parts[i].want) {
            *have_v = parts[i].have;
            *want_v = parts[i].want;
            return parts[i].name;
        }
    }
    return NULL;
}

static confai_status check_tcbs(const policy_snp *snp, const snp_report *r,
                                verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const attest_check names[] = { CHECK_POLICY_TCB_REPORTED, CHECK_POLICY_TCB_COMMITTED,
                                          CHECK_POLICY_TCB_LAUNCH };
    if (snp->min_tcb_any) {
        for (size_t i = 0; i < 3; i++)
            verdict_note(checks, names[i], 1);
        goto out;
    }
    /* Parsing made sure every accepted product has its minimum. */
    const policy_snp_tcbs *min = &snp->min_tcb[r->product];
    ENSURE(min->present, CONFAI_E_POLICY_TCB, "policy: no minimum TCB for this product");
    const snp_tcb *have[] = { &r->reported_tcb, &r->committed_tcb, &r->launch_tcb };
    const policy_tcb *want[] = { &min->reported, &min->committed, &min->launch };
    const char *kinds[] = { "reported", "committed", "launch" };
    for (size_t i = 0; i < 3; i++) {
        unsigned hv = 0, wv = 0;
        const char *part = tcb_below(have[i], want[i], r->product == SNP_PRODUCT_TURIN, &hv, &wv);
        ENSURE(part == NULL, CONFAI_E_POLICY_TCB,
               "policy: %s TCB %s is %u, below the minimum %u", kinds[i], part, hv, wv);
        verdict_note(checks, names[i], 0);
    }
out:
    return status;
}

/* CURRENT_TCB, what the platform runs now, next to the three above. */
static confai_status check_current_tcb(const policy_snp *snp, const snp_report *r,
                                       verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (!snp->min_current_tcb_any) {
        /* Parsing made sure every accepted product has its minimum. */
        ENSURE((snp->min_current_tcb_products & (1u << r->product)) != 0, CONFAI_E_POLICY_TCB,
               "policy: no minimum current TCB for this product");
        unsigned hv = 0, wv = 0;
        const char *part = tcb_below(&r->current_tcb, &snp->min_current_tcb[r->product],
                                     r->product == SNP_PRODUCT_TURIN, &hv, &wv);
        ENSURE(part == NULL, CONFAI_E_POLICY_TCB,
               "policy: current TCB %s is %u, below the minimum %u", part, hv, wv);
    }
    verdict_note(checks, CHECK_POLICY_TCB_CURRENT, snp->min_current_tcb_any);
out:
    return status;
}

/* --- guest settings -------------------------------------------------------- */

/* The number of the lowest bit set in v (v != 0). */
static int lowest_bit(uint64_t v)
{
    int n = 0;
    while (v != 0 && (v & 1) == 0) {
        v >>= 1;
        n++;
    }
    return n;
}

static confai_status check_guest(const policy_snp *snp, const snp_report *r,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint64_t unknown = r->policy & ~POLICY_SNP_GUEST_KNOWN;

    ENSURE(unknown == 0, CONFAI_E_POLICY_GUEST,
           "policy: the guest policy 0x%016llx sets bit %d, which the SEV-SNP ABI reserves and "
           "this library does not know, so what the guest allows is unknown",
           (unsigned long long)r->policy, lowest_bit(unknown));
    ENSURE(snp->allow_debug || (r->policy & POLICY_SNP_GUEST_DEBUG) == 0, CONFAI_E_POLICY_DEBUG,
           "policy: the guest policy allows debugging (allow_debug is false)");
    verdict_note(checks, CHECK_POLICY_DEBUG, snp->allow_debug);
    ENSURE(snp->allow_migration_agent || (r->policy & POLICY_SNP_GUEST_MIGRATE_MA) == 0,
           CONFAI_E_POLICY_GUEST,
           "policy: the guest may be bound to a migration agent (allow_migration_agent is false)");
    verdict_note(checks, CHECK_POLICY_MIGRATION_AGENT, snp->allow_migration_agent);
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++) {
        const policy_snp_guest_bit *bit = &policy_snp_guest_bits[i];
        policy_bit_rule rule = snp->guest_bits[i];
        int set = (r->policy & bit->mask) != 0;
        ENSURE(rule != POLICY_BIT_REQUIRED || set, CONFAI_E_POLICY_GUEST,
               "policy: the guest policy's %s bit is clear (guest_policy.%s is \"required\")",
               bit->name, bit->name);
        ENSURE(rule != POLICY_BIT_FORBIDDEN || !set, CONFAI_E_POLICY_GUEST,
               "policy: the guest policy's %s bit is set (guest_policy.%s is \"forbidden\")",
               bit->name, bit->name);
        verdict_note(checks, bit->check, rule == POLICY_BIT_ANY);
    }
    /* The ABI the guest owner demanded of the firmware, compared as (major, minor). */
    unsigned major = POLICY_SNP_GUEST_ABI_MAJOR(r->policy);
    unsigned minor = POLICY_SNP_GUEST_ABI_MINOR(r->policy);
    ENSURE(snp->min_abi_any || (major << 8 | minor) >= (unsigned)(snp->min_abi_major << 8 |
                                                                  snp->min_abi_minor),
           CONFAI_E_POLICY_GUEST, "policy: the guest policy's ABI %u.%u is below %u.%u", major,
           minor, snp->min_abi_major, snp->min_abi_minor);
    verdict_note(checks, CHECK_POLICY_GUEST_ABI, snp->min_abi_any);
    ENSURE(snp->vmpls_any || (r->vmpl < 4 && (snp->vmpls & (1u << r->vmpl)) != 0),
           CONFAI_E_POLICY_VMPL, "policy: VMPL %u is not accepted", r->vmpl);
    verdict_note(checks, CHECK_POLICY_VMPL, snp->vmpls_any);
out:
    return status;
}

/* --- identity ---------------------------------------------------------------- */

static confai_status check_identity(const policy_snp *snp, const snp_report *r,
                                    verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    hex_shown shown;

    ENSURE(policy_set_contains(&snp->host_data, r->host_data), CONFAI_E_POLICY_IDENTITY,
           "policy: host data not accepted (the service reported %s)",
           hex_show(&shown, r->host_data, sizeof(r->host_data)));
    verdict_note(checks, CHECK_POLICY_HOST_DATA, snp->host_data.any);
    ENSURE(r->guest_svn >= snp->min_guest_svn, CONFAI_E_POLICY_IDENTITY,
           "policy: guest SVN %u is below the minimum %u", r->guest_svn, snp->min_guest_svn);
    verdict_note(checks, CHECK_POLICY_GUEST_SVN, 0);
    ENSURE(policy_set_contains(&snp->id_key_digests, r->id_key_digest), CONFAI_E_POLICY_IDENTITY,
           "policy: ID key digest not accepted (the service reported %s)",
           hex_show(&shown, r->id_key_digest, sizeof(r->id_key_digest)));
    verdict_note(checks, CHECK_POLICY_ID_KEY, snp->id_key_digests.any);
    /* A pinned author key must actually have signed the ID block. */
    ENSURE(snp->author_key_digests.any
               || ((r->flags & SNP_FLAG_AUTHOR_KEY_EN) != 0
                   && policy_set_contains(&snp->author_key_digests, r->author_key_digest)),
           CONFAI_E_POLICY_IDENTITY,
           "policy: author key digest not accepted (the service reported %s)",
           (r->flags & SNP_FLAG_AUTHOR_KEY_EN) != 0
               ? hex_show(&shown, r->author_key_digest, sizeof(r->author_key_digest))
               : "none: no author key signed the ID block");
    verdict_note(checks, CHECK_POLICY_AUTHOR_KEY, snp->author_key_digests.any);
    ENSURE(policy_set_contains(&snp->chip_ids, r->chip_id), CONFAI_E_POLICY_CHIP,
           "policy: chip id not in chip_ids (the service reported %s)",
           hex_show(&shown, r->chip_id, sizeof(r->chip_id)));
    verdict_note(checks, CHECK_POLICY_CHIP_ID, snp->chip_ids.any);
out:
    return status;
}

/* --- firmware ---------------------------------------------------------------- */

static int fw_below(uint8_t major, uint8_t minor, uint8_t build, const policy_fw *min)
{
    uint32_t have = (uint32_t)major << 16 | (uint32_t)minor << 8 | build;
    uint32_t want = (uint32_t)min->major << 16 | (uint32_t)min->minor << 8 | min->build;
    return have < want;
}

static confai_status check_firmware(const policy_snp *snp, const snp_report *r,
                                    verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_fw *cur = &snp->min_firmware_current, *com = &snp->min_firmware_committed;

    if (!snp->min_firmware_any) {
        ENSURE(!fw_below(r->current_major, r->current_minor, r->current_build, cur),
               CONFAI_E_POLICY_FIRMWARE, "policy: current firmware %u.%u.%u is below %u.%u.%u",
               r->current_major, r->current_minor, r->current_build, cur->major, cur->minor,
               cur->build);
        ENSURE(!fw_below(r->committed_major, r->committed_minor, r->committed_build, com),
               CONFAI_E_POLICY_FIRMWARE,
               "policy: committed firmware %u.%u.%u is below %u.%u.%u", r->committed_major,
               r->committed_minor, r->committed_build, com->major, com->minor, com->build);
    }
    verdict_note(checks, CHECK_POLICY_FIRMWARE_CURRENT, snp->min_firmware_any);
    verdict_note(checks, CHECK_POLICY_FIRMWARE_COMMITTED, snp->min_firmware_any);
    /* The report's layout version, which the firmware chooses: 2 is the least there is. */
    ENSURE(r->version >= snp->min_report_version, CONFAI_E_POLICY_FIRMWARE,
           "policy: report version %u is below the minimum %u", r->version,
           snp->min_report_version);
    verdict_note(checks, CHECK_POLICY_REPORT_VERSION, 0);
out:
    return status;
}

/* --- the section ------------------------------------------------------------- */

confai_status policy_check_snp(const confai_policy *policy, const snp_verified *verified,
                               verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    hex_shown shown;
    const policy_snp *snp = &policy->snp;
    const snp_report *r = &verified->report;
    const char *product = policy_snp_product_name(r->product);

    ENSURE(policy->has_snp, CONFAI_E_POLICY_PLATFORM, "policy: no sev_snp section");
    /* An unknown product has no TCB numbering to compare: never accepted. */
    ENSURE(product != NULL, CONFAI_E_POLICY_PLATFORM, "policy: the SEV-SNP product is unknown");
    ENSURE(snp->products_any || (snp->products & (1u << r->product)) != 0,
           CONFAI_E_POLICY_PLATFORM, "policy: product %s is not in sev_snp.products", product);
    verdict_note(checks, CHECK_POLICY_PRODUCT, snp->products_any);
    ENSURE(policy_set_contains(&snp->measurements, r->measurement), CONFAI_E_POLICY_MEASUREMENT,
           "policy: measurement not in sev_snp.measurements (the service reported %s)",
           hex_show(&shown, r->measurement, sizeof(r->measurement)));
    verdict_note(checks, CHECK_POLICY_MEASUREMENT, snp->measurements.any);
    GUARD(check_tcbs(snp, r, checks, err));
    GUARD(check_current_tcb(snp, r, checks, err));
    GUARD(check_guest(snp, r, checks, err));
    GUARD(check_identity(snp, r, checks, err));
    GUARD(check_firmware(snp, r, checks, err));
out:
    return status;
}

confai_status policy_check_manifest(const confai_policy *policy, const uint8_t digest[32],
                                    verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    hex_shown shown;
    ENSURE(policy_set_contains(&policy->manifest, digest), CONFAI_E_POLICY_MANIFEST,
           "policy: manifest digest not in manifest.sha256 (the service reported %s)",
           hex_show(&shown, digest, 32));
    verdict_note(checks, CHECK_POLICY_MANIFEST, policy->manifest.any);
out:
    return status;
}

const char *policy_snp_root_subject(const confai_policy *policy, const uint8_t spki_sha256[32])
{
    const policy_ders *roots = &policy->snp.custom_roots;
    for (size_t i = 0; i < roots->count; i++) {
        if (CRYPTO_memcmp(roots->spki_sha256[i], spki_sha256, 32) == 0)
            return roots->subject[i];
    }
    return NULL;
}

/*
 * The public simulated SEV-SNP platform (confai.h, "Gateway side: a
 * simulated SEV-SNP platform"): a Genoa platform of the internal simulator
 * (snp_sim.h) whose certificates name the simulation in their organization,
 * the policy that trusts exactly it, and the evidence bundles it answers
 * attestation requests with.
 *
 * The certificates keep AMD's common names (ARK-Genoa, SEV-Genoa, SEV-VCEK):
 * the verifier reads the product and the key kind from them, exactly as for
 * real hardware. The organization "confai simulated platform (not AMD)"
 * is part of the subject a verdict's custom-root warning quotes.
 *
 * Saved keys are text: the header line SIM_SNP_KEYS_HEADER, then for each of
 * ARK, ASK, ASVK, VCEK, VLEK a line with the role's name followed by its
 * private key as a PKCS#8 PEM block.
 */
#include "sim/snp_sim_api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/policy/policy.h"
#include "server/bundle_write.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "core/rfc3339.h"
#include "sim/snp_sim.h"

#define SIM_PRODUCT SNP_PRODUCT_GENOA
#define SIM_PRODUCT_POLICY_NAME "genoa"
#define MAX_SAVED_KEYS (5 * 16 * 1024)

struct confai_sim_snp {
    snp_sim_keys *keys;
    snp_sim *sim;
    uint8_t measurement[CONFAI_SNP_MEASUREMENT_SIZE];
};

static const char *const role_names[SNP_SIM_ROLES] = { "ARK", "ASK", "ASVK", "VCEK", "VLEK" };

size_t confai_snp_measurement_size(void)
{
    return CONFAI_SNP_MEASUREMENT_SIZE;
}

void confai_sim_snp_free(confai_sim_snp *sim)
{
    if (sim == NULL)
        return;
    snp_sim_free(sim->sim);
    snp_sim_keys_free(sim->keys);
    confai_free_secret(sim, sizeof(*sim));
}

/* --- saved keys ---------------------------------------------------------------- */

/* The length of the line at p (without its '\n'), and where the next starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) {
        *next = end;
        return (size_t)(end - p);
    }
    *next = nl + 1;
    return (size_t)(nl - p);
}

static int line_is(const char *line, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(line, want, len) == 0;
}

/*
 * Splits saved keys (NUL-terminated, len bytes) into the five PEM blocks, in
 * place: each pem[i] points into text, whose line ends become NULs.
 */
static confai_status split_saved_keys(char *text, size_t len, const char *pem[SNP_SIM_ROLES],
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *p = text;
    const char *end = text + len;
    const char *next = NULL;
    size_t n = line_at(p, end, &next);
    ENSURE(line_is(p, n, SIM_SNP_KEYS_HEADER), CONFAI_E_BAD_KEY,
           "simulated SNP keys: the text does not start with \"%s\"", SIM_SNP_KEYS_HEADER);
    p = (char *)next;
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        n = line_at(p, end, &next);
        ENSURE(line_is(p, n, role_names[i]), CONFAI_E_BAD_KEY,
               "simulated SNP keys: expected the line \"%s\"", role_names[i]);
        p = (char *)next;
        pem[i] = p;
        /* the block runs to the end of its "-----END ...-----" line */
        for (;;) {
            ENSURE(p < end, CONFAI_E_BAD_KEY, "simulated SNP keys: the %s key has no END line",
                   role_names[i]);
            n = line_at(p, end, &next);
            int is_end = n >= 9 && memcmp(p, "-----END ", 9) == 0;
            p = (char *)next;
            if (is_end)
                break;
        }
        ENSURE(p > text && p[-1] == '\n', CONFAI_E_BAD_KEY,
               "simulated SNP keys: the %s key's END line is not terminated", role_names[i]);
        if (i + 1 < SNP_SIM_ROLES)
            p[-1] = '\0'; /* ends this block; the next role's line follows */
    }
    ENSURE(p == end, CONFAI_E_BAD_KEY, "simulated SNP keys: %zu bytes after the VLEK key",
           (size_t)(end - p));
out:
    return status;
}

static confai_status import_saved_keys(snp_sim_keys **keys, const char *saved, size_t len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    const char *pem[SNP_SIM_ROLES] = { NULL };
    char *text = NULL;
    ENSURE(len > 0 && len <= MAX_SAVED_KEYS, CONFAI_E_BAD_KEY,
           "simulated SNP keys: %zu bytes of text", len);
    ENSURE(memchr(saved, '\0', len) == NULL, CONFAI_E_BAD_KEY,
           "simulated SNP keys: the text contains a NUL byte");
    text = confai_zalloc(len + 1);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "simulated SNP keys: out of memory");
    memcpy(text, saved, len);
    GUARD(split_saved_keys(text, len, pem, err));
    GUARD(snp_sim_keys_import(keys, pem, err));
out:
    confai_free_secret(text, len + 1);
    return status;
}

confai_status confai_sim_snp_save_keys(const confai_sim_snp *sim, char **text, size_t *text_len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *pem[SNP_SIM_ROLES] = { NULL };
    size_t pem_len[SNP_SIM_ROLES] = { 0 };
    size_t total = strlen(SIM_SNP_KEYS_HEADER) + 1;
    confai_err_clear(err);
    ENSURE_ARG(text != NULL && text_len != NULL, "text");
    *text = NULL;
    *text_len = 0;
    ENSURE_ARG(sim != NULL, "sim");
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        size_t need = 0;
        ENSURE(snp_sim_keys_export(sim->keys, (snp_sim_role)i, NULL, &need, NULL) ==
                       CONFAI_E_BUFFER_TOO_SMALL &&
                   need > 0,
               CONFAI_E_INTERNAL, "simulated SNP keys: sizing the %s key", role_names[i]);
        pem[i] = confai_zalloc(need);
        ENSURE(pem[i] != NULL, CONFAI_E_NO_MEMORY, "simulated SNP keys: out of memory");
        pem_len[i] = need;
        GUARD(snp_sim_keys_export(sim->keys, (snp_sim_role)i, pem[i], &pem_len[i], err));
        total += strlen(role_names[i]) + 1 + pem_len[i];
    }
    char *out = confai_alloc_for_caller(total + 1);
    ENSURE(out != NULL, CONFAI_E_NO_MEMORY, "simulated SNP keys: out of memory");
    size_t at = (size_t)snprintf(out, total + 1, "%s\n", SIM_SNP_KEYS_HEADER);
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        at += (size_t)snprintf(out + at, total + 1 - at, "%s\n", role_names[i]);
        memcpy(out + at, pem[i], pem_len[i]);
        at += pem_len[i];
    }
    out[at] = '\0';
    *text = out;
    *text_len = at;
out:
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        if (pem[i] != NULL)
            confai_free_secret(pem[i], strlen(pem[i]) + 1);
    return status;
}

/* --- the platform -------------------------------------------------------------- */

/* Takes keys (freed on failure too) and issues the certificates. */
static confai_status make_platform(confai_sim_snp **out, snp_sim_keys *keys,
                                   const uint8_t measurement[48], int64_t now,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_sim_snp *sim = confai_zalloc(sizeof(*sim));
    snp_sim_config cfg;
    ENSURE(sim != NULL, CONFAI_E_NO_MEMORY, "simulated SNP platform: out of memory");
    sim->keys = keys;
    keys = NULL;
    memcpy(sim->measurement, measurement, sizeof(sim->measurement));
    if (now == 0)
        now = (int64_t)time(NULL);
    snp_sim_config_default(&cfg, SIM_PRODUCT, now);
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        snprintf(cfg.cert[i].organization, sizeof(cfg.cert[i].organization), "%s",
                 SIM_SNP_ORGANIZATION);
    GUARD(snp_sim_new(&sim->sim, sim->keys, &cfg, err));
    *out = sim;
    sim = NULL;
out:
    snp_sim_keys_free(keys);
    confai_sim_snp_free(sim);
    return status;
}

static int now_valid(int64_t now)
{
    /* the certificates start a day before now and the ARK lasts 25 years */
    return now >= 0 && now <= INT64_C(253402300799) - INT64_C(26) * 366 * 86400;
}

confai_status sim_snp_new_generated(confai_sim_snp **sim, unsigned rsa_bits,
                                    const uint8_t measurement[48], int64_t now,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim_keys *keys = NULL;
    ENSURE_ARG(sim != NULL, "sim");
    *sim = NULL;
    ENSURE_ARG(measurement != NULL, "measurement");
    ENSURE_ARG(now_valid(now), "now");
    GUARD(snp_sim_keys_generate(&keys, rsa_bits, err));
    GUARD(make_platform(sim, keys, measurement, now, err));
out:
    return status;
}

confai_status confai_sim_snp_new(confai_sim_snp **sim, const char *saved_keys,
                                 size_t saved_keys_len, const uint8_t measurement[48],
                                 int64_t now, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim_keys *keys = NULL;
    confai_err_clear(err);
    ENSURE_ARG(sim != NULL, "sim");
    *sim = NULL;
    ENSURE_ARG(measurement != NULL, "measurement");
    ENSURE_ARG(now_valid(now), "now");
    if (saved_keys == NULL) {
        ENSURE_ARG(saved_keys_len == 0, "saved_keys_len without saved_keys");
        GUARD(sim_snp_new_generated(sim, 0, measurement, now, err));
        goto out;
    }
    GUARD(import_saved_keys(&keys, saved_keys, saved_keys_len, err));
    GUARD(make_platform(sim, keys, measurement, now, err));
out:
    return status;
}

/* --- the policy ---------------------------------------------------------------- */

/* Adds name: [hex(data)] to obj; 0 when out of memory. */
static int add_hex_list(cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    if (len > 64)
        return 0;
    hex_encode(text, data, len);
    cJSON *list = cJSON_AddArrayToObject(obj, name);
    cJSON *item = cJSON_CreateString(text);
    if (list == NULL || item == NULL) {
        cJSON_Delete(item);
        return 0;
    }
    return cJSON_AddItemToArray(list, item) ? 1 : 0;
}

static cJSON *tcb_object(uint64_t raw)
{
    snp_tcb t = snp_tcb_decode(raw, SIM_PRODUCT);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddNumberToObject(o, "bootloader", t.bootloader) == NULL ||
        cJSON_AddNumberToObject(o, "tee", t.tee) == NULL ||
        cJSON_AddNumberToObject(o, "snp", t.snp) == NULL ||
        cJSON_AddNumberToObject(o, "microcode", t.microcode) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *firmware_object(uint8_t major, uint8_t minor, uint8_t build)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddNumberToObject(o, "major", major) == NULL ||
        cJSON_AddNumberToObject(o, "minor", minor) == NULL ||
        cJSON_AddNumberToObject(o, "build", build) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/*
 * The guest policy as the report has it: each bit set "required", each
 * clear "forbidden", its ABI as the minimum.
 */
static cJSON *guest_policy_object(uint64_t policy)
{
    cJSON *o = cJSON_CreateObject(), *abi = NULL;
    int ok = o != NULL;
    for (size_t i = 0; ok && i < POLICY_SNP_GUEST_BITS; i++)
        ok = cJSON_AddStringToObject(o, policy_snp_guest_bits[i].name,
                                     (policy & policy_snp_guest_bits[i].mask) != 0
                                         ? "required"
                                         : "forbidden") != NULL;
    ok = ok && (abi = cJSON_AddObjectToObject(o, "min_abi")) != NULL &&
         cJSON_AddNumberToObject(abi, "major", POLICY_SNP_GUEST_ABI_MAJOR(policy)) != NULL &&
         cJSON_AddNumberToObject(abi, "minor", POLICY_SNP_GUEST_ABI_MINOR(policy)) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int add_item(cJSON *obj, const char *name, cJSON *item)
{
    if (item == NULL)
        return 0;
    if (!cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

/* The ARK certificate as PEM text (OPENSSL_free). */
static confai_status ark_pem(char **pem, const confai_sim_snp *sim, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t len = 0;
    const uint8_t *der = snp_sim_cert(sim->sim, SNP_SIM_ARK, &len);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    *pem = NULL;
    OSSL_ENSURE(x != NULL && bio != NULL && PEM_write_bio_X509(bio, x) == 1,
                CONFAI_E_INTERNAL, "writing the simulated ARK as PEM");
    long n = BIO_get_mem_data(bio, &data);
    OSSL_ENSURE(n > 0 && data != NULL, CONFAI_E_INTERNAL, "writing the simulated ARK as PEM");
    *pem = OPENSSL_zalloc((size_t)n + 1);
    ENSURE(*pem != NULL, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
    memcpy(*pem, data, (size_t)n);
out:
    BIO_free(bio);
    X509_free(x);
    return status;
}

/*
 * The sev_snp section: the values of the reports confai_sim_snp_bundle
 * signs (snp_sim_report_template plus the measurement), pinned.
 */
static confai_status add_snp_section(cJSON *doc, const confai_sim_snp *sim, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report r;
    char *pem = NULL;
    uint8_t zeros[48] = { 0 };
    snp_sim_report_template(sim->sim, &r, SNP_KEY_VCEK);
    GUARD(ark_pem(&pem, sim, err));

    /* members in the order of doc/policy.md */
    cJSON *snp = cJSON_AddObjectToObject(doc, "sev_snp");
    cJSON *products = snp != NULL ? cJSON_AddArrayToObject(snp, "products") : NULL;
    cJSON *name = cJSON_CreateString(SIM_PRODUCT_POLICY_NAME);
    int ok = products != NULL && name != NULL && cJSON_AddItemToArray(products, name);
    if (!ok)
        cJSON_Delete(name);
    ok = ok && add_hex_list(snp, "measurements", sim->measurement, 48);
    cJSON *min_tcb = ok ? cJSON_AddObjectToObject(snp, "min_tcb") : NULL;
    cJSON *entry = min_tcb != NULL ? cJSON_AddObjectToObject(min_tcb, SIM_PRODUCT_POLICY_NAME)
                                   : NULL;
    ok = entry != NULL;
    ok = ok && add_item(entry, "reported", tcb_object(r.reported_tcb_raw));
    ok = ok && add_item(entry, "committed", tcb_object(r.committed_tcb_raw));
    ok = ok && add_item(entry, "launch", tcb_object(r.launch_tcb_raw));
    ok = ok && cJSON_AddFalseToObject(snp, "allow_debug") != NULL;
    ok = ok && cJSON_AddFalseToObject(snp, "allow_migration_agent") != NULL;
    if (ok) {
        cJSON *vmpls = cJSON_AddArrayToObject(snp, "vmpls");
        cJSON *vmpl = cJSON_CreateNumber(r.vmpl);
        ok = vmpls != NULL && vmpl != NULL && cJSON_AddItemToArray(vmpls, vmpl);
        if (!ok)
            cJSON_Delete(vmpl);
    }
    ok = ok && add_hex_list(snp, "host_data", r.host_data, 32);
    ok = ok && cJSON_AddNumberToObject(snp, "min_guest_svn", r.guest_svn) != NULL;
    /* no ID block: ID_KEY_DIGEST is zero; no author key, so that check is waived */
    ok = ok && add_hex_list(snp, "id_key_digests", zeros, 48);
    ok = ok && cJSON_AddStringToObject(snp, "author_key_digests", "*") != NULL;
    ok = ok && add_hex_list(snp, "chip_ids", r.chip_id, 64);
    if (ok) {
        cJSON *fw = cJSON_AddObjectToObject(snp, "min_firmware");
        ok = fw != NULL &&
             add_item(fw, "current",
                      firmware_object(r.current_major, r.current_minor, r.current_build)) &&
             add_item(fw, "committed",
                      firmware_object(r.committed_major, r.committed_minor, r.committed_build));
    }
    ok = ok && cJSON_AddNumberToObject(snp, "min_report_version", r.version) != NULL;
    ok = ok && add_item(snp, "guest_policy", guest_policy_object(r.policy));
    if (ok) {
        cJSON *current = cJSON_AddObjectToObject(snp, "min_current_tcb");
        ok = current != NULL &&
             add_item(current, SIM_PRODUCT_POLICY_NAME, tcb_object(r.current_tcb_raw));
    }
    if (ok) {
        cJSON *roots = cJSON_AddArrayToObject(snp, "custom_roots");
        cJSON *root = cJSON_CreateString(pem);
        ok = roots != NULL && root != NULL && cJSON_AddItemToArray(roots, root);
        if (!ok)
            cJSON_Delete(root);
    }
    ENSURE(ok, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
out:
    OPENSSL_free(pem);
    return status;
}

confai_status confai_sim_snp_policy_json(const confai_sim_snp *sim, char **json, size_t *json_len,
                                         const uint8_t *manifest, size_t manifest_len,
                                         int64_t max_age, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *doc = NULL;
    char *text = NULL;
    uint8_t digest[32];
    unsigned int digest_len = 0;
    confai_err_clear(err);
    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(sim != NULL, "sim");
    ENSURE_ARG(manifest != NULL || manifest_len == 0, "manifest");
    ENSURE(max_age > 0 && max_age <= 31536000, CONFAI_E_ARGUMENT,
           "invalid argument: max_age %lld is not 1 to 31536000 seconds", (long long)max_age);
    OSSL_ENSURE(EVP_Digest(manifest_len > 0 ? manifest : (const uint8_t *)"", manifest_len,
                           digest, &digest_len, EVP_sha256(), NULL) == 1,
                CONFAI_E_INTERNAL, "SHA-256 of the manifest");

    doc = cJSON_CreateObject();
    ENSURE(doc != NULL, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
    int ok = cJSON_AddNumberToObject(doc, "version", 1) != NULL;
    cJSON *platforms = ok ? cJSON_AddArrayToObject(doc, "platforms") : NULL;
    cJSON *platform = cJSON_CreateString("sev-snp");
    ok = platforms != NULL && platform != NULL && cJSON_AddItemToArray(platforms, platform);
    if (!ok)
        cJSON_Delete(platform);
    ok = ok && cJSON_AddNumberToObject(doc, "max_age", (double)max_age) != NULL;
    cJSON *m = ok ? cJSON_AddObjectToObject(doc, "manifest") : NULL;
    ok = ok && m != NULL && add_hex_list(m, "sha256", digest, 32);
    ENSURE(ok, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
    GUARD(add_snp_section(doc, sim, err));

    text = cJSON_Print(doc);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
    size_t n = strlen(text);
    char *out = confai_alloc_for_caller(n + 2);
    ENSURE(out != NULL, CONFAI_E_NO_MEMORY, "simulated SNP policy: out of memory");
    memcpy(out, text, n);
    out[n] = '\n';
    out[n + 1] = '\0';
    *json = out;
    *json_len = n + 1;
out:
    cJSON_free(text);
    cJSON_Delete(doc);
    return status;
}

/* --- evidence ------------------------------------------------------------------ */

confai_status confai_sim_snp_bundle(const confai_sim_snp *sim, char **json, size_t *json_len,
                                    const uint8_t nonce[32], const uint8_t *key_config,
                                    size_t key_config_len, const uint8_t *manifest,
                                    size_t manifest_len, const char *not_after,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report fields;
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    confai_err_clear(err);
    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(sim != NULL, "sim");
    ENSURE_ARG(nonce != NULL, "nonce");
    ENSURE_ARG(key_config != NULL && key_config_len > 0, "key_config");
    ENSURE_ARG(manifest != NULL || manifest_len == 0, "manifest");
    ENSURE_ARG(not_after != NULL, "not_after");

    snp_sim_report_template(sim->sim, &fields, SNP_KEY_VCEK);
    memcpy(fields.measurement, sim->measurement, sizeof(fields.measurement));
    GUARD(confai_binding_report_data(fields.report_data, nonce, key_config, key_config_len,
                                     manifest != NULL ? manifest : (const uint8_t *)"",
                                     manifest_len, not_after, err));
    GUARD(snp_sim_sign_report(sim->sim, report, &fields, SNP_KEY_VCEK, err));
    snp_sim_chain(sim->sim, SNP_KEY_VCEK, certs, lens);
    bundle_snp_parts parts = { nonce,  key_config,    key_config_len, manifest, manifest_len,
                               not_after, report, sizeof(report), certs, lens, 3 };
    GUARD(bundle_write_snp(json, json_len, &parts, err));
out:
    return status;
}

confai_status sim_snp_report(const confai_sim_snp *sim, uint8_t report[1184],
                             const uint8_t report_data[64], const uint8_t *certs[3],
                             size_t cert_lens[3], confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report fields;
    ENSURE_ARG(sim != NULL && report != NULL && report_data != NULL, "sim report");
    snp_sim_report_template(sim->sim, &fields, SNP_KEY_VCEK);
    memcpy(fields.measurement, sim->measurement, sizeof(fields.measurement));
    memcpy(fields.report_data, report_data, sizeof(fields.report_data));
    GUARD(snp_sim_sign_report(sim->sim, report, &fields, SNP_KEY_VCEK, err));
    snp_sim_chain(sim->sim, SNP_KEY_VCEK, certs, cert_lens);
out:
    return status;
}

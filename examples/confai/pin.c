/*
 * confai policy pin [EVIDENCE]: verifies evidence (signature, chain,
 * binding) and prints a policy (doc/policy.md) that accepts exactly its
 * measurements, identities, TCB and firmware: trust on first use. The
 * chain must end in a vendor root; one that ends in another self-signed
 * root is pinned as a custom root, with a loud warning. The printed policy
 * is parsed back with confai_policy_new before it is printed.
 *
 * The evidence is verified by the library (confai_evidence_verify_snp,
 * _tdx, _gpu) against an open policy that waives every check a policy can
 * waive; the pinned values are read from what the verdict proved
 * (confai_evidence_verdict_json). A bundle is taken apart with cJSON and
 * its parts verified the same way, with its key binding as the report data
 * and the GPU nonce.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "evidence.h"

static const char pin_usage_head[] =
    "usage: confai policy pin [--max-age SECONDS] [--at TIME] [--nonce HEX] BUNDLE\n"
    "       confai policy pin [--max-age SECONDS] [--at TIME] [--report-data HEX]\n"
    "                         [--snp-report FILE --certs FILE [--certs FILE...]]\n"
    "                         [--tdx-quote FILE [--collateral DIR]]\n"
    "                         [--gpu-evidence FILE --gpu-certs FILE --gpu-nonce HEX...]\n"
    "\n"
    "Verifies the evidence and prints a policy that accepts exactly its\n"
    "measurements, identities, TCB and firmware. This is trust on first use:\n"
    "the policy is only as good as the machine the evidence came from, so\n"
    "compare it with reference values before relying on it.\n"
    "\n"
    "  --max-age SECONDS           the policy's max_age (default 3600)\n";

static const char pin_usage_tail[] =
    "\n"
    "GPU evidence is pinned together with CPU evidence (a policy names a CPU\n"
    "platform). Raw evidence has no manifest: its policy accepts any manifest.\n"
    "Several GPUs: one --gpu-evidence group each; the policy's gpus section\n"
    "then asks for exactly that many (min_count = max_count), accepts every\n"
    "GPU's measurements and pins every GPU's own root on first use. The same\n"
    "GPU given twice is refused (CONFAI_E_GPU_DUPLICATE).\n"
    "\n"
    "Exit: 0 printed, 1 the evidence does not verify, 2 usage, 3 unreadable\n"
    "      input, 5 internal.\n";

static void usage(FILE *out)
{
    fputs(pin_usage_head, out);
    fputs(cli_evidence_help, out);
    fputs(pin_usage_tail, out);
}

/* Building the JSON: every helper returns 0 when memory ran out. */

static const cJSON *get(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static const char *get_str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(get(o, name));
}

static double get_num(const cJSON *o, const char *name)
{
    const cJSON *n = get(o, name);
    return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static int get_bool(const cJSON *o, const char *name)
{
    return cJSON_IsTrue(get(o, name));
}

static int add(cJSON *o, const char *name, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToObject(o, name, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

/* A list of one string (NULL: the verdict lacks it, a failure). */
static int str_list(cJSON *o, const char *name, const char *value)
{
    const char *one[1] = { value };
    return value != NULL && add(o, name, cJSON_CreateStringArray(one, 1));
}

static int wildcard(cJSON *o, const char *name)
{
    return cJSON_AddStringToObject(o, name, "*") != NULL;
}

static int add_pem_root(cJSON *o, const char *name, const char *pem)
{
    return pem == NULL || str_list(o, name, pem);
}

static void tofu_warning(const char *vendor, const char *pem)
{
    fprintf(stderr,
            "confai: WARNING: the chain does NOT end in %s's root. Its self-signed root "
            "is pinned as a custom root: only a test or simulated platform should be "
            "trusted this way.\n%s",
            vendor, pem);
}

/* --- verifying against the open policy ---------------------------------------------- */

/*
 * Accepts any evidence the platform verifiers accept: what it proves is
 * read from the verdict. "devtools" lets GPU measurements be a wildcard;
 * Revoked and NotSupported TDX statuses are never accepted.
 */
static const char open_policy_json[] =
    "{\"version\": 1, \"platforms\": [\"sev-snp\", \"tdx\"], \"max_age\": 3600,"
    " \"manifest\": {\"sha256\": \"*\"},"
    " \"sev_snp\": {\"products\": \"*\", \"measurements\": \"*\", \"min_tcb\": \"*\","
    "  \"allow_debug\": true, \"allow_migration_agent\": true,"
    "  \"vmpls\": \"*\", \"host_data\": \"*\", \"min_guest_svn\": 0,"
    "  \"id_key_digests\": \"*\", \"author_key_digests\": \"*\", \"chip_ids\": \"*\","
    "  \"min_firmware\": \"*\", \"min_report_version\": 2,"
    "  \"guest_policy\": {\"smt\": \"*\", \"single_socket\": \"*\", \"cxl_allow\": \"*\","
    "   \"mem_aes_256_xts\": \"*\", \"rapl_dis\": \"*\", \"ciphertext_hiding_dram\": \"*\","
    "   \"page_swap_disable\": \"*\", \"min_abi\": \"*\"},"
    "  \"min_current_tcb\": \"*\"},"
    " \"tdx\": {\"tcb_statuses\": [\"UpToDate\", \"SWHardeningNeeded\", \"ConfigurationNeeded\","
    "  \"ConfigurationAndSWHardeningNeeded\", \"OutOfDate\", \"OutOfDateConfigurationNeeded\"],"
    "  \"min_tcb_evaluation_data_number\": 0, \"max_collateral_age\": \"*\","
    "  \"require_crls\": false, \"mrtd\": \"*\", \"rtmrs\": \"*\", \"mrseam\": \"*\","
    "  \"min_tee_tcb_svn\": \"*\", \"allow_debug\": true, \"td_attributes\": \"*\","
    "  \"xfam\": \"*\", \"mr_config_id\": \"*\", \"mr_owner\": \"*\", \"mr_owner_config\": \"*\"},"
    " \"gpus\": {\"min_count\": 0, \"max_count\": 16, \"cc_mode\": \"devtools\","
    "  \"measurements\": \"*\", \"driver_versions\": \"*\", \"vbios_versions\": \"*\"}}";

#define PIN_MAX_GPU_ROOTS 16

/*
 * The self-signed roots found on first use, pinned as custom roots (PEM).
 * GPUs may each have their own (every simulated GPU is its own PKI).
 */
typedef struct pin_roots {
    char *snp, *tdx;
    char *gpu[PIN_MAX_GPU_ROOTS];
    size_t gpu_count;
} pin_roots;

/* The GPU roots as the policy's "custom_roots" list; 1 when there are none. */
static int add_gpu_roots(cJSON *g, const pin_roots *roots)
{
    if (roots->gpu_count == 0)
        return 1;
    cJSON *list = cJSON_AddArrayToObject(g, "custom_roots");
    for (size_t i = 0; list != NULL && i < roots->gpu_count; i++) {
        cJSON *item = cJSON_CreateString(roots->gpu[i]);
        if (item == NULL || !cJSON_AddItemToArray(list, item))
            return 0;
    }
    return list != NULL;
}

static confai_status open_policy(confai_policy **policy, const pin_roots *roots,
                                 confai_error *err)
{
    cJSON *p = cJSON_Parse(open_policy_json);
    char *text = NULL;
    confai_status st = CONFAI_E_NO_MEMORY;
    *policy = NULL;
    if (p != NULL && add_pem_root(cJSON_GetObjectItem(p, "sev_snp"), "custom_roots", roots->snp) &&
        add_pem_root(cJSON_GetObjectItem(p, "tdx"), "custom_roots", roots->tdx) &&
        add_gpu_roots(cJSON_GetObjectItem(p, "gpus"), roots) &&
        (text = cJSON_PrintUnformatted(p)) != NULL)
        st = confai_policy_new(policy, text, strlen(text), err);
    else
        snprintf(err->message, sizeof(err->message), "out of memory");
    cJSON_free(text);
    cJSON_Delete(p);
    return st;
}

typedef enum pin_platform { PIN_SNP, PIN_TDX, PIN_GPU } pin_platform;

/* Runs the platform's verifier; gpu is the GPU to verify when which is PIN_GPU. */
static confai_status run_verifier(confai_evidence_verdict **v, pin_platform which,
                                  const confai_policy *policy, const cli_evidence *ev,
                                  const cli_gpu *gpu, confai_error *err)
{
    const uint8_t *certs[CLI_MAX_CERTS];
    const uint8_t *report_data = ev->has_report_data ? ev->report_data : NULL;
    const cli_ders *c = which == PIN_GPU ? &gpu->certs : &ev->snp_certs;
    for (size_t i = 0; i < c->count; i++)
        certs[i] = c->der[i];
    if (which == PIN_SNP)
        return confai_evidence_verify_snp(v, policy, ev->snp_report.data, ev->snp_report.len,
                                          certs, c->len, c->count, report_data, ev->at, err);
    if (which == PIN_GPU)
        return confai_evidence_verify_gpu(v, policy, gpu->evidence.data, gpu->evidence.len,
                                          certs, c->len, c->count, gpu->nonce, ev->at, err);
    confai_tdx_collateral coll;
    memset(&coll, 0, sizeof(coll));
    coll.version = CONFAI_TDX_COLLATERAL_VERSION;
    coll.tcb_info = (const char *)ev->tcb_info.data;
    coll.tcb_info_len = ev->tcb_info.len;
    coll.qe_identity = (const char *)ev->qe_identity.data;
    coll.qe_identity_len = ev->qe_identity.len;
    coll.tcb_signing_chain = (const char *)ev->tcb_chain.data;
    coll.tcb_signing_chain_len = ev->tcb_chain.len;
    coll.pck_crl = ev->pck_crl.data;
    coll.pck_crl_len = ev->pck_crl.len;
    coll.root_crl = ev->root_crl.data;
    coll.root_crl_len = ev->root_crl.len;
    return confai_evidence_verify_tdx(v, policy, ev->tdx_quote.data, ev->tdx_quote.len, &coll,
                                      report_data, ev->at, err);
}

/*
 * The last certificate of the chain, when it is self-signed, as PEM; NULL
 * otherwise. A TDX quote carries its PCK chain as PEM in its certification
 * data, after the signature: read from its first certificate on.
 */
static char *self_signed_root(pin_platform which, const cli_evidence *ev, const cli_gpu *gpu)
{
    cli_ders chain = { 0 };
    const cli_ders *c = which == PIN_SNP ? &ev->snp_certs : which == PIN_GPU ? &gpu->certs : NULL;
    char *pem = NULL;
    if (which == PIN_TDX) {
        static const char begin[] = "-----BEGIN CERTIFICATE-----";
        const uint8_t *q = ev->tdx_quote.data;
        size_t n = ev->tdx_quote.len, at = 0;
        while (at + sizeof(begin) - 1 <= n && memcmp(q + at, begin, sizeof(begin) - 1) != 0)
            at++;
        if (at + sizeof(begin) - 1 > n || !cli_pem_certs((const char *)q + at, n - at, &chain))
            return NULL;
        c = &chain;
    }
    if (c->count > 0 && cli_der_self_signed(c->der[c->count - 1], c->len[c->count - 1]))
        pem = cli_der_to_pem(c->der[c->count - 1], c->len[c->count - 1]);
    cli_ders_free(&chain);
    return pem;
}

/*
 * Verifies one platform's evidence with the vendor's roots or, on first
 * use, its chain's own self-signed root, and returns what the verdict
 * proved (*out, a cJSON object).
 */
static confai_status verify_open(cJSON **out, pin_platform which, pin_roots *roots,
                                 const cli_evidence *ev, const cli_gpu *gpu, confai_error *err)
{
    static const char *const vendors[] = { "AMD", "Intel", "NVIDIA" };
    char *gpu_root = NULL;
    char **root = which == PIN_SNP ? &roots->snp : which == PIN_TDX ? &roots->tdx : &gpu_root;
    confai_evidence_verdict *v = NULL;
    confai_policy *policy = NULL;
    char *json = NULL;
    confai_status st = open_policy(&policy, roots, err);

    *out = NULL;
    if (st == CONFAI_OK)
        st = run_verifier(&v, which, policy, ev, gpu, err);
    if (st == CONFAI_E_UNKNOWN_ROOT && *root == NULL &&
        (which != PIN_GPU || roots->gpu_count < PIN_MAX_GPU_ROOTS) &&
        (*root = self_signed_root(which, ev, gpu)) != NULL) {
        if (which == PIN_GPU) /* one more GPU PKI, next to the others */
            roots->gpu[roots->gpu_count++] = gpu_root;
        confai_policy_free(policy);
        st = open_policy(&policy, roots, err);
        if (st == CONFAI_OK)
            st = run_verifier(&v, which, policy, ev, gpu, err);
        if (st == CONFAI_OK)
            tofu_warning(vendors[which], *root);
    }
    if (st == CONFAI_OK)
        st = confai_evidence_verdict_json(v, &json, NULL, err);
    if (st == CONFAI_OK && (*out = cJSON_Parse(json)) == NULL) {
        st = CONFAI_E_NO_MEMORY;
        snprintf(err->message, sizeof(err->message), "out of memory");
    }
    confai_free(json);
    confai_evidence_verdict_free(v);
    confai_policy_free(policy);
    return st;
}

/* --- SEV-SNP ----------------------------------------------------------------------- */

static int add_tcb(cJSON *o, const char *name, const cJSON *t)
{
    static const char *const parts[] = { "bootloader", "tee", "snp", "microcode", "fmc" };
    cJSON *x = cJSON_AddObjectToObject(o, name);
    int ok = x != NULL && cJSON_IsObject(t);
    for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
        if (cJSON_IsNumber(get(t, parts[i])) || i < 4) /* fmc: Turin only */
            ok = cJSON_AddNumberToObject(x, parts[i], get_num(t, parts[i])) != NULL;
    return ok;
}

/* "1.55.0" as {"major", "minor", "build"}. */
static int add_fw(cJSON *o, const char *name, const char *version)
{
    unsigned major, minor, build;
    cJSON *x = cJSON_AddObjectToObject(o, name);
    return x != NULL && version != NULL &&
           sscanf(version, "%u.%u.%u", &major, &minor, &build) == 3 &&
           cJSON_AddNumberToObject(x, "major", major) &&
           cJSON_AddNumberToObject(x, "minor", minor) &&
           cJSON_AddNumberToObject(x, "build", build);
}

/*
 * The guest policy ("0x30000") bit by bit as the report has it: each set
 * bit "required", each clear one "forbidden", its ABI as the minimum.
 */
static int add_guest_policy(cJSON *o, const char *raw)
{
    static const struct {
        const char *name;
        unsigned bit;
    } bits[] = { { "smt", 16 },      { "single_socket", 20 },          { "cxl_allow", 21 },
                 { "mem_aes_256_xts", 22 }, { "rapl_dis", 23 }, { "ciphertext_hiding_dram", 24 },
                 { "page_swap_disable", 25 } };
    unsigned long long policy;
    cJSON *g = cJSON_AddObjectToObject(o, "guest_policy"), *abi;
    int ok = g != NULL && raw != NULL && sscanf(raw, "0x%llx", &policy) == 1;
    for (size_t i = 0; ok && i < sizeof(bits) / sizeof(bits[0]); i++)
        ok = cJSON_AddStringToObject(g, bits[i].name,
                                     (policy >> bits[i].bit & 1) ? "required" : "forbidden") != NULL;
    return ok && (abi = cJSON_AddObjectToObject(g, "min_abi")) != NULL &&
           cJSON_AddNumberToObject(abi, "major", (double)(policy >> 8 & 0xff)) &&
           cJSON_AddNumberToObject(abi, "minor", (double)(policy & 0xff));
}

static int snp_section(cJSON *policy, const cJSON *v, const char *root_pem)
{
    const cJSON *r = get(v, "report");
    const cJSON *tcb = get(r, "tcb"), *fw = get(r, "firmware");
    const char *product = get_str(v, "product");
    cJSON *s = cJSON_AddObjectToObject(policy, "sev_snp");
    cJSON *min_tcb, *per, *min_fw, *vmpls, *min_current;

    if (s == NULL || product == NULL)
        return 0;
    int ok = str_list(s, "products", product) &&
             str_list(s, "measurements", get_str(r, "measurement")) &&
             (min_tcb = cJSON_AddObjectToObject(s, "min_tcb")) != NULL &&
             (per = cJSON_AddObjectToObject(min_tcb, product)) != NULL &&
             add_tcb(per, "reported", get(tcb, "reported")) &&
             add_tcb(per, "committed", get(tcb, "committed")) &&
             add_tcb(per, "launch", get(tcb, "launch")) &&
             cJSON_AddBoolToObject(s, "allow_debug", get_bool(get(r, "guest_policy"), "debug")) &&
             cJSON_AddBoolToObject(s, "allow_migration_agent",
                                   get_bool(get(r, "guest_policy"), "migration_agent")) &&
             (vmpls = cJSON_AddArrayToObject(s, "vmpls")) != NULL;
    if (ok) {
        cJSON *n = cJSON_CreateNumber(get_num(r, "vmpl"));
        ok = n != NULL && cJSON_AddItemToArray(vmpls, n);
        if (!ok)
            cJSON_Delete(n);
    }
    ok = ok && str_list(s, "host_data", get_str(r, "host_data")) &&
         cJSON_AddNumberToObject(s, "min_guest_svn", get_num(r, "guest_svn")) &&
         str_list(s, "id_key_digests", get_str(r, "id_key_digest"));
    /* An author key digest is only checked when the report says one signed. */
    if (get_bool(get(r, "flags"), "author_key_en"))
        ok = ok && str_list(s, "author_key_digests", get_str(r, "author_key_digest"));
    else
        ok = ok && wildcard(s, "author_key_digests");
    ok = ok && str_list(s, "chip_ids", get_str(r, "chip_id")) &&
         (min_fw = cJSON_AddObjectToObject(s, "min_firmware")) != NULL &&
         add_fw(min_fw, "current", get_str(fw, "current")) &&
         add_fw(min_fw, "committed", get_str(fw, "committed")) &&
         cJSON_IsNumber(get(r, "version")) &&
         cJSON_AddNumberToObject(s, "min_report_version", get_num(r, "version")) &&
         add_guest_policy(s, get_str(get(r, "guest_policy"), "raw")) &&
         (min_current = cJSON_AddObjectToObject(s, "min_current_tcb")) != NULL &&
         add_tcb(min_current, product, get(tcb, "current")) &&
         add_pem_root(s, "custom_roots", root_pem);
    return ok;
}

/* --- TDX --------------------------------------------------------------------------- */

/* "0x10000000" (a 64-bit field) as its 8 little-endian bytes in hex, listed. */
static int le_hex_list(cJSON *o, const char *name, const char *text)
{
    unsigned long long v;
    char hex[17];
    if (text == NULL || sscanf(text, "0x%llx", &v) != 1)
        return 0;
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)((v >> (8 * i)) & 0xff));
    return str_list(o, name, hex);
}

static int tdx_section(cJSON *policy, const cJSON *v, const char *root_pem)
{
    const cJSON *q = get(v, "quote"), *rtmr = get(q, "rtmrs");
    cJSON *t = cJSON_AddObjectToObject(policy, "tdx");
    cJSON *rtmrs;
    int ok = t != NULL && str_list(t, "mrtd", get_str(q, "mrtd")) &&
             cJSON_GetArraySize(rtmr) == 4 &&
             (rtmrs = cJSON_AddArrayToObject(t, "rtmrs")) != NULL;
    for (int i = 0; ok && i < 4; i++) {
        const char *one[1] = { cJSON_GetStringValue(cJSON_GetArrayItem(rtmr, i)) };
        cJSON *list = one[0] != NULL ? cJSON_CreateStringArray(one, 1) : NULL;
        ok = list != NULL && cJSON_AddItemToArray(rtmrs, list);
        if (!ok)
            cJSON_Delete(list);
    }
    return ok && str_list(t, "mrseam", get_str(q, "mrseam")) &&
           str_list(t, "mr_config_id", get_str(q, "mrconfigid")) &&
           str_list(t, "mr_owner", get_str(q, "mrowner")) &&
           str_list(t, "mr_owner_config", get_str(q, "mrownerconfig")) &&
           le_hex_list(t, "td_attributes", get_str(get(q, "td_attributes"), "raw")) &&
           le_hex_list(t, "xfam", get_str(q, "xfam")) &&
           cJSON_AddBoolToObject(t, "allow_debug", get_bool(get(q, "td_attributes"), "debug")) &&
           get_str(q, "tee_tcb_svn") != NULL &&
           cJSON_AddStringToObject(t, "min_tee_tcb_svn", get_str(q, "tee_tcb_svn")) &&
           cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number",
                                   get_num(v, "tcb_evaluation_data_number")) &&
           wildcard(t, "max_collateral_age") &&
           cJSON_AddBoolToObject(t, "require_crls",
                                 get_bool(v, "pck_crl_checked") && get_bool(v, "root_crl_checked")) &&
           /* the open policy accepted it, so it is a status a policy may list */
           str_list(t, "tcb_statuses", get_str(v, "tcb_status")) &&
           add_pem_root(t, "custom_roots", root_pem);
}

/* --- GPUs ---------------------------------------------------------------------------- */

#define PIN_MAX_ALTERNATIVES 4

/*
 * What the GPUs proved: every GPU's measurements are accepted (an
 * {"index", "accept"} list, as the policy writes it); all must measure the
 * same indices and run the same driver and VBIOS.
 */
typedef struct gpu_pins {
    size_t count;
    cJSON *measurements;
    char driver[64];
    char vbios[32];
} gpu_pins;

static cJSON *find_index(const cJSON *list, double index)
{
    cJSON *m;
    cJSON_ArrayForEach(m, list)
        if (get_num(m, "index") == index)
            return m;
    return NULL;
}

/* Adds one GPU's measurements (NVIDIA's index, as the verdict gives it). */
static confai_status add_blocks(gpu_pins *pins, const cJSON *blocks, confai_error *err)
{
    const cJSON *b;
    if (pins->measurements == NULL && (pins->measurements = cJSON_CreateArray()) == NULL)
        return CONFAI_E_NO_MEMORY;
    cJSON_ArrayForEach(b, blocks) {
        double index = get_num(b, "index");
        const char *value = get_str(b, "value");
        cJSON *m = find_index(pins->measurements, index), *accept, *known;
        int seen = 0;
        if (value == NULL)
            return CONFAI_E_INTERNAL;
        if (m == NULL) {
            if (pins->count > 0) {
                snprintf(err->message, sizeof(err->message),
                         "the GPUs measure different indices (%.0f)", index);
                return CONFAI_E_POLICY_MEASUREMENT;
            }
            if ((m = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(pins->measurements, m)) {
                cJSON_Delete(m);
                return CONFAI_E_NO_MEMORY;
            }
            if (cJSON_AddNumberToObject(m, "index", index) == NULL ||
                cJSON_AddArrayToObject(m, "accept") == NULL)
                return CONFAI_E_NO_MEMORY;
        }
        accept = cJSON_GetObjectItemCaseSensitive(m, "accept");
        cJSON_ArrayForEach(known, accept)
            seen |= strcmp(known->valuestring, value) == 0;
        if (seen)
            continue;
        if (cJSON_GetArraySize(accept) >= PIN_MAX_ALTERNATIVES) {
            snprintf(err->message, sizeof(err->message),
                     "more than %d values for measurement %.0f", PIN_MAX_ALTERNATIVES, index);
            return CONFAI_E_LIMIT;
        }
        cJSON *s = cJSON_CreateString(value);
        if (s == NULL || !cJSON_AddItemToArray(accept, s)) {
            cJSON_Delete(s);
            return CONFAI_E_NO_MEMORY;
        }
    }
    return CONFAI_OK;
}

/* One GPU's evidence; every GPU must show the same driver and VBIOS. */
static confai_status pin_gpu(gpu_pins *pins, pin_roots *roots, const cli_evidence *ev,
                             const cli_gpu *gpu, confai_error *err)
{
    cJSON *v = NULL;
    if (pins->count >= CLI_MAX_GPUS) {
        snprintf(err->message, sizeof(err->message), "more than %d GPUs", CLI_MAX_GPUS);
        return CONFAI_E_LIMIT;
    }
    confai_status st = verify_open(&v, PIN_GPU, roots, ev, gpu, err);
    const cJSON *e = get(v, "evidence");
    const char *driver = get_str(e, "driver_version"), *vbios = get_str(e, "vbios_version");
    if (st == CONFAI_OK)
        st = add_blocks(pins, get(e, "measurements"), err);
    if (st == CONFAI_OK) {
        driver = driver != NULL ? driver : "";
        vbios = vbios != NULL ? vbios : "";
        if (pins->count == 0) {
            snprintf(pins->driver, sizeof(pins->driver), "%s", driver);
            snprintf(pins->vbios, sizeof(pins->vbios), "%s", vbios);
        } else if (strcmp(pins->driver, driver) != 0 || strcmp(pins->vbios, vbios) != 0) {
            st = CONFAI_E_POLICY_GPU_VERSION;
            snprintf(err->message, sizeof(err->message),
                     "the GPUs run different driver or VBIOS versions");
        }
        pins->count++;
    }
    cJSON_Delete(v);
    return st;
}

/*
 * One GPU counts once: the GPUs pinned, verified together by the library
 * against the open policy with every root found, so that the same GPU
 * given twice is refused as in a bundle (CONFAI_E_GPU_DUPLICATE).
 */
static confai_status check_gpus_distinct(const pin_roots *roots, const cli_gpu *gpus,
                                         size_t count, int64_t at, confai_error *err)
{
    const uint8_t *certs[CLI_MAX_GPUS][CLI_MAX_CERTS];
    confai_gpu_evidence in[CLI_MAX_GPUS];
    confai_evidence_verdict *v = NULL;
    confai_policy *policy = NULL;
    if (count == 0)
        return CONFAI_OK;
    for (size_t g = 0; g < count && g < CLI_MAX_GPUS; g++) {
        for (size_t i = 0; i < gpus[g].certs.count; i++)
            certs[g][i] = gpus[g].certs.der[i];
        in[g] = (confai_gpu_evidence){ gpus[g].evidence.data, gpus[g].evidence.len, certs[g],
                                       gpus[g].certs.len, gpus[g].certs.count, gpus[g].nonce };
    }
    confai_status st = open_policy(&policy, roots, err);
    if (st == CONFAI_OK)
        st = confai_evidence_verify_gpus(&v, policy, in, count, at, err);
    confai_evidence_verdict_free(v);
    confai_policy_free(policy);
    return st;
}

static int gpu_section(cJSON *policy, gpu_pins *pins, const pin_roots *roots)
{
    cJSON *g = cJSON_AddObjectToObject(policy, "gpus");
    int ok = g != NULL && cJSON_AddNumberToObject(g, "min_count", (double)pins->count) &&
             cJSON_AddNumberToObject(g, "max_count", (double)pins->count) &&
             cJSON_AddStringToObject(g, "cc_mode", "on") &&
             cJSON_AddItemToObject(g, "measurements", pins->measurements);
    if (ok)
        pins->measurements = NULL; /* the policy holds it now */
    return ok &&
           (pins->driver[0] != '\0' ? str_list(g, "driver_versions", pins->driver)
                                    : wildcard(g, "driver_versions")) &&
           (pins->vbios[0] != '\0' ? str_list(g, "vbios_versions", pins->vbios)
                                   : wildcard(g, "vbios_versions")) &&
           add_gpu_roots(g, roots);
}

/* --- bundles ------------------------------------------------------------------------- */

/* A base64 member of a bundle object; 0 when absent or not base64. */
static int member_blob(cli_blob *out, const cJSON *o, const char *name)
{
    const char *text = get_str(o, name);
    return text != NULL && cli_base64_decode(text, strlen(text), out) > 0;
}

static int member_certs(cli_ders *out, const cJSON *o)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, get(o, "certs")) {
        cli_blob der = { 0 };
        const char *text = cJSON_GetStringValue(c);
        if (out->count >= CLI_MAX_CERTS || text == NULL ||
            cli_base64_decode(text, strlen(text), &der) <= 0)
            return 0;
        out->der[out->count] = der.data;
        out->len[out->count++] = der.len;
    }
    return 1;
}

static confai_status malformed(confai_error *err, const char *what)
{
    snprintf(err->message, sizeof(err->message), "bundle: %s", what);
    return CONFAI_E_MALFORMED;
}

/*
 * A bundle's CPU part as raw evidence (its members decoded), with its key
 * binding as the report data and GPU nonce. The bundle has passed the
 * library's strict parser (confai_evidence_describe) before.
 */
static confai_status bundle_to_evidence(cli_evidence *out, uint8_t nonce[32], uint8_t manifest[32],
                                        uint8_t gpu_nonce[32], const cJSON *b,
                                        const cli_evidence *ev, confai_error *err)
{
    cli_blob n = { 0 }, kc = { 0 }, m = { 0 };
    const cJSON *cpu = get(b, "cpu"), *coll = get(cpu, "collateral");
    const char *type = get_str(cpu, "type"), *not_after = get_str(b, "not_after");
    unsigned int dlen = 0;
    confai_status st = CONFAI_OK;

    memset(out, 0, sizeof(*out));
    out->at = ev->at;
    out->has_report_data = 1;
    if (!member_blob(&n, b, "nonce") || n.len != 32 || !member_blob(&kc, b, "key_config") ||
        not_after == NULL || type == NULL)
        st = malformed(err, "nonce, key_config, not_after or cpu.type");
    if (st == CONFAI_OK && get(b, "manifest") != NULL && !member_blob(&m, b, "manifest"))
        st = malformed(err, "manifest");
    if (st == CONFAI_OK) {
        memcpy(nonce, n.data, 32);
        st = confai_binding_report_data(out->report_data, nonce, kc.data, kc.len, m.data, m.len,
                                        not_after, err);
    }
    if (st == CONFAI_OK)
        st = confai_binding_gpu_nonce(gpu_nonce, nonce, kc.data, kc.len, m.data, m.len,
                                      not_after, err);
    if (st == CONFAI_OK && EVP_Digest(m.len ? m.data : (const uint8_t *)"", m.len, manifest,
                                      &dlen, EVP_sha256(), NULL) != 1)
        st = CONFAI_E_INTERNAL;
    if (st == CONFAI_OK && strcmp(type, "sev-snp") == 0) {
        if (!member_blob(&out->snp_report, cpu, "report") || !member_certs(&out->snp_certs, cpu))
            st = malformed(err, "cpu.report or cpu.certs");
    } else if (st == CONFAI_OK) {
        /* an absent collateral member stays empty, which the verifier reads as absent */
        cli_blob crl = { 0 };
        if (!member_blob(&out->tdx_quote, cpu, "quote") ||
            (get(coll, "tcb_info") && !member_blob(&out->tcb_info, coll, "tcb_info")) ||
            (get(coll, "qe_identity") && !member_blob(&out->qe_identity, coll, "qe_identity")) ||
            (get(coll, "tcb_info_issuer_chain") &&
             !member_blob(&out->tcb_chain, coll, "tcb_info_issuer_chain")) ||
            (get(coll, "root_ca_crl") && !member_blob(&out->root_crl, coll, "root_ca_crl")) ||
            (get(coll, "pck_crl") && !member_blob(&crl, coll, "pck_crl")))
            st = malformed(err, "cpu.quote or cpu.collateral");
        else if (crl.data != NULL && cli_crl_der(crl.data, crl.len, &out->pck_crl) <= 0)
            st = malformed(err, "cpu.collateral.pck_crl");
        cli_blob_free(&crl);
    }
    cli_blob_free(&n);
    cli_blob_free(&kc);
    cli_blob_free(&m);
    return st;
}

/* --- the subcommand ------------------------------------------------------------------ */

typedef struct pin_state {
    cJSON *snp, *tdx; /* what the CPU evidence proved */
    gpu_pins gpus;
    pin_roots roots;
    int has_manifest;
    uint8_t manifest[32];
} pin_state;

static confai_status pin_cpu(pin_state *s, const cli_evidence *ev, confai_error *err)
{
    confai_status st = CONFAI_OK;
    if (ev->snp_report.data != NULL)
        st = verify_open(&s->snp, PIN_SNP, &s->roots, ev, NULL, err);
    if (st == CONFAI_OK && ev->tdx_quote.data != NULL) {
        st = verify_open(&s->tdx, PIN_TDX, &s->roots, ev, NULL, err);
        if (st == CONFAI_E_COLLATERAL && ev->tcb_info.len == 0)
            fprintf(stderr, "confai: policy pin: the TCB status is unknown without collateral: "
                            "give --collateral with the TCB info and QE identity for this "
                            "platform\n");
    }
    return st;
}

/* A bundle's own strict parse, through the library's description of it. */
static confai_status check_bundle(const cli_blob *bundle, confai_error *err)
{
    char *json = NULL;
    size_t len = 0;
    confai_status st = confai_evidence_describe(&json, &len, CONFAI_EVIDENCE_BUNDLE,
                                                bundle->data, bundle->len, err);
    if (st != CONFAI_OK)
        return st;
    cJSON *d = cJSON_ParseWithLength(json, len);
    const char *strict = get_str(d, "strict_parse");
    if (d == NULL) {
        st = CONFAI_E_NO_MEMORY;
        snprintf(err->message, sizeof(err->message), "out of memory");
    } else if (strict != NULL) {
        st = malformed(err, strict);
    }
    cJSON_Delete(d);
    confai_free(json);
    return st;
}

static confai_status pin_bundle(pin_state *s, const cli_evidence *ev, confai_error *err)
{
    cli_evidence part;
    cli_gpu gpus[CLI_MAX_GPUS];
    size_t gpu_count = 0;
    uint8_t gpu_nonce[32];
    uint8_t nonce[32];
    cJSON *b = NULL;
    const cJSON *g;
    confai_status st = check_bundle(&ev->bundle, err);

    memset(&part, 0, sizeof(part));
    memset(gpus, 0, sizeof(gpus));
    if (st == CONFAI_OK &&
        (b = cJSON_ParseWithLength((const char *)ev->bundle.data, ev->bundle.len)) == NULL)
        st = malformed(err, "not JSON");
    if (st == CONFAI_OK)
        st = bundle_to_evidence(&part, nonce, s->manifest, gpu_nonce, b, ev, err);
    if (st == CONFAI_OK && ev->has_nonce && memcmp(ev->nonce, nonce, 32) != 0) {
        st = CONFAI_E_NONCE_MISMATCH;
        snprintf(err->message, sizeof(err->message), "the bundle answers another nonce");
    }
    if (st == CONFAI_OK && !ev->has_nonce)
        fprintf(stderr, "confai: policy pin: no --nonce: the evidence is not shown to be "
                        "fresh\n");
    if (st == CONFAI_OK)
        st = pin_cpu(s, &part, err);
    cJSON_ArrayForEach(g, get(b, "gpus")) {
        if (st != CONFAI_OK)
            break;
        if (gpu_count >= CLI_MAX_GPUS) {
            snprintf(err->message, sizeof(err->message), "more than %d GPUs", CLI_MAX_GPUS);
            st = CONFAI_E_LIMIT;
            break;
        }
        cli_gpu *gpu = &gpus[gpu_count++];
        memcpy(gpu->nonce, gpu_nonce, sizeof(gpu->nonce));
        if (!member_blob(&gpu->evidence, g, "evidence") || !member_certs(&gpu->certs, g))
            st = malformed(err, "gpus[].evidence or gpus[].certs");
        else
            st = pin_gpu(&s->gpus, &s->roots, &part, gpu, err);
    }
    if (st == CONFAI_OK)
        st = check_gpus_distinct(&s->roots, gpus, gpu_count, part.at, err);
    s->has_manifest = st == CONFAI_OK;
    for (size_t i = 0; i < gpu_count; i++) {
        cli_blob_free(&gpus[i].evidence);
        cli_ders_free(&gpus[i].certs);
    }
    cli_evidence_free(&part);
    cJSON_Delete(b);
    return st;
}

static cJSON *build_policy(pin_state *s, int64_t max_age, confai_error *err)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *platforms, *manifest;
    char *digest = NULL;
    int ok = p != NULL && cJSON_AddNumberToObject(p, "version", 1) &&
             (platforms = cJSON_AddArrayToObject(p, "platforms")) != NULL;
    if (ok && s->snp != NULL) {
        cJSON *x = cJSON_CreateString("sev-snp");
        ok = x != NULL && cJSON_AddItemToArray(platforms, x);
    }
    if (ok && s->tdx != NULL) {
        cJSON *x = cJSON_CreateString("tdx");
        ok = x != NULL && cJSON_AddItemToArray(platforms, x);
    }
    ok = ok && cJSON_AddNumberToObject(p, "max_age", (double)max_age) &&
         (manifest = cJSON_AddObjectToObject(p, "manifest")) != NULL &&
         (s->has_manifest ? (digest = cli_hex(s->manifest, 32)) != NULL &&
                                str_list(manifest, "sha256", digest)
                          : wildcard(manifest, "sha256"));
    free(digest);
    ok = ok && (s->snp == NULL || snp_section(p, s->snp, s->roots.snp));
    ok = ok && (s->tdx == NULL || tdx_section(p, s->tdx, s->roots.tdx));
    ok = ok && (s->gpus.count == 0 || gpu_section(p, &s->gpus, &s->roots));
    if (!ok) {
        cJSON_Delete(p);
        err->status = CONFAI_E_NO_MEMORY;
        snprintf(err->message, sizeof(err->message), "out of memory");
        return NULL;
    }
    return p;
}

static int pin(const cli_evidence_args *args, const cli_evidence *ev, int64_t max_age)
{
    pin_state s;
    confai_error err = { 0 };
    confai_status st;
    int rc = CLI_OK;

    memset(&s, 0, sizeof(s));
    if (args->bundle != NULL) {
        st = pin_bundle(&s, ev, &err);
    } else {
        st = pin_cpu(&s, ev, &err);
        for (size_t g = 0; st == CONFAI_OK && g < ev->gpu_count; g++)
            st = pin_gpu(&s.gpus, &s.roots, ev, &ev->gpus[g], &err);
        if (st == CONFAI_OK)
            st = check_gpus_distinct(&s.roots, ev->gpus, ev->gpu_count, ev->at, &err);
    }
    if (st == CONFAI_OK && s.snp == NULL && s.tdx == NULL) {
        st = CONFAI_E_UNSUPPORTED;
        snprintf(err.message, sizeof(err.message), "no CPU evidence to pin");
    }
    cJSON *policy = NULL;
    if (st == CONFAI_OK && (policy = build_policy(&s, max_age, &err)) == NULL)
        st = err.status != CONFAI_OK ? err.status : CONFAI_E_NO_MEMORY;
    if (st != CONFAI_OK) {
        err.status = st;
        rc = cli_fail_status("policy pin: rejected", &err);
    } else {
        char *text = cJSON_Print(policy);
        confai_policy *check = NULL;
        if (text == NULL) {
            cli_error("policy pin", "out of memory");
            rc = CLI_INTERNAL;
        } else if (confai_policy_new(&check, text, strlen(text), &err) != CONFAI_OK) {
            cli_fail_status("policy pin: the pinned policy does not parse", &err);
            rc = CLI_INTERNAL;
        } else {
            fprintf(stderr, "confai: policy pin: WARNING: trust on first use: this policy "
                            "accepts exactly the evidence given, whatever it proves; compare "
                            "its values with reference values before relying on it\n");
            if (!s.has_manifest)
                fprintf(stderr, "confai: policy pin: raw evidence has no manifest: the "
                                "policy accepts any manifest (\"sha256\": \"*\")\n");
            rc = cli_print_line(text);
        }
        confai_policy_free(check);
        cJSON_free(text);
    }
    cJSON_Delete(policy);
    cJSON_Delete(s.snp);
    cJSON_Delete(s.tdx);
    cJSON_Delete(s.gpus.measurements);
    free(s.roots.snp);
    free(s.roots.tdx);
    for (size_t i = 0; i < s.roots.gpu_count; i++)
        free(s.roots.gpu[i]);
    return rc;
}

static int cli_policy_pin(int argc, char **argv)
{
    cli_evidence_args args;
    const char *max_age_text = NULL;
    int64_t max_age = 3600;
    cli_evidence ev;
    int rc;

    memset(&args, 0, sizeof(args));
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        }
        if ((r = cli_option(argc, argv, &i, "--max-age", &max_age_text)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            char *end = NULL;
            long long v = strtoll(max_age_text, &end, 10);
            if (end == max_age_text || *end != '\0' || v < 1 || v > 31536000) {
                cli_error("usage", "--max-age: expected seconds from 1 to 31536000");
                return CLI_USAGE;
            }
            max_age = v;
            continue;
        }
        r = cli_evidence_option(&args, argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r == 0) {
            cli_error("usage", "policy pin: unknown option %s", argv[i]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if ((rc = cli_evidence_check(&args)) != CLI_OK)
        return rc;
    if (args.bundle == NULL && args.snp_report == NULL && args.tdx_quote == NULL) {
        cli_error("usage", "policy pin: GPU evidence is pinned together with CPU evidence");
        return CLI_USAGE;
    }
    rc = cli_evidence_load(&ev, &args);
    if (rc == CLI_OK)
        rc = pin(&args, &ev, max_age);
    cli_evidence_free(&ev);
    return rc;
}

int cli_policy(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "pin") == 0)
        return cli_policy_pin(argc - 1, argv + 1);
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs("usage: confai policy pin [OPTIONS] EVIDENCE   (confai policy pin --help)\n",
              stdout);
        return CLI_OK;
    }
    cli_error("usage", "policy: the only subcommand is 'pin'");
    return CLI_USAGE;
}

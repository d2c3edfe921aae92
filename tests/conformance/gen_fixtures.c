/*
 * Writes the conformance fixtures (tests/conformance/README.md): evidence
 * bundles and policies of a simulated SEV-SNP platform, sealed OHTTP
 * requests and responses, and manifest.json, which lists every case with the
 * status each language's runner must get.
 *
 *   gen_fixtures <tests/conformance folder>
 *
 * Everything happens at a fixed time with fixed keys: the platform's keys are
 * the test keys of tests/common/snp_sim_test_keys.h, the gateway's HPKE key,
 * the clients' ephemeral keys and the response nonces are derived from fixed
 * seeds. Sealed messages therefore come out byte for byte the same on every
 * run; bundles differ only in their ECDSA and RSA-PSS signature bytes, which
 * OpenSSL randomizes, never in what a runner must conclude.
 *
 * The generator links the internal build to reach the simulator and the
 * test hooks that fix the random inputs; the runners use the public API.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/policy/policy.h"
#include "server/bundle_write.h"
#include "core/hex.h"
#include "core/rfc3339.h"
#include "crypto/hpke_test.h"
#include "sim/snp_sim.h"
#include "seal/ohttp_test.h"
#include "snp_sim_test_keys.h"

#define GEN_NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define GEN_LEASE 3600
#define GEN_MAX_AGE 600
#define GATEWAY_KEY_ID 1

static const char *out_dir;
static cJSON *cases;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_fixtures: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(confai_status st, const confai_error *err, const char *what)
{
    if (st != CONFAI_OK)
        die("%s: %s: %s", what, confai_status_name(st), err != NULL ? err->message : "");
}
#define CHECK(call, what)                                                                    \
    do {                                                                                     \
        confai_error err_;                                                                   \
        memset(&err_, 0, sizeof(err_));                                                      \
        check((call), &err_, (what));                                                        \
    } while (0)

static void make_dir(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", out_dir, rel);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die("mkdir %s: %s", path, strerror(errno));
}

/* Writes a fixture file; rel is relative to the conformance folder. */
static void write_file(const char *rel, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", out_dir, rel);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        die("open %s: %s", path, strerror(errno));
    if (len > 0 && fwrite(data, 1, len, f) != len)
        die("write %s", path);
    if (fclose(f) != 0)
        die("close %s", path);
}

static void write_text(const char *rel, const char *text)
{
    write_file(rel, text, strlen(text));
}

static char *hex_string(const uint8_t *data, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s == NULL)
        die("out of memory");
    hex_encode(s, data, len);
    return s;
}

/* --- the manifest -------------------------------------------------------------- */

/* Adds a case; files is a NULL-terminated list of role, path pairs. */
static cJSON *add_case(const char *name, const char *kind, const char *description,
                       const char *expected, ...)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "kind", kind);
    cJSON_AddStringToObject(c, "description", description);
    cJSON *files = cJSON_AddObjectToObject(c, "files");
    va_list ap;
    va_start(ap, expected);
    for (;;) {
        const char *role = va_arg(ap, const char *);
        if (role == NULL)
            break;
        const char *path = va_arg(ap, const char *);
        cJSON_AddStringToObject(files, role, path);
    }
    va_end(ap);
    cJSON_AddNullToObject(c, "verify_time");
    cJSON_AddNullToObject(c, "nonce");
    cJSON_AddItemToObject(c, "flags", cJSON_CreateArray());
    cJSON_AddStringToObject(c, "expected", expected);
    cJSON_AddItemToArray(cases, c);
    return c;
}

static void set_verify(cJSON *c, int64_t verify_time, const uint8_t nonce[32])
{
    cJSON_ReplaceItemInObject(c, "verify_time", cJSON_CreateNumber((double)verify_time));
    char *hex = hex_string(nonce, 32);
    cJSON_ReplaceItemInObject(c, "nonce", cJSON_CreateString(hex));
    free(hex);
}

static void add_flag(cJSON *c, const char *flag)
{
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(c, "flags"),
                         cJSON_CreateString(flag));
}

/* --- the simulated platform and its bundles ------------------------------------- */

typedef struct platform {
    snp_sim_keys *keys;
    snp_sim *sim;
} platform;

static void platform_new(platform *p, const char *const pem[SNP_SIM_ROLES])
{
    CHECK(snp_sim_keys_import(&p->keys, pem, &err_), "import the simulator keys");
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, GEN_NOW);
    CHECK(snp_sim_new(&p->sim, p->keys, &cfg, &err_), "make the simulated platform");
}

static void platform_free(platform *p)
{
    snp_sim_free(p->sim);
    snp_sim_keys_free(p->keys);
}

/* What goes into one bundle. */
typedef struct evidence {
    uint8_t nonce[32];
    const uint8_t *key_config;
    size_t key_config_len;
    char manifest[128];
    char not_after[RFC3339_LEN + 1];
    snp_report fields;
} evidence;

static void evidence_default(evidence *e, const platform *p, const uint8_t *key_config,
                             size_t key_config_len)
{
    memset(e, 0, sizeof(*e));
    for (int i = 0; i < 32; i++)
        e->nonce[i] = (uint8_t)(0xA0 + i);
    e->key_config = key_config;
    e->key_config_len = key_config_len;
    strcpy(e->manifest, "{\"model\":\"confai-demo\",\"image\":\"sha256:0123\"}");
    if (!rfc3339_format(e->not_after, GEN_NOW + GEN_LEASE))
        die("format not_after");
    snp_sim_report_template(p->sim, &e->fields, SNP_KEY_VCEK);
    memset(e->fields.measurement, 0x11, sizeof(e->fields.measurement));
    memset(e->fields.host_data, 0x22, sizeof(e->fields.host_data));
    memset(e->fields.id_key_digest, 0x33, sizeof(e->fields.id_key_digest));
    memset(e->fields.author_key_digest, 0x44, sizeof(e->fields.author_key_digest));
    e->fields.flags |= SNP_FLAG_AUTHOR_KEY_EN;
    e->fields.guest_svn = 3;
}

/* Binds the report to the evidence's parts. */
static void evidence_bind(evidence *e)
{
    binding_inputs in = { e->nonce,
                          32,
                          e->key_config,
                          e->key_config_len,
                          (const uint8_t *)e->manifest,
                          strlen(e->manifest),
                          e->not_after,
                          strlen(e->not_after) };
    CHECK(binding_report_data(e->fields.report_data, &in, &err_), "binding");
}

/* Signs the report with signer's VCEK; the bundle carries chain's chain. */
static char *bundle_json(const evidence *e, const uint8_t report[SNP_REPORT_SIZE],
                         const platform *chain)
{
    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(chain->sim, SNP_KEY_VCEK, certs, lens);
    bundle_snp_parts parts = { e->nonce,
                               e->key_config,
                               e->key_config_len,
                               (const uint8_t *)e->manifest,
                               strlen(e->manifest),
                               e->not_after,
                               report,
                               SNP_REPORT_SIZE,
                               certs,
                               lens,
                               3 };
    char *json = NULL;
    size_t len = 0;
    CHECK(bundle_write_snp(&json, &len, &parts, &err_), "write the bundle");
    return json;
}

static void sign(const platform *signer, const evidence *e, uint8_t report[SNP_REPORT_SIZE])
{
    CHECK(snp_sim_sign_report(signer->sim, report, &e->fields, SNP_KEY_VCEK, &err_),
          "sign the report");
}

static void write_bundle(const char *rel, char *json)
{
    write_text(rel, json);
    confai_free(json);
}

/* --- policies ------------------------------------------------------------------ */

static char *cert_pem(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    if (x == NULL || bio == NULL || PEM_write_bio_X509(bio, x) != 1)
        die("PEM of the ARK");
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = calloc(1, (size_t)n + 1);
    if (pem == NULL)
        die("out of memory");
    memcpy(pem, data, (size_t)n);
    BIO_free(bio);
    X509_free(x);
    return pem;
}

static cJSON *hex_list(const uint8_t *data, size_t len)
{
    cJSON *arr = cJSON_CreateArray();
    char *hex = hex_string(data, len);
    cJSON_AddItemToArray(arr, cJSON_CreateString(hex));
    free(hex);
    return arr;
}

static cJSON *tcb_json(const snp_tcb *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "bootloader", t->bootloader);
    cJSON_AddNumberToObject(o, "tee", t->tee);
    cJSON_AddNumberToObject(o, "snp", t->snp);
    cJSON_AddNumberToObject(o, "microcode", t->microcode);
    return o;
}

static cJSON *fw_json(uint8_t major, uint8_t minor, uint8_t build)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "major", major);
    cJSON_AddNumberToObject(o, "minor", minor);
    cJSON_AddNumberToObject(o, "build", build);
    return o;
}

/* A policy that pins every value of e's report on a Genoa, and the ARK. */
static cJSON *policy_doc(const evidence *e, const platform *p)
{
    const snp_report *r = &e->fields;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON *platforms = cJSON_AddArrayToObject(doc, "platforms");
    cJSON_AddItemToArray(platforms, cJSON_CreateString("sev-snp"));
    cJSON_AddNumberToObject(doc, "max_age", GEN_MAX_AGE);
    uint8_t md[32];
    unsigned int md_len = 0;
    if (EVP_Digest(e->manifest, strlen(e->manifest), md, &md_len, EVP_sha256(), NULL) != 1)
        die("SHA-256");
    cJSON *manifest = cJSON_AddObjectToObject(doc, "manifest");
    cJSON_AddItemToObject(manifest, "sha256", hex_list(md, 32));

    cJSON *snp = cJSON_AddObjectToObject(doc, "sev_snp");
    cJSON *products = cJSON_AddArrayToObject(snp, "products");
    cJSON_AddItemToArray(products, cJSON_CreateString("genoa"));
    cJSON_AddItemToObject(snp, "measurements", hex_list(r->measurement, 48));
    cJSON *min_tcb = cJSON_AddObjectToObject(snp, "min_tcb");
    cJSON *entry = cJSON_AddObjectToObject(min_tcb, "genoa");
    cJSON_AddItemToObject(entry, "reported", tcb_json(&r->reported_tcb));
    cJSON_AddItemToObject(entry, "committed", tcb_json(&r->committed_tcb));
    cJSON_AddItemToObject(entry, "launch", tcb_json(&r->launch_tcb));
    cJSON_AddFalseToObject(snp, "allow_debug");
    cJSON_AddFalseToObject(snp, "allow_migration_agent");
    cJSON *vmpls = cJSON_AddArrayToObject(snp, "vmpls");
    cJSON_AddItemToArray(vmpls, cJSON_CreateNumber(r->vmpl));
    cJSON_AddItemToObject(snp, "host_data", hex_list(r->host_data, 32));
    cJSON_AddNumberToObject(snp, "min_guest_svn", r->guest_svn);
    cJSON_AddItemToObject(snp, "id_key_digests", hex_list(r->id_key_digest, 48));
    cJSON_AddItemToObject(snp, "author_key_digests", hex_list(r->author_key_digest, 48));
    cJSON_AddItemToObject(snp, "chip_ids", hex_list(r->chip_id, 64));
    cJSON *fw = cJSON_AddObjectToObject(snp, "min_firmware");
    cJSON_AddItemToObject(fw, "current",
                          fw_json(r->current_major, r->current_minor, r->current_build));
    cJSON_AddItemToObject(fw, "committed",
                          fw_json(r->committed_major, r->committed_minor, r->committed_build));
    cJSON_AddNumberToObject(snp, "min_report_version", r->version);
    cJSON *gp = cJSON_AddObjectToObject(snp, "guest_policy");
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++)
        cJSON_AddStringToObject(gp, policy_snp_guest_bits[i].name,
                                (r->policy & policy_snp_guest_bits[i].mask) != 0 ? "required"
                                                                                 : "forbidden");
    cJSON *abi = cJSON_AddObjectToObject(gp, "min_abi");
    cJSON_AddNumberToObject(abi, "major", POLICY_SNP_GUEST_ABI_MAJOR(r->policy));
    cJSON_AddNumberToObject(abi, "minor", POLICY_SNP_GUEST_ABI_MINOR(r->policy));
    snp_tcb current = snp_tcb_decode(r->current_tcb_raw, SNP_PRODUCT_GENOA);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(snp, "min_current_tcb"), "genoa",
                          tcb_json(&current));
    size_t len = 0;
    const uint8_t *ark = snp_sim_cert(p->sim, SNP_SIM_ARK, &len);
    char *pem = cert_pem(ark, len);
    cJSON *roots = cJSON_AddArrayToObject(snp, "custom_roots");
    cJSON_AddItemToArray(roots, cJSON_CreateString(pem));
    free(pem);
    return doc;
}

static void write_policy(const char *rel, cJSON *doc)
{
    char *text = cJSON_Print(doc);
    if (text == NULL)
        die("print a policy");
    size_t n = strlen(text);
    char *with_nl = malloc(n + 2);
    if (with_nl == NULL)
        die("out of memory");
    memcpy(with_nl, text, n);
    with_nl[n] = '\n';
    with_nl[n + 1] = '\0';
    write_text(rel, with_nl);
    free(with_nl);
    cJSON_free(text);
    cJSON_Delete(doc);
}

/* The verdict JSON a runner must get for an accepted bundle. */
static void write_verdict(const char *rel, const char *policy_rel, const char *bundle_text,
                          const uint8_t nonce[32], int64_t verify_time)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", out_dir, policy_rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("read %s", path);
    char text[65536];
    size_t n = fread(text, 1, sizeof(text), f);
    fclose(f);
    confai_policy *policy = NULL;
    CHECK(confai_policy_new(&policy, text, n, &err_), "parse the policy");
    confai_verify_options opts;
    CHECK(confai_verify_options_init(&opts, CONFAI_VERIFY_OPTIONS_VERSION, &err_), "options");
    opts.verify_time = verify_time;
    confai_verdict *verdict = NULL;
    CHECK(confai_attestation_verify(&verdict, policy, &opts, nonce, bundle_text,
                                    strlen(bundle_text), &err_),
          "verify the accepted bundle");
    char *json = NULL;
    size_t json_len = 0;
    CHECK(confai_verdict_json(verdict, &json, &json_len, &err_), "verdict JSON");
    /* re-indent for readers of the fixture; runners compare parsed JSON */
    cJSON *parsed = cJSON_Parse(json);
    char *pretty = cJSON_Print(parsed);
    size_t plen = strlen(pretty);
    char *out = malloc(plen + 2);
    memcpy(out, pretty, plen);
    out[plen] = '\n';
    out[plen + 1] = '\0';
    write_text(rel, out);
    free(out);
    cJSON_free(pretty);
    cJSON_Delete(parsed);
    confai_free(json);
    confai_verdict_free(verdict);
    confai_policy_free(policy);
}

/* --- bundles and policies --------------------------------------------------------- */

static void make_attestation_cases(const uint8_t *key_config, size_t key_config_len,
                                   const uint8_t *other_key_config, size_t other_len)
{
    platform p, other;
    platform_new(&p, snp_test_keys);
    platform_new(&other, snp_test_keys_rotated);
    make_dir("fixtures/bundle");
    make_dir("fixtures/policy");
    make_dir("fixtures/verdict");

    evidence e;
    evidence_default(&e, &p, key_config, key_config_len);
    evidence_bind(&e);
    uint8_t report[SNP_REPORT_SIZE];
    int64_t t = GEN_NOW + 60;

    /* policies */
    write_policy("fixtures/policy/sim.json", policy_doc(&e, &p));
    {
        cJSON *doc = policy_doc(&e, &p);
        cJSON *snp = cJSON_GetObjectItemCaseSensitive(doc, "sev_snp");
        uint8_t m[48];
        memset(m, 0x99, sizeof(m));
        cJSON_ReplaceItemInObject(snp, "measurements", hex_list(m, 48));
        write_policy("fixtures/policy/other-measurement.json", doc);
    }
    {
        cJSON *doc = policy_doc(&e, &p);
        cJSON *manifest = cJSON_GetObjectItemCaseSensitive(doc, "manifest");
        uint8_t md[32];
        memset(md, 0x77, sizeof(md));
        cJSON_ReplaceItemInObject(manifest, "sha256", hex_list(md, 32));
        write_policy("fixtures/policy/other-manifest.json", doc);
    }
    {
        cJSON *doc = policy_doc(&e, &p);
        cJSON_DeleteItemFromObject(doc, "max_age");
        write_policy("fixtures/policy/invalid-missing-max-age.json", doc);
    }
    {
        cJSON *doc = policy_doc(&e, &p);
        cJSON *snp = cJSON_GetObjectItemCaseSensitive(doc, "sev_snp");
        cJSON *list = cJSON_CreateArray();
        cJSON_AddItemToArray(list, cJSON_CreateString("*"));
        cJSON_ReplaceItemInObject(snp, "measurements", list);
        write_policy("fixtures/policy/invalid-wildcard-in-list.json", doc);
    }
    write_text("fixtures/policy/invalid-not-json.json", "{\"version\": 1, \"platforms\": [\n");

    add_case("policy-accepting", "policy", "the policy that pins the simulated platform",
             "CONFAI_OK", "policy", "fixtures/policy/sim.json", NULL);
    add_case("policy-missing-field", "policy", "max_age left out: a missing field is an error",
             "CONFAI_E_POLICY_INVALID", "policy", "fixtures/policy/invalid-missing-max-age.json",
             NULL);
    add_case("policy-wildcard-in-list", "policy", "\"*\" inside a list is an error",
             "CONFAI_E_POLICY_INVALID", "policy",
             "fixtures/policy/invalid-wildcard-in-list.json", NULL);
    add_case("policy-not-json", "policy", "a document cut off in the middle",
             "CONFAI_E_POLICY_INVALID", "policy", "fixtures/policy/invalid-not-json.json", NULL);

    /* the accepted bundle and what can go wrong around it */
    sign(&p, &e, report);
    char *accepted = bundle_json(&e, report, &p);
    write_verdict("fixtures/verdict/accepted.json", "fixtures/policy/sim.json", accepted, e.nonce,
                  t);
    write_text("fixtures/bundle/accepted.json", accepted);
    cJSON *c;
    c = add_case("bundle-accepted", "bundle",
                 "evidence of the simulated platform, bound to the gateway key",
                 "CONFAI_OK", "bundle", "fixtures/bundle/accepted.json", "policy",
                 "fixtures/policy/sim.json", "verdict", "fixtures/verdict/accepted.json", NULL);
    set_verify(c, t, e.nonce);

    uint8_t wrong_nonce[32];
    memcpy(wrong_nonce, e.nonce, 32);
    wrong_nonce[31] ^= 0x01;
    c = add_case("bundle-wrong-nonce", "bundle", "the evidence answers another nonce",
                 "CONFAI_E_NONCE_MISMATCH", "bundle", "fixtures/bundle/accepted.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, wrong_nonce);

    c = add_case("bundle-expired", "bundle", "verified one second after not_after",
                 "CONFAI_E_EVIDENCE_EXPIRED", "bundle", "fixtures/bundle/accepted.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, GEN_NOW + GEN_LEASE + 1, e.nonce);

    c = add_case("bundle-certificates-not-yet-valid", "bundle",
                 "verified two days before the certificates were issued",
                 "CONFAI_E_CERT_EXPIRED", "bundle", "fixtures/bundle/accepted.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, GEN_NOW - 2 * 86400, e.nonce);

    c = add_case("bundle-policy-measurement", "bundle",
                 "verified evidence, but the policy pins another measurement",
                 "CONFAI_E_POLICY_MEASUREMENT", "bundle", "fixtures/bundle/accepted.json",
                 "policy", "fixtures/policy/other-measurement.json", NULL);
    set_verify(c, t, e.nonce);

    c = add_case("bundle-policy-manifest", "bundle",
                 "verified evidence, but the policy pins another manifest digest",
                 "CONFAI_E_POLICY_MANIFEST", "bundle", "fixtures/bundle/accepted.json", "policy",
                 "fixtures/policy/other-manifest.json", NULL);
    set_verify(c, t, e.nonce);

    c = add_case("bundle-policy-invalid", "bundle", "a policy that does not parse",
                 "CONFAI_E_POLICY_INVALID", "bundle", "fixtures/bundle/accepted.json", "policy",
                 "fixtures/policy/invalid-missing-max-age.json", NULL);
    set_verify(c, t, e.nonce);

    /* strictness of the bundle's JSON */
    {
        size_t n = strlen(accepted);
        char *dup = malloc(n + 64);
        /* a second "version" member at the top level */
        snprintf(dup, n + 64, "{\"version\":1,%s", accepted + 1);
        write_text("fixtures/bundle/duplicate-member.json", dup);
        snprintf(dup, n + 64, "{\"comment\":\"x\",%s", accepted + 1);
        write_text("fixtures/bundle/unknown-member.json", dup);
        snprintf(dup, n + 64, "%s x", accepted);
        write_text("fixtures/bundle/trailing-data.json", dup);
        free(dup);
    }
    c = add_case("bundle-duplicate-member", "bundle", "\"version\" twice at the top level",
                 "CONFAI_E_MALFORMED", "bundle", "fixtures/bundle/duplicate-member.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    c = add_case("bundle-unknown-member", "bundle", "an unknown member, strict mode",
                 "CONFAI_E_MALFORMED", "bundle", "fixtures/bundle/unknown-member.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    c = add_case("bundle-unknown-member-lenient", "bundle",
                 "the same bundle in lenient mode, which ignores unknown members", "CONFAI_OK",
                 "bundle", "fixtures/bundle/unknown-member.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    add_flag(c, "lenient_bundle");
    c = add_case("bundle-trailing-data", "bundle", "bytes after the JSON value",
                 "CONFAI_E_TRAILING_DATA", "bundle", "fixtures/bundle/trailing-data.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    confai_free(accepted);

    /* a report changed after signing: the measurement, then the signature */
    {
        uint8_t bad[SNP_REPORT_SIZE];
        memcpy(bad, report, sizeof(bad));
        bad[0x90] ^= 0x01; /* MEASUREMENT */
        write_bundle("fixtures/bundle/report-tampered.json", bundle_json(&e, bad, &p));
        memcpy(bad, report, sizeof(bad));
        bad[0x2A0] ^= 0x01; /* the low byte of r */
        write_bundle("fixtures/bundle/signature-tampered.json", bundle_json(&e, bad, &p));
    }
    c = add_case("bundle-report-tampered", "bundle",
                 "one bit of the measurement flipped after signing", "CONFAI_E_BAD_SIGNATURE",
                 "bundle", "fixtures/bundle/report-tampered.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    c = add_case("bundle-signature-tampered", "bundle", "one bit of the signature flipped",
                 "CONFAI_E_BAD_SIGNATURE", "bundle", "fixtures/bundle/signature-tampered.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);

    /* a genuine report relayed next to another key configuration */
    {
        evidence relay = e;
        relay.key_config = other_key_config;
        relay.key_config_len = other_len;
        write_bundle("fixtures/bundle/other-key-config.json", bundle_json(&relay, report, &p));
        /* and with a longer lease than the report commits to */
        relay = e;
        if (!rfc3339_format(relay.not_after, GEN_NOW + 30 * 86400))
            die("format not_after");
        write_bundle("fixtures/bundle/lease-stretched.json", bundle_json(&relay, report, &p));
    }
    c = add_case("bundle-other-key-config", "bundle",
                 "a genuine report relayed with another gateway key", "CONFAI_E_BINDING",
                 "bundle", "fixtures/bundle/other-key-config.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    c = add_case("bundle-lease-stretched", "bundle",
                 "not_after moved 30 days on after signing", "CONFAI_E_BINDING", "bundle",
                 "fixtures/bundle/lease-stretched.json", "policy", "fixtures/policy/sim.json",
                 NULL);
    set_verify(c, t, e.nonce);

    /* another platform: its own chain (a root nobody pinned), or its key
       signing under the pinned chain */
    {
        evidence oe;
        evidence_default(&oe, &other, key_config, key_config_len);
        evidence_bind(&oe);
        uint8_t r2[SNP_REPORT_SIZE];
        sign(&other, &oe, r2);
        write_bundle("fixtures/bundle/other-platform.json", bundle_json(&oe, r2, &other));
        sign(&other, &e, r2);
        write_bundle("fixtures/bundle/other-signing-key.json", bundle_json(&e, r2, &p));
    }
    c = add_case("bundle-other-platform", "bundle",
                 "evidence of another simulated platform whose root the policy does not pin",
                 "CONFAI_E_UNKNOWN_ROOT", "bundle", "fixtures/bundle/other-platform.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);
    c = add_case("bundle-other-signing-key", "bundle",
                 "a report signed by another platform's VCEK, sent with the pinned chain",
                 "CONFAI_E_BAD_SIGNATURE", "bundle", "fixtures/bundle/other-signing-key.json",
                 "policy", "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);

    /* a guest that allows debugging, signed correctly */
    {
        evidence dbg = e;
        dbg.fields.policy |= UINT64_C(1) << 19;
        sign(&p, &dbg, report);
        write_bundle("fixtures/bundle/debug-guest.json", bundle_json(&dbg, report, &p));
    }
    c = add_case("bundle-debug-guest", "bundle",
                 "a correctly signed report of a guest that allows debugging",
                 "CONFAI_E_POLICY_DEBUG", "bundle", "fixtures/bundle/debug-guest.json", "policy",
                 "fixtures/policy/sim.json", NULL);
    set_verify(c, t, e.nonce);

    platform_free(&other);
    platform_free(&p);
}

/* --- sealed messages ------------------------------------------------------------------ */

static const uint8_t gateway_ikm[32] = "confai conformance gateway key.";
static const uint8_t other_ikm[32] = "confai conformance other key...";
static const uint8_t client_ikm_e[32] = "confai conformance client eph..";
static const uint8_t response_nonce[32] = "confai conformance resp nonce..";

static confai_status fix_ikm_e(confai_hpke_ctx *ctx, void *arg, confai_error *err)
{
    (void)arg;
    return hpke_test_set_ikm_e(ctx, client_ikm_e, sizeof(client_ikm_e), err);
}

/* The generator opens nothing chunk by chunk; readers need a callback all the same. */
static void ignore_chunk(void *user, const uint8_t *plaintext, size_t len, int is_final)
{
    (void)user;
    (void)plaintext;
    (void)len;
    (void)is_final;
}

typedef struct buf {
    uint8_t data[8192];
    size_t len;
} buf;

static void buf_add(buf *b, const uint8_t *data, size_t len)
{
    if (b->len + len > sizeof(b->data))
        die("fixture buffer too small");
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* The inner request and response, as Binary HTTP. */
static void inner_messages(uint8_t **request, size_t *request_len, uint8_t **response,
                           size_t *response_len, uint8_t **stream, size_t *stream_len)
{
    static const char req_body[] =
        "{\"model\":\"confai-demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static const char res_body[] =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"confai-demo\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        "\"Hello from the enclave.\"},\"finish_reason\":\"stop\"}]}";
    static const char sse_body[] =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" from the enclave.\"}}]}\n\n"
        "data: [DONE]\n\n";
    confai_http_message *m = NULL;
    CHECK(confai_http_message_new_request(&m, "POST", "https", "confai.invalid",
                                          "/v1/chat/completions", &err_),
          "request");
    CHECK(confai_http_message_add_field(m, CONFAI_HTTP_HEADERS, "content-type",
                                        "application/json", &err_),
          "field");
    CHECK(confai_http_message_set_body(m, (const uint8_t *)req_body, strlen(req_body), &err_),
          "body");
    CHECK(confai_http_message_encode(m, request, request_len, CONFAI_HTTP_KNOWN_LENGTH, 0,
                                     &err_),
          "encode the request");
    confai_http_message_free(m);

    CHECK(confai_http_message_new_response(&m, 200, &err_), "response");
    CHECK(confai_http_message_add_field(m, CONFAI_HTTP_HEADERS, "content-type",
                                        "application/json", &err_),
          "field");
    CHECK(confai_http_message_set_body(m, (const uint8_t *)res_body, strlen(res_body), &err_),
          "body");
    CHECK(confai_http_message_encode(m, response, response_len, CONFAI_HTTP_KNOWN_LENGTH, 0,
                                     &err_),
          "encode the response");
    confai_http_message_free(m);

    /* the streamed response: indeterminate length, the SSE body in one piece */
    CHECK(confai_http_message_new_response(&m, 200, &err_), "response");
    CHECK(confai_http_message_add_field(m, CONFAI_HTTP_HEADERS, "content-type",
                                        "text/event-stream", &err_),
          "field");
    CHECK(confai_http_message_set_body(m, (const uint8_t *)sse_body, strlen(sse_body), &err_),
          "body");
    CHECK(confai_http_message_encode(m, stream, stream_len, CONFAI_HTTP_INDETERMINATE_LENGTH, 0,
                                     &err_),
          "encode the streamed response");
    confai_http_message_free(m);
}

/* Splits len bytes into pieces at the given sizes (the last piece is the rest). */
typedef struct split {
    size_t at[8];
    size_t count; /* pieces before the final chunk */
} split;

static split split_of(size_t len)
{
    /* three data chunks and an empty final chunk */
    split s = { { len / 3, len / 3, len - 2 * (len / 3) }, 3 };
    return s;
}

/* Where each chunk starts within a chunked message; final chunk last. */
typedef struct chunk_map {
    size_t start[8];
    size_t end[8];
    size_t count; /* including the final chunk */
} chunk_map;

static void add_sealed_case(const char *name, const char *kind, const char *mode,
                            const char *description, const char *expected,
                            const char *request_rel, const char *response_rel,
                            const char *plaintext_rel)
{
    cJSON *c;
    if (response_rel != NULL)
        c = add_case(name, kind, description, expected, "gateway_key",
                     "fixtures/sealed/gateway-x25519.key", "request", request_rel, "response",
                     response_rel, NULL);
    else
        c = add_case(name, kind, description, expected, "gateway_key",
                     "fixtures/sealed/gateway-x25519.key", "request", request_rel, NULL);
    if (plaintext_rel != NULL)
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c, "files"), "plaintext",
                                plaintext_rel);
    cJSON_AddStringToObject(c, "mode", mode);
    cJSON *g = cJSON_AddObjectToObject(c, "gateway");
    cJSON_AddNumberToObject(g, "kem_id", CONFAI_HPKE_KEM_X25519_SHA256);
    cJSON_AddNumberToObject(g, "key_id", GATEWAY_KEY_ID);
    cJSON *algs = cJSON_AddArrayToObject(g, "algorithms");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "kdf_id", CONFAI_HPKE_KDF_HKDF_SHA256);
    cJSON_AddNumberToObject(a, "aead_id", CONFAI_HPKE_AEAD_AES_256_GCM);
    cJSON_AddItemToArray(algs, a);
}

/* Writes variants of a chunked message: one bit flipped in a middle chunk, the
   final chunk dropped, a chunk dropped, a chunk repeated, bytes after the end. */
static void write_chunked_variants(const char *prefix, const buf *m, const chunk_map *map)
{
    char rel[256];
    buf v;
    /* flip a bit in the ciphertext of chunk 1 */
    v = *m;
    v.data[map->end[1] - 1] ^= 0x01;
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-flipped.bin", prefix);
    write_file(rel, v.data, v.len);
    /* truncated: everything before the final chunk */
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-truncated.bin", prefix);
    write_file(rel, m->data, map->start[map->count - 1]);
    /* chunk 1 dropped */
    v.len = 0;
    buf_add(&v, m->data, map->start[1]);
    buf_add(&v, m->data + map->end[1], m->len - map->end[1]);
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-dropped-chunk.bin", prefix);
    write_file(rel, v.data, v.len);
    /* chunk 1 twice */
    v.len = 0;
    buf_add(&v, m->data, map->end[1]);
    buf_add(&v, m->data + map->start[1], m->len - map->start[1]);
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-duplicated-chunk.bin", prefix);
    write_file(rel, v.data, v.len);
    /* chunks 1 and 2 swapped */
    v.len = 0;
    buf_add(&v, m->data, map->start[1]);
    buf_add(&v, m->data + map->start[2], map->end[2] - map->start[2]);
    buf_add(&v, m->data + map->start[1], map->end[1] - map->start[1]);
    buf_add(&v, m->data + map->end[2], m->len - map->end[2]);
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-reordered.bin", prefix);
    write_file(rel, v.data, v.len);
    /* a byte after the final chunk */
    v = *m;
    v.data[v.len++] = 0x00;
    snprintf(rel, sizeof(rel), "fixtures/sealed/%s-trailing.bin", prefix);
    write_file(rel, v.data, v.len);
}

static void make_sealed_cases(const confai_key_config *config)
{
    make_dir("fixtures/sealed");
    uint8_t *req_pt = NULL, *res_pt = NULL, *stream_pt = NULL;
    size_t req_pt_len = 0, res_pt_len = 0, stream_pt_len = 0;
    inner_messages(&req_pt, &req_pt_len, &res_pt, &res_pt_len, &stream_pt, &stream_pt_len);
    write_file("fixtures/sealed/request.bhttp", req_pt, req_pt_len);
    write_file("fixtures/sealed/response.bhttp", res_pt, res_pt_len);
    write_file("fixtures/sealed/stream-response.bhttp", stream_pt, stream_pt_len);
    const confai_key_config *configs[] = { config };

    /* --- a whole request and its response */
    buf req = { .len = sizeof(req.data) };
    confai_ohttp_client *client = NULL;
    CHECK(ohttp_test_client_seal_request(&client, req.data, &req.len, config, req_pt,
                                         req_pt_len, fix_ikm_e, NULL, &err_),
          "seal the request");
    write_file("fixtures/sealed/request.bin", req.data, req.len);
    confai_ohttp_gateway *gw = NULL;
    uint8_t opened[8192];
    size_t opened_len = sizeof(opened);
    CHECK(confai_ohttp_gateway_open_request(&gw, opened, &opened_len, configs, 1, req.data,
                                            req.len, &err_),
          "open the request");
    if (opened_len != req_pt_len || memcmp(opened, req_pt, req_pt_len) != 0)
        die("the request did not round-trip");
    /* a response nonce is random in real use; fixed here like the ephemeral key */
    CHECK(ohttp_test_set_response_nonce(gw, response_nonce, sizeof(response_nonce), &err_),
          "fix the response nonce");
    buf res = { .len = sizeof(res.data) };
    CHECK(confai_ohttp_gateway_seal_response(gw, res.data, &res.len, res_pt, res_pt_len, &err_),
          "seal the response");
    confai_ohttp_gateway_free(gw);
    confai_ohttp_client_free(client);
    write_file("fixtures/sealed/response.bin", res.data, res.len);
    {
        buf v = req;
        v.data[v.len - 1] ^= 0x01;
        write_file("fixtures/sealed/request-flipped.bin", v.data, v.len);
        v = req;
        v.data[0] ^= 0x02; /* key id */
        write_file("fixtures/sealed/request-unknown-key-id.bin", v.data, v.len);
        write_file("fixtures/sealed/request-truncated.bin", req.data, 20);
        v = res;
        v.data[40] ^= 0x01;
        write_file("fixtures/sealed/response-flipped.bin", v.data, v.len);
        write_file("fixtures/sealed/response-truncated.bin", res.data, 40);
        v = res;
        v.data[v.len - 1] ^= 0x80; /* the tag */
        write_file("fixtures/sealed/response-tag-flipped.bin", v.data, v.len);
    }

    add_sealed_case("ohttp-request", "sealed-request", "whole",
                    "an RFC 9458 request, opened with the gateway key", "CONFAI_OK",
                    "fixtures/sealed/request.bin", NULL, "fixtures/sealed/request.bhttp");
    add_sealed_case("ohttp-request-flipped", "sealed-request", "whole",
                    "one bit of the ciphertext flipped", "CONFAI_E_DECRYPT",
                    "fixtures/sealed/request-flipped.bin", NULL, NULL);
    add_sealed_case("ohttp-request-unknown-key-id", "sealed-request", "whole",
                    "a key id the gateway does not have", "CONFAI_E_KEY_ID_UNKNOWN",
                    "fixtures/sealed/request-unknown-key-id.bin", NULL, NULL);
    add_sealed_case("ohttp-request-truncated", "sealed-request", "whole",
                    "cut off inside the encapsulated key", "CONFAI_E_TRUNCATED",
                    "fixtures/sealed/request-truncated.bin", NULL, NULL);
    add_sealed_case("ohttp-response", "sealed-response", "whole",
                    "the RFC 9458 response to ohttp-request", "CONFAI_OK",
                    "fixtures/sealed/request.bin", "fixtures/sealed/response.bin",
                    "fixtures/sealed/response.bhttp");
    add_sealed_case("ohttp-response-flipped", "sealed-response", "whole",
                    "one bit of the response ciphertext flipped", "CONFAI_E_DECRYPT",
                    "fixtures/sealed/request.bin", "fixtures/sealed/response-flipped.bin", NULL);
    add_sealed_case("ohttp-response-tag-flipped", "sealed-response", "whole",
                    "one bit of the response tag flipped", "CONFAI_E_DECRYPT",
                    "fixtures/sealed/request.bin", "fixtures/sealed/response-tag-flipped.bin",
                    NULL);
    add_sealed_case("ohttp-response-truncated", "sealed-response", "whole",
                    "shorter than a response nonce and a tag", "CONFAI_E_TRUNCATED",
                    "fixtures/sealed/request.bin", "fixtures/sealed/response-truncated.bin",
                    NULL);

    /* --- a chunked request and its chunked response */
    buf creq = { 0 };
    chunk_map creq_map = { { 0 }, { 0 }, 0 };
    {
        uint8_t tmp[8192];
        size_t len = sizeof(tmp);
        CHECK(ohttp_test_client_begin_chunked(&client, tmp, &len, config, ignore_chunk, NULL,
                                              fix_ikm_e,
                                              NULL, &err_),
              "begin the chunked request");
        buf_add(&creq, tmp, len);
        split s = split_of(req_pt_len);
        size_t pos = 0;
        for (size_t i = 0; i <= s.count; i++) {
            int final = i == s.count;
            size_t n = final ? 0 : s.at[i];
            len = sizeof(tmp);
            if (final)
                CHECK(confai_ohttp_client_seal_final_chunk(client, tmp, &len, req_pt + pos, n,
                                                           &err_),
                      "seal the final request chunk");
            else
                CHECK(confai_ohttp_client_seal_chunk(client, tmp, &len, req_pt + pos, n, &err_),
                      "seal a request chunk");
            creq_map.start[creq_map.count] = creq.len;
            buf_add(&creq, tmp, len);
            creq_map.end[creq_map.count++] = creq.len;
            pos += n;
        }
        confai_ohttp_client_free(client);
        client = NULL;
    }
    write_file("fixtures/sealed/chunked-request.bin", creq.data, creq.len);
    write_chunked_variants("chunked-request", &creq, &creq_map);

    buf cres = { 0 };
    chunk_map cres_map = { { 0 }, { 0 }, 0 };
    {
        CHECK(confai_ohttp_gateway_new_chunked(&gw, configs, 1, ignore_chunk, NULL, &err_),
              "gateway for the chunked request");
        CHECK(confai_ohttp_gateway_feed_request(gw, creq.data, creq.len, &err_),
              "feed the chunked request");
        CHECK(confai_ohttp_gateway_finish_request(gw, &err_), "finish the chunked request");
        CHECK(ohttp_test_set_response_nonce(gw, response_nonce, sizeof(response_nonce), &err_),
              "fix the response nonce");
        uint8_t tmp[8192];
        size_t len = sizeof(tmp);
        CHECK(confai_ohttp_gateway_begin_response(gw, tmp, &len, &err_), "begin the response");
        buf_add(&cres, tmp, len);
        split s = split_of(stream_pt_len);
        size_t pos = 0;
        for (size_t i = 0; i <= s.count; i++) {
            int final = i == s.count;
            size_t n = final ? 0 : s.at[i];
            len = sizeof(tmp);
            if (final)
                CHECK(confai_ohttp_gateway_seal_final_chunk(gw, tmp, &len, stream_pt + pos, n,
                                                            &err_),
                      "seal the final response chunk");
            else
                CHECK(confai_ohttp_gateway_seal_chunk(gw, tmp, &len, stream_pt + pos, n, &err_),
                      "seal a response chunk");
            cres_map.start[cres_map.count] = cres.len;
            buf_add(&cres, tmp, len);
            cres_map.end[cres_map.count++] = cres.len;
            pos += n;
        }
        confai_ohttp_gateway_free(gw);
    }
    write_file("fixtures/sealed/chunked-response.bin", cres.data, cres.len);
    write_chunked_variants("chunked-response", &cres, &cres_map);

    static const struct {
        const char *suffix, *what, *status;
    } variants[] = {
        { "flipped", "one bit of the second chunk flipped", "CONFAI_E_DECRYPT" },
        { "truncated", "the final chunk cut off", "CONFAI_E_STREAM_TRUNCATED" },
        { "dropped-chunk", "the second chunk dropped", "CONFAI_E_CHUNK_REORDERED" },
        { "duplicated-chunk", "the second chunk sent twice", "CONFAI_E_CHUNK_REPLAYED" },
        { "reordered", "the second and third chunks swapped", "CONFAI_E_CHUNK_REORDERED" },
        { "trailing", "a byte after the final chunk", "CONFAI_E_STREAM_TRAILING" },
    };
    add_sealed_case("chunked-request", "sealed-request", "chunked",
                    "a chunked OHTTP request: three chunks and an empty final chunk",
                    "CONFAI_OK", "fixtures/sealed/chunked-request.bin", NULL,
                    "fixtures/sealed/request.bhttp");
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char name[128], rel[256];
        snprintf(name, sizeof(name), "chunked-request-%s", variants[i].suffix);
        snprintf(rel, sizeof(rel), "fixtures/sealed/chunked-request-%s.bin", variants[i].suffix);
        add_sealed_case(name, "sealed-request", "chunked", variants[i].what, variants[i].status,
                        rel, NULL, NULL);
    }
    add_sealed_case("chunked-response", "sealed-response", "chunked",
                    "the chunked response to chunked-request: a streamed answer",
                    "CONFAI_OK", "fixtures/sealed/chunked-request.bin",
                    "fixtures/sealed/chunked-response.bin",
                    "fixtures/sealed/stream-response.bhttp");
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char name[128], rel[256];
        snprintf(name, sizeof(name), "chunked-response-%s", variants[i].suffix);
        snprintf(rel, sizeof(rel), "fixtures/sealed/chunked-response-%s.bin", variants[i].suffix);
        add_sealed_case(name, "sealed-response", "chunked", variants[i].what,
                        variants[i].status, "fixtures/sealed/chunked-request.bin", rel, NULL);
    }
    confai_free(req_pt);
    confai_free(res_pt);
    confai_free(stream_pt);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <tests/conformance folder>\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    make_dir("fixtures");
    cases = cJSON_CreateArray();

    /* the gateway's key (its private part is a fixture: runners open with it) */
    confai_hpke_key *key = NULL, *other = NULL;
    CHECK(confai_hpke_key_derive(&key, CONFAI_HPKE_KEM_X25519_SHA256, gateway_ikm,
                                 sizeof(gateway_ikm), &err_),
          "derive the gateway key");
    CHECK(confai_hpke_key_derive(&other, CONFAI_HPKE_KEM_X25519_SHA256, other_ikm,
                                 sizeof(other_ikm), &err_),
          "derive the other key");
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_AES_256_GCM } };
    confai_key_config *config = NULL, *other_config = NULL;
    CHECK(confai_key_config_new(&config, key, GATEWAY_KEY_ID, algs, 1, &err_), "key config");
    CHECK(confai_key_config_new(&other_config, other, GATEWAY_KEY_ID, algs, 1, &err_),
          "other key config");
    uint8_t kc[256], okc[256], sk[64];
    size_t kc_len = sizeof(kc), okc_len = sizeof(okc), sk_len = sizeof(sk);
    CHECK(confai_key_config_serialize(config, kc, &kc_len, &err_), "serialize");
    CHECK(confai_key_config_serialize(other_config, okc, &okc_len, &err_), "serialize");
    CHECK(confai_hpke_key_private(key, sk, &sk_len, &err_), "private key");
    make_dir("fixtures/sealed");
    write_file("fixtures/sealed/gateway-x25519.key", sk, sk_len);
    write_file("fixtures/sealed/key-config.bin", kc, kc_len);

    make_attestation_cases(kc, kc_len, okc, okc_len);
    make_sealed_cases(config);

    confai_key_config_free(config);
    confai_key_config_free(other_config);
    confai_hpke_key_free(key);
    confai_hpke_key_free(other);

    cJSON *manifest = cJSON_CreateObject();
    cJSON_AddNumberToObject(manifest, "version", 1);
    cJSON_AddStringToObject(manifest, "generator", "tests/conformance/gen_fixtures.c");
    cJSON_AddStringToObject(manifest, "format", "tests/conformance/README.md");
    cJSON_AddItemToObject(manifest, "cases", cases);
    char *text = cJSON_Print(manifest);
    size_t n = strlen(text);
    char *with_nl = malloc(n + 2);
    memcpy(with_nl, text, n);
    with_nl[n] = '\n';
    with_nl[n + 1] = '\0';
    write_text("manifest.json", with_nl);
    free(with_nl);
    cJSON_free(text);
    cJSON_Delete(manifest);
    printf("gen_fixtures: wrote %s/manifest.json and its fixtures\n", out_dir);
    return 0;
}

/*
 * src/server/nvml.c against the fake libnvidia-ml.so.1 (tests/fakes/
 * fake_nvml.c, its path in $FAKE_NVML_LIBRARY): the real H100 evidence of
 * the shared vectors asked with its own nonce comes out byte for byte, with
 * the vector chain as DER, and the production verifier accepts it at the
 * vectors' fixed time; asked with another nonce it is CONFAI_E_GPU_NONCE.
 * CC off, developer-tools mode, no GPUs, a missing library, a library
 * without NVML and a failing nvmlInit_v2 each have their own status. With
 * the fake's simulated GPU the evidence answers the nonce asked and verifies
 * under a trust that pins the simulated root; end to end, a server's bundle
 * with those GPUs beside a simulated SEV-SNP report passes the public
 * verifier under a policy whose gpus section pins that root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <openssl/rand.h>

#include "attest_fixture.h"
#include "gpu_sim_fixture.h"
#include "nvgpu_test_helpers.h"
#include "server/nvml.h"
#include "sim/gpu_sim.h"

#define T_2025_06_01 INT64_C(1748736000) /* inside every certificate's validity */

typedef struct real_case {
    const char *report;
    const char *chain;
    const char *nonce;
} real_case;

static const real_case real_cases[] = {
    { "nvidia/trustee/hopperAttestationReport.txt", "nvidia/trustee/hopper_cert_chain_case1.txt",
      "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb" },
    { "nvidia/trustee/hopper_coco_report1.txt", "nvidia/trustee/hopper_coco_certs1.txt",
      "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec" },
};

static const char *fake_library(void)
{
    const char *lib = getenv("FAKE_NVML_LIBRARY");
    if (lib == NULL || lib[0] == '\0')
        fail_msg("FAKE_NVML_LIBRARY is not set: run this test through meson test");
    return lib;
}

static char path_buf[2][4096];

static const char *vector_path(int slot, const char *dir, const char *name)
{
    snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
    return path_buf[slot];
}

/* The fake's configuration: NULL unsets a variable. */
static void fake_env(const char *gpus, const char *cc, const char *evidence, const char *certs,
                     const char *sim)
{
    const struct {
        const char *name, *value;
    } vars[] = {
        { "FAKE_NVML_GPUS", gpus },         { "FAKE_NVML_CC", cc },
        { "FAKE_NVML_EVIDENCE", evidence }, { "FAKE_NVML_CERTS", certs },
        { "FAKE_NVML_SIM", sim },           { "FAKE_NVML_FAIL_INIT", NULL },
        { "FAKE_NVML_ROOT_OUT", NULL },     { "FAKE_NVML_SIM_TIME", NULL },
    };
    for (size_t i = 0; i < NV_COUNT(vars); i++) {
        if (vars[i].value != NULL)
            assert_int_equal(setenv(vars[i].name, vars[i].value, 1), 0);
        else
            assert_int_equal(unsetenv(vars[i].name), 0);
    }
}

static nvml *open_fake(void)
{
    nvml *n = NULL;
    NV_OK(nvml_open(&n, fake_library(), err));
    assert_non_null(n);
    return n;
}

static void decode_nonce(uint8_t out[32], const char *hex)
{
    size_t len;
    uint8_t *n = test_hex_decode(hex, &len);
    assert_int_equal(len, 32);
    memcpy(out, n, 32);
    free(n);
}

static int evidence_is_empty(const nvml_gpu_evidence *e)
{
    static const nvml_gpu_evidence zero;
    return memcmp(e, &zero, sizeof(zero)) == 0;
}

/* --- real evidence ---------------------------------------------------------------- */

static void real_evidence_own_nonce(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    for (size_t c = 0; c < NV_COUNT(real_cases); c++) {
        fake_env("1", "on", vector_path(0, dir, real_cases[c].report),
                 vector_path(1, dir, real_cases[c].chain), NULL);
        nvml *n = open_fake();
        NV_OK(nvml_require_cc(n, err));
        unsigned count = 99;
        NV_OK(nvml_gpu_count(n, &count, err));
        assert_int_equal(count, 1);

        uint8_t nonce[32];
        decode_nonce(nonce, real_cases[c].nonce);
        nvml_gpu_evidence ev;
        NV_OK(nvml_gpu_evidence_get(&ev, n, 0, nonce, err));

        /* the vector's bytes and chain, exactly */
        size_t want_len;
        uint8_t *want = nv_read_hex(dir, real_cases[c].report, &want_len);
        assert_int_equal(ev.evidence_len, want_len);
        assert_memory_equal(ev.evidence, want, want_len);
        nv_chain chain;
        nv_read_chain(&chain, dir, real_cases[c].chain);
        assert_int_equal(ev.cert_count, chain.count);
        assert_int_equal(ev.cert_count, 5);
        for (size_t i = 0; i < chain.count; i++) {
            assert_int_equal(ev.cert_lens[i], chain.len[i]);
            assert_memory_equal(ev.certs[i], chain.der[i], chain.len[i]);
        }

        /* and the production verifier accepts what NVML handed over */
        nvgpu_verified *v = malloc(sizeof(*v));
        assert_non_null(v);
        NV_OK(nvgpu_verify(v, NULL, ev.evidence, ev.evidence_len,
                           (const uint8_t *const *)ev.certs, ev.cert_lens, ev.cert_count, nonce,
                           T_2025_06_01, err));
        assert_int_equal(v->root_kind, NVGPU_ROOT_VENDOR);
        assert_non_null(strstr(v->root_subject, "CN=NVIDIA Device Identity CA"));
        free(v);

        free(want);
        nv_chain_free(&chain);
        nvml_gpu_evidence_clear(&ev);
        assert_true(evidence_is_empty(&ev));
        nvml_close(n);
    }
}

/* The fake replays the real report for any nonce: nvml.c must notice. */
static void real_evidence_other_nonce(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    fake_env("1", "on", vector_path(0, dir, real_cases[0].report),
             vector_path(1, dir, real_cases[0].chain), NULL);
    nvml *n = open_fake();
    uint8_t nonce[32];
    decode_nonce(nonce, real_cases[0].nonce);
    for (int i = 0; i < 32; i += 31) {
        nonce[i] ^= 0x80;
        nvml_gpu_evidence ev;
        memset(&ev, 0xA5, sizeof(ev));
        confai_error e = { 0 };
        assert_int_equal(nvml_gpu_evidence_get(&ev, n, 0, nonce, &e), CONFAI_E_GPU_NONCE);
        assert_int_equal(e.status, CONFAI_E_GPU_NONCE);
        assert_non_null(strstr(e.message, "another nonce"));
        if (i == 0)
            print_message("nonce: %s\n", e.message);
        assert_true(evidence_is_empty(&ev));
        nonce[i] ^= 0x80;
    }
    nvml_close(n);
}

/* --- the platform's state ------------------------------------------------------------ */

static void cc_off(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    static const struct {
        const char *cc;
        const char *message;
    } cases[] = {
        { "off", "confidential-computing mode is off" },
        { "devtools", "developer-tools mode" },
    };
    for (size_t c = 0; c < NV_COUNT(cases); c++) {
        fake_env("1", cases[c].cc, vector_path(0, dir, real_cases[0].report),
                 vector_path(1, dir, real_cases[0].chain), NULL);
        nvml *n = open_fake();
        confai_error e = { 0 };
        assert_int_equal(nvml_require_cc(n, &e), CONFAI_E_GPU_CC_OFF);
        assert_non_null(strstr(e.message, cases[c].message));
        assert_non_null(strstr(e.message, "--set-cc-mode=on"));
        print_message("CC %s: %s\n", cases[c].cc, e.message);
        nvml_close(n);
    }

    /* with CC off the GPU refuses to attest (NVML: Not Supported) */
    fake_env("1", "off", vector_path(0, dir, real_cases[0].report),
             vector_path(1, dir, real_cases[0].chain), NULL);
    nvml *n = open_fake();
    uint8_t nonce[32];
    decode_nonce(nonce, real_cases[0].nonce);
    nvml_gpu_evidence ev;
    confai_error e = { 0 };
    assert_int_equal(nvml_gpu_evidence_get(&ev, n, 0, nonce, &e), CONFAI_E_GPU_CC_OFF);
    assert_non_null(strstr(e.message, "Not Supported"));
    print_message("report with CC off: %s\n", e.message);
    assert_true(evidence_is_empty(&ev));
    nvml_close(n);
}

static void no_gpus(void **state)
{
    (void)state;
    fake_env("0", "on", NULL, NULL, NULL);
    nvml *n = open_fake();
    unsigned count = 99;
    NV_OK(nvml_gpu_count(n, &count, err));
    assert_int_equal(count, 0);
    uint8_t nonce[32] = { 0 };
    nvml_gpu_evidence ev;
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_evidence_get(&ev, n, 0, nonce, err));
    nvml_close(n);
}

static void library_missing(void **state)
{
    (void)state;
    nvml *n = (nvml *)&n; /* set to NULL on failure */
    confai_error e = { 0 };
    assert_int_equal(nvml_open(&n, "/nonexistent/libnvidia-ml.so.1", &e),
                     CONFAI_E_NVML_UNAVAILABLE);
    assert_null(n);
    assert_non_null(strstr(e.message, "/nonexistent/libnvidia-ml.so.1 not found"));
    assert_non_null(strstr(e.message, "install the NVIDIA driver (R535 or later)"));
    print_message("missing: %s\n", e.message);

    /* a library that loads but is not NVML */
    n = (nvml *)&n;
    assert_int_equal(nvml_open(&n, "libc.so.6", &e), CONFAI_E_NVML_UNAVAILABLE);
    assert_null(n);
    assert_non_null(strstr(e.message, "has no nvmlErrorString"));
    assert_non_null(strstr(e.message, "R535"));
}

static void init_failure(void **state)
{
    (void)state;
    fake_env("1", "on", NULL, NULL, NULL);
    assert_int_equal(setenv("FAKE_NVML_FAIL_INIT", "9", 1), 0);
    nvml *n = (nvml *)&n;
    confai_error e = { 0 };
    assert_int_equal(nvml_open(&n, fake_library(), &e), CONFAI_E_NVML_UNAVAILABLE);
    assert_null(n);
    assert_non_null(strstr(e.message, "Driver Not Loaded"));
    assert_non_null(strstr(e.message, "modprobe nvidia"));
    print_message("init: %s\n", e.message);

    /* another failure gets NVML's own text and a general fix */
    assert_int_equal(setenv("FAKE_NVML_FAIL_INIT", "999", 1), 0);
    assert_int_equal(nvml_open(&n, fake_library(), &e), CONFAI_E_NVML_UNAVAILABLE);
    assert_non_null(strstr(e.message, "Unknown Error"));
    assert_int_equal(unsetenv("FAKE_NVML_FAIL_INIT"), 0);

    /* the fake fails its own init (a missing evidence file) the same way */
    fake_env("1", "on", "/nonexistent/report.txt", NULL, NULL);
    assert_int_equal(nvml_open(&n, fake_library(), &e), CONFAI_E_NVML_UNAVAILABLE);
    assert_null(n);
}

/* --- what NVML returns, checked -------------------------------------------------------- */

static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/confai-test-nvml-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    return path;
}

static void bad_reports(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    uint8_t nonce[32];
    decode_nonce(nonce, real_cases[0].nonce);
    nvml_gpu_evidence ev;

    /* a report that is not SPDM evidence: the parser's status */
    char *short_report = temp_file("11e001ff0011\n");
    fake_env("1", "on", short_report, vector_path(1, dir, real_cases[0].chain), NULL);
    nvml *n = open_fake();
    NV_EXPECT(CONFAI_E_TRUNCATED, nvml_gpu_evidence_get(&ev, n, 0, nonce, err));
    assert_true(evidence_is_empty(&ev));
    nvml_close(n);

    /* a chain without certificates, and one with a PEM block that does not decode */
    static const char *const chains[] = {
        "\n",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    };
    for (size_t i = 0; i < NV_COUNT(chains); i++) {
        char *chain = temp_file(chains[i]);
        fake_env("1", "on", vector_path(0, dir, real_cases[0].report), chain, NULL);
        n = open_fake();
        NV_EXPECT(CONFAI_E_MALFORMED, nvml_gpu_evidence_get(&ev, n, 0, nonce, err));
        assert_true(evidence_is_empty(&ev));
        nvml_close(n);
        unlink(chain);
        free(chain);
    }
    unlink(short_report);
    free(short_report);
}

static void arguments(void **state)
{
    (void)state;
    uint8_t nonce[32] = { 0 };
    nvml_gpu_evidence ev;
    unsigned count;
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_open(NULL, NULL, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_count(NULL, &count, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_require_cc(NULL, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_evidence_get(&ev, NULL, 0, nonce, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_evidence_get(NULL, NULL, 0, nonce, err));

    fake_env("2", "on", NULL, NULL, NULL);
    nvml *n = open_fake();
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_count(n, NULL, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_evidence_get(&ev, n, 0, NULL, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvml_gpu_evidence_get(&ev, n, 2, nonce, err));
    nvml_close(n);
    nvml_close(NULL);
    nvml_gpu_evidence_clear(NULL);
}

/* --- the simulated GPU ------------------------------------------------------------------ */

static uint8_t *root_der_of_pem(const char *pem, size_t *len)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    assert_non_null(x);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    X509_free(x);
    BIO_free(b);
    return der;
}

static void simulated_gpus(void **state)
{
    (void)state;
    char *root_out = temp_file("");
    fake_env("2", "on", NULL, NULL, "1");
    assert_int_equal(setenv("FAKE_NVML_ROOT_OUT", root_out, 1), 0);
    nvml *n = open_fake();
    NV_OK(nvml_require_cc(n, err));
    unsigned count = 0;
    NV_OK(nvml_gpu_count(n, &count, err));
    assert_int_equal(count, 2);

    /* each GPU is a device of its own: its root in the file and from the library */
    size_t pem_len;
    char *pem = (char *)test_read_file("/", root_out, &pem_len);
    assert_non_null(pem);
    void *lib = dlopen(fake_library(), RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(lib);
    const char *(*root_pem)(unsigned) = NULL;
    void *sym = dlsym(lib, "fake_nvml_sim_root_pem");
    assert_non_null(sym);
    memcpy(&root_pem, &sym, sizeof(sym));
    uint8_t *roots[2];
    size_t root_lens[2];
    nvgpu_trust *trust = NULL;
    NV_OK(nvgpu_trust_new(&trust, err));
    for (unsigned gpu = 0; gpu < 2; gpu++) {
        assert_non_null(root_pem(gpu));
        assert_non_null(strstr(pem, root_pem(gpu)));
        roots[gpu] = root_der_of_pem(root_pem(gpu), &root_lens[gpu]);
        NV_OK(nvgpu_trust_add_root(trust, roots[gpu], root_lens[gpu], err));
    }
    assert_null(root_pem(2));
    assert_string_not_equal(root_pem(0), root_pem(1));
    dlclose(lib);
    nvgpu_verified *v = malloc(sizeof(*v));
    assert_non_null(v);

    for (unsigned gpu = 0; gpu < count; gpu++) {
        for (int round = 0; round < 2; round++) {
            uint8_t nonce[32];
            assert_int_equal(RAND_bytes(nonce, sizeof(nonce)), 1);
            nvml_gpu_evidence ev;
            NV_OK(nvml_gpu_evidence_get(&ev, n, gpu, nonce, err));
            assert_int_equal(ev.cert_count, GPU_SIM_CERTS);
            assert_int_equal(ev.cert_lens[2], root_lens[gpu]);
            assert_memory_equal(ev.certs[2], roots[gpu], root_lens[gpu]);
            NV_OK(nvgpu_verify(v, trust, ev.evidence, ev.evidence_len,
                               (const uint8_t *const *)ev.certs, ev.cert_lens, ev.cert_count,
                               nonce, (int64_t)time(NULL), err));
            assert_int_equal(v->root_kind, NVGPU_ROOT_CUSTOM);
            assert_string_equal(v->evidence.driver_version, "550.90.07");
            /* not without the pin, and not for another nonce */
            NV_EXPECT(CONFAI_E_UNKNOWN_ROOT,
                      nvgpu_verify(v, NULL, ev.evidence, ev.evidence_len,
                                   (const uint8_t *const *)ev.certs, ev.cert_lens,
                                   ev.cert_count, nonce, (int64_t)time(NULL), err));
            nonce[0] ^= 1;
            NV_EXPECT(CONFAI_E_BINDING,
                      nvgpu_verify(v, trust, ev.evidence, ev.evidence_len,
                                   (const uint8_t *const *)ev.certs, ev.cert_lens,
                                   ev.cert_count, nonce, (int64_t)time(NULL), err));
            nvml_gpu_evidence_clear(&ev);
        }
    }
    free(v);
    nvgpu_trust_free(trust);
    OPENSSL_free(roots[0]);
    OPENSSL_free(roots[1]);
    free(pem);
    nvml_close(n);
    unlink(root_out);
    free(root_out);
}

/*
 * End to end: the server asks NVML for each GPU's evidence on the binding's
 * GPU nonce, the bundle builder publishes it beside a simulated SEV-SNP
 * report, and the client's verifier accepts it under a policy pinning the
 * fake's simulated root (and rejects it under another GPU root).
 */
static void simulated_gpus_in_a_bundle(void **state)
{
    (void)state;
    fx F;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    char at[32];
    snprintf(at, sizeof(at), "%lld", (long long)FX_NOW);
    fake_env("2", "on", NULL, NULL, "1");
    assert_int_equal(setenv("FAKE_NVML_SIM_TIME", at, 1), 0);
    nvml *n = open_fake();
    NV_OK(nvml_require_cc(n, err));
    unsigned count = 0;
    NV_OK(nvml_gpu_count(n, &count, err));
    assert_int_equal(count, 2);

    confai_error e = { 0 };
    confai_bundle_builder *b = NULL;
    FX_OK(confai_bundle_builder_new(&b, F.nonce, F.key_config, F.key_config_len,
                                    (const uint8_t *)F.manifest, strlen(F.manifest), F.not_after,
                                    &e));
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *snp_certs[3];
    size_t snp_lens[3];
    fx_sign(&F, report);
    snp_sim_chain(F.sim, F.kind, snp_certs, snp_lens);
    FX_OK(confai_bundle_builder_set_snp(b, report, sizeof(report), snp_certs, snp_lens, 3, &e));

    binding_inputs in = { F.nonce,     32, F.key_config, F.key_config_len,
                          (const uint8_t *)F.manifest, strlen(F.manifest),
                          F.not_after, strlen(F.not_after) };
    uint8_t gpu_nonce[32];
    FX_OK(binding_gpu_nonce(gpu_nonce, &in, NULL));
    for (unsigned gpu = 0; gpu < count; gpu++) {
        nvml_gpu_evidence ev;
        NV_OK(nvml_gpu_evidence_get(&ev, n, gpu, gpu_nonce, err));
        FX_OK(confai_bundle_builder_add_gpu(b, ev.evidence, ev.evidence_len,
                                            (const uint8_t *const *)ev.certs, ev.cert_lens,
                                            ev.cert_count, &e));
        nvml_gpu_evidence_clear(&ev);
    }
    char *json = NULL;
    size_t len = 0;
    FX_OK(confai_bundle_builder_finish(b, &json, &len, &e));
    confai_bundle_builder_free(b);

    /* a policy accepting the simulated GPUs' default evidence under a root */
    gpu_sim *other = NULL;
    FX_OK(gpu_sim_new(&other, FX_NOW, NULL));
    void *lib = dlopen(fake_library(), RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(lib);
    const char *(*root_pem)(unsigned) = NULL;
    void *sym = dlsym(lib, "fake_nvml_sim_root_pem");
    assert_non_null(sym);
    memcpy(&root_pem, &sym, sizeof(sym));

    for (int pinned = 1; pinned >= 0; pinned--) {
        cJSON *doc = fx_policy_doc(&F);
        cJSON *gpus = gsf_gpus_section(other); /* pins other's root ... */
        if (pinned) {                          /* ... or the fake GPUs' */
            cJSON *roots = cJSON_CreateArray();
            for (unsigned gpu = 0; gpu < count; gpu++)
                cJSON_AddItemToArray(roots, cJSON_CreateString(root_pem(gpu)));
            cJSON_ReplaceItemInObjectCaseSensitive(gpus, "custom_roots", roots);
        }
        cJSON_AddItemToObject(doc, "gpus", gpus);
        confai_policy *p = NULL;
        confai_verdict *v = NULL;
        confai_verify_options o;
        FX_OK(fx_policy_new(doc, &p, &e));
        FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
        o.verify_time = FX_NOW;
        confai_status st = confai_attestation_verify(&v, p, &o, F.nonce, json, len, &e);
        if (pinned && st != CONFAI_OK)
            fail_msg("bundle with NVML GPUs: %s (%s)", confai_status_name(st), e.message);
        if (!pinned)
            assert_int_equal(st, CONFAI_E_UNKNOWN_ROOT);
        confai_verdict_free(v);
        confai_policy_free(p);
    }
    dlclose(lib);
    gpu_sim_free(other);
    confai_free(json);
    nvml_close(n);
    fx_teardown(&F);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_evidence_own_nonce),
        cmocka_unit_test(real_evidence_other_nonce),
        cmocka_unit_test(cc_off),
        cmocka_unit_test(no_gpus),
        cmocka_unit_test(library_missing),
        cmocka_unit_test(init_failure),
        cmocka_unit_test(bad_reports),
        cmocka_unit_test(arguments),
        cmocka_unit_test(simulated_gpus),
        cmocka_unit_test(simulated_gpus_in_a_bundle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

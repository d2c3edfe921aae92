/*
 * The C runner of the conformance fixtures (tests/conformance/README.md):
 * reads manifest.json and runs every case, checking that the library returns
 * the expected status, the expected verdict for accepted bundles and the
 * expected plaintext for sealed messages that open. The Python, Go and Node
 * runners read the same manifest and must reach the same results.
 *
 *   test_conformance [<tests/conformance folder>]
 *
 * Cases of kind sealed-response open a recorded exchange, which needs the
 * client side rebuilt from the gateway's key; that goes through the test
 * hook of seal/ohttp_test.h, so this runner links the internal build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "seal/ohttp.h"
#include "seal/ohttp_test.h"

#ifndef CONFAI_CONFORMANCE_DIR
#  define CONFAI_CONFORMANCE_DIR "tests/conformance"
#endif

static const char *dir = CONFAI_CONFORMANCE_DIR;

typedef struct bytes {
    uint8_t *data;
    size_t len;
} bytes;

/* Reads a fixture; NULL data (and a message) if it is missing. */
static bytes read_fixture(const char *rel)
{
    bytes b = { NULL, 0 };
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("    cannot read %s\n", path);
        return b;
    }
    size_t cap = 4096;
    b.data = malloc(cap + 1);
    for (;;) {
        size_t n = fread(b.data + b.len, 1, cap - b.len, f);
        b.len += n;
        if (b.len < cap)
            break;
        cap *= 2;
        b.data = realloc(b.data, cap + 1);
    }
    fclose(f);
    b.data[b.len] = 0; /* text fixtures may be used as strings */
    return b;
}

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex32(uint8_t out[32], const char *hex)
{
    if (hex == NULL || strlen(hex) != 64)
        return 0;
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

/* What a chunked reader delivered. */
typedef struct sink {
    uint8_t *data;
    size_t len, cap;
    int final_seen, after_final;
} sink;

static void on_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    sink *s = user;
    if (s->final_seen)
        s->after_final = 1;
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2 + 64;
        s->data = realloc(s->data, s->cap);
    }
    if (len > 0)
        memcpy(s->data + s->len, pt, len);
    s->len += len;
    s->final_seen = is_final;
}

/* --- one case ------------------------------------------------------------- */

typedef struct outcome {
    confai_status status;
    char detail[512]; /* why a case failed beyond its status */
} outcome;

static void run_policy(const cJSON *files, outcome *o)
{
    bytes text = read_fixture(str_member(files, "policy"));
    confai_error err;
    confai_policy *policy = NULL;
    o->status = confai_policy_new(&policy, (const char *)text.data, text.len, &err);
    confai_policy_free(policy);
    free(text.data);
}

static void run_bundle(const cJSON *c, const cJSON *files, outcome *o)
{
    bytes ptext = read_fixture(str_member(files, "policy"));
    bytes bundle = read_fixture(str_member(files, "bundle"));
    confai_error err;
    confai_policy *policy = NULL;
    confai_verdict *verdict = NULL;
    o->status = confai_policy_new(&policy, (const char *)ptext.data, ptext.len, &err);
    if (o->status != CONFAI_OK)
        goto done;
    uint8_t nonce[32];
    if (!hex32(nonce, str_member(c, "nonce"))) {
        snprintf(o->detail, sizeof(o->detail), "the case has no valid nonce");
        o->status = CONFAI_E_ARGUMENT;
        goto done;
    }
    confai_verify_options opts;
    if (confai_verify_options_init(&opts, CONFAI_VERIFY_OPTIONS_VERSION, &err) != CONFAI_OK)
        abort();
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "verify_time");
    opts.verify_time = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : 0;
    const cJSON *flag;
    cJSON_ArrayForEach(flag, cJSON_GetObjectItemCaseSensitive(c, "flags"))
    {
        if (cJSON_IsString(flag) && strcmp(flag->valuestring, "lenient_bundle") == 0)
            opts.flags |= CONFAI_VERIFY_LENIENT_BUNDLE;
    }
    o->status = confai_attestation_verify(&verdict, policy, &opts, nonce,
                                          (const char *)bundle.data, bundle.len, &err);
    if (o->status == CONFAI_OK && str_member(files, "verdict") != NULL) {
        char *json = NULL;
        if (confai_verdict_json(verdict, &json, NULL, &err) != CONFAI_OK) {
            snprintf(o->detail, sizeof(o->detail), "verdict JSON: %s", err.message);
            goto done;
        }
        bytes want = read_fixture(str_member(files, "verdict"));
        cJSON *got_doc = cJSON_Parse(json);
        cJSON *want_doc = want.data != NULL ? cJSON_Parse((const char *)want.data) : NULL;
        if (got_doc == NULL || want_doc == NULL || !cJSON_Compare(got_doc, want_doc, 1))
            snprintf(o->detail, sizeof(o->detail), "the verdict differs from %s: %s",
                     str_member(files, "verdict"), json);
        cJSON_Delete(got_doc);
        cJSON_Delete(want_doc);
        free(want.data);
        confai_free(json);
    }
done:
    confai_verdict_free(verdict);
    confai_policy_free(policy);
    free(ptext.data);
    free(bundle.data);
}

/* The gateway's configuration described by the case. */
static confai_status gateway_config(const cJSON *c, const cJSON *files,
                                    confai_key_config **config, confai_hpke_key **key)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "gateway");
    const cJSON *kem = cJSON_GetObjectItemCaseSensitive(g, "kem_id");
    const cJSON *key_id = cJSON_GetObjectItemCaseSensitive(g, "key_id");
    const cJSON *algs = cJSON_GetObjectItemCaseSensitive(g, "algorithms");
    confai_ohttp_algorithms list[16];
    size_t n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, algs)
    {
        if (n == 16)
            return CONFAI_E_ARGUMENT;
        list[n].kdf_id = (uint16_t)cJSON_GetObjectItemCaseSensitive(a, "kdf_id")->valueint;
        list[n].aead_id = (uint16_t)cJSON_GetObjectItemCaseSensitive(a, "aead_id")->valueint;
        n++;
    }
    bytes sk = read_fixture(str_member(files, "gateway_key"));
    confai_error err;
    confai_status st = confai_hpke_key_import(key, (uint16_t)kem->valueint, sk.data, sk.len, &err);
    if (st == CONFAI_OK)
        st = confai_key_config_new(config, *key, (uint8_t)key_id->valueint, list, n, &err);
    free(sk.data);
    return st;
}

static void compare_plaintext(const cJSON *files, const uint8_t *got, size_t got_len,
                              outcome *o)
{
    const char *rel = str_member(files, "plaintext");
    if (rel == NULL)
        return;
    bytes want = read_fixture(rel);
    if (want.len != got_len || memcmp(want.data, got, got_len) != 0)
        snprintf(o->detail, sizeof(o->detail), "the plaintext differs from %s (%zu bytes, %zu)",
                 rel, got_len, want.len);
    free(want.data);
}

static void run_sealed_request(const cJSON *c, const cJSON *files, int chunked, outcome *o)
{
    confai_hpke_key *key = NULL;
    confai_key_config *config = NULL;
    bytes req = read_fixture(str_member(files, "request"));
    confai_error err;
    o->status = gateway_config(c, files, &config, &key);
    if (o->status != CONFAI_OK) {
        snprintf(o->detail, sizeof(o->detail), "the gateway key does not load");
        goto done;
    }
    const confai_key_config *configs[] = { config };
    if (!chunked) {
        confai_ohttp_gateway *gw = NULL;
        size_t cap = req.len + 1, len = cap;
        uint8_t *pt = malloc(cap);
        o->status = confai_ohttp_gateway_open_request(&gw, pt, &len, configs, 1, req.data,
                                                      req.len, &err);
        if (o->status == CONFAI_OK)
            compare_plaintext(files, pt, len, o);
        confai_ohttp_gateway_free(gw);
        free(pt);
    } else {
        sink s = { 0 };
        confai_ohttp_gateway *gw = NULL;
        o->status = confai_ohttp_gateway_new_chunked(&gw, configs, 1, on_chunk, &s, &err);
        if (o->status == CONFAI_OK)
            o->status = confai_ohttp_gateway_feed_request(gw, req.data, req.len, &err);
        if (o->status == CONFAI_OK)
            o->status = confai_ohttp_gateway_finish_request(gw, &err);
        if (o->status == CONFAI_OK) {
            if (!s.final_seen || s.after_final)
                snprintf(o->detail, sizeof(o->detail), "the final chunk was not delivered last");
            compare_plaintext(files, s.data, s.len, o);
        }
        confai_ohttp_gateway_free(gw);
        free(s.data);
    }
done:
    confai_key_config_free(config);
    confai_hpke_key_free(key);
    free(req.data);
}

/* Rebuilds the client of a recorded exchange from the gateway's key. */
static confai_status recorded_client(confai_ohttp_client **client, const confai_hpke_key *key,
                                     const bytes *req, int chunked, sink *s)
{
    confai_error err;
    if (req->len < OHTTP_HDR_SIZE)
        return CONFAI_E_TRUNCATED;
    confai_hpke_suite suite = { (uint16_t)(req->data[1] << 8 | req->data[2]),
                                (uint16_t)(req->data[3] << 8 | req->data[4]),
                                (uint16_t)(req->data[5] << 8 | req->data[6]) };
    size_t enc_len = 0;
    confai_status st = confai_hpke_suite_sizes(&suite, &enc_len, NULL, NULL, NULL, &err);
    if (st != CONFAI_OK)
        return st;
    if (req->len < OHTTP_HDR_SIZE + enc_len)
        return CONFAI_E_TRUNCATED;
    uint8_t info[OHTTP_MAX_INFO_SIZE];
    size_t info_len = ohttp_request_info(info, chunked ? OHTTP_CHUNKED : OHTTP_PLAIN, req->data);
    confai_hpke_ctx *ctx = NULL;
    st = confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &suite, &err);
    if (st == CONFAI_OK)
        st = confai_hpke_recipient_setup(ctx, key, req->data + OHTTP_HDR_SIZE, enc_len, info,
                                         info_len, &err);
    if (st != CONFAI_OK) {
        confai_hpke_ctx_free(ctx);
        return st;
    }
    return ohttp_test_client_from_context(client, ctx, &suite, req->data + OHTTP_HDR_SIZE,
                                          enc_len, chunked, on_chunk, s, &err);
}

static void run_sealed_response(const cJSON *c, const cJSON *files, int chunked, outcome *o)
{
    confai_hpke_key *key = NULL;
    confai_key_config *config = NULL;
    confai_ohttp_client *client = NULL;
    bytes req = read_fixture(str_member(files, "request"));
    bytes res = read_fixture(str_member(files, "response"));
    sink s = { 0 };
    confai_error err;
    if (gateway_config(c, files, &config, &key) != CONFAI_OK ||
        recorded_client(&client, key, &req, chunked, &s) != CONFAI_OK) {
        snprintf(o->detail, sizeof(o->detail), "the recorded exchange cannot be rebuilt");
        o->status = CONFAI_E_INTERNAL;
        goto done;
    }
    if (!chunked) {
        size_t cap = res.len + 1, len = cap;
        uint8_t *pt = malloc(cap);
        o->status = confai_ohttp_client_open_response(client, pt, &len, res.data, res.len, &err);
        if (o->status == CONFAI_OK)
            compare_plaintext(files, pt, len, o);
        free(pt);
    } else {
        o->status = confai_ohttp_client_feed_response(client, res.data, res.len, &err);
        if (o->status == CONFAI_OK)
            o->status = confai_ohttp_client_finish_response(client, &err);
        if (o->status == CONFAI_OK) {
            if (!s.final_seen || s.after_final)
                snprintf(o->detail, sizeof(o->detail), "the final chunk was not delivered last");
            compare_plaintext(files, s.data, s.len, o);
        }
    }
done:
    confai_ohttp_client_free(client);
    confai_key_config_free(config);
    confai_hpke_key_free(key);
    free(s.data);
    free(req.data);
    free(res.data);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        dir = argv[1];
    bytes manifest = read_fixture("manifest.json");
    cJSON *doc = manifest.data != NULL ? cJSON_Parse((const char *)manifest.data) : NULL;
    free(manifest.data);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) {
        printf("conformance: %s/manifest.json has no cases\n", dir);
        cJSON_Delete(doc);
        return 1;
    }
    int passed = 0, failed = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = str_member(c, "name");
        const char *kind = str_member(c, "kind");
        const char *expected = str_member(c, "expected");
        const char *mode = str_member(c, "mode");
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(c, "files");
        int chunked = mode != NULL && strcmp(mode, "chunked") == 0;
        outcome o = { CONFAI_E_ARGUMENT, "" };
        if (name == NULL || kind == NULL || expected == NULL || !cJSON_IsObject(files))
            snprintf(o.detail, sizeof(o.detail), "a case without name, kind, expected or files");
        else if (strcmp(kind, "policy") == 0)
            run_policy(files, &o);
        else if (strcmp(kind, "bundle") == 0)
            run_bundle(c, files, &o);
        else if (strcmp(kind, "sealed-request") == 0)
            run_sealed_request(c, files, chunked, &o);
        else if (strcmp(kind, "sealed-response") == 0)
            run_sealed_response(c, files, chunked, &o);
        else
            snprintf(o.detail, sizeof(o.detail), "unknown kind %s", kind);
        const char *got = confai_status_name(o.status);
        int ok = expected != NULL && strcmp(got, expected) == 0 && o.detail[0] == '\0';
        printf("%s %s: %s (expected %s)%s%s\n", ok ? "ok  " : "FAIL", name ? name : "?", got,
               expected ? expected : "?", o.detail[0] ? ": " : "", o.detail);
        if (ok)
            passed++;
        else
            failed++;
    }
    cJSON_Delete(doc);
    printf("conformance: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

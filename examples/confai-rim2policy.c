/*
 * confai-rim2policy: turns an NVIDIA RIM (a TCG/SWID tag, XML, as NVIDIA's
 * RIM service publishes for each driver and VBIOS) into the reference set of
 * GPU measurements a policy's gpus.measurements lists (doc/policy.md), as
 * JSON:
 *
 *   {"source": {"tag_id": "...", "product": "GH100", "version": "96.00.74.00.1A",
 *               "signature_verified": false},
 *    "gpu_measurements": [{"index": 0, "name": "Measurement_0",
 *                          "accept": ["<hex>", ...]}, ...]}
 *
 * Only active measurements are listed; "index" is the RIM's index (the SPDM
 * block index minus one), "accept" the RIM's Hash0..HashN alternatives.
 *
 * The RIM's enveloped XML-DSig signature is verified first (W3C XML
 * Signature 1.1 as NVIDIA signs RIMs): the reference (URI "", the document
 * without the Signature element, canonical XML 1.1 or 1.0 / exclusive
 * without comments) must have the SHA-384 or SHA-256 digest in DigestValue;
 * the canonical SignedInfo must carry an ECDSA (raw R || S) signature by the
 * first X509Certificate of KeyInfo; and that certificate must chain, through
 * the others of KeyInfo, to the root given with --rim-root (NVIDIA's RIM
 * root, verifier_RIM_root.pem), at --at (seconds since 1970; default now).
 * A RIM that fails any of this is rejected (exit 4) and nothing is printed.
 * Only --skip-signature turns this off, and the JSON then says
 * "signature_verified": false.
 *
 * Usage:
 *   confai-rim2policy RIM.swidtag --rim-root ROOT.pem [--at SECONDS]
 *       prints the JSON on stdout
 *   confai-rim2policy RIM.swidtag (--rim-root ROOT.pem | --skip-signature)
 *                     --check EVIDENCE.hex [--expect-mismatch N]
 *       parses SPDM evidence (hex text, as NVIDIA's tools write it) and compares
 *       its blocks with the RIM; exit 0 when all match (or, with
 *       --expect-mismatch, when exactly index N is named), 3 otherwise
 *
 * A development tool on the public API: the SPDM evidence is decoded by
 * confai_evidence_describe. Built only when libxml2 is found.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cJSON.h>

#include <confai/confai.h>

/* NVIDIA's measurement indices (SPDM block index minus one) and digest size. */
#define RIM_MAX_INDEX 253
#define RIM_MAX_DIGEST 64

#define SWID_NS "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define MAX_KEYINFO_CERTS 8
#define MAX_REFS 256
#define MAX_ALTS 16

typedef struct rim_entry {
    unsigned index;
    char name[64];
    char *hashes[MAX_ALTS];
    size_t hash_count;
} rim_entry;

typedef struct rim {
    rim_entry entries[MAX_REFS];
    size_t count;
    char tag_id[160];
    char product[64];
    char version[64];
    int signature_verified;
    char signer[160];
} rim;

static void copy_attr(char *out, size_t cap, xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    snprintf(out, cap, "%s", v != NULL ? (const char *)v : "");
    xmlFree(v);
}

static int is_swid(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           strcmp((const char *)node->ns->href, SWID_NS) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

static int all_hex(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* One Resource type="Measurement": its active flag, index, name and hashes. */
static int read_resource(rim *r, xmlNode *node)
{
    char type[32], active[16], index[16];
    copy_attr(type, sizeof(type), node, "type");
    copy_attr(active, sizeof(active), node, "active");
    copy_attr(index, sizeof(index), node, "index");
    if (strcmp(type, "Measurement") != 0)
        return 0;
    if (strcmp(active, "True") != 0 && strcmp(active, "true") != 0)
        return 0;
    char *end;
    unsigned long idx = strtoul(index, &end, 10);
    if (index[0] == '\0' || *end != '\0' || idx > RIM_MAX_INDEX) {
        fprintf(stderr, "rim2policy: measurement index \"%s\" is not 0..253\n", index);
        return -1;
    }
    if (r->count >= MAX_REFS) {
        fprintf(stderr, "rim2policy: too many measurements\n");
        return -1;
    }
    rim_entry *e = &r->entries[r->count];
    memset(e, 0, sizeof(*e));
    e->index = (unsigned)idx;
    copy_attr(e->name, sizeof(e->name), node, "name");
    /* Hash0, Hash1, ... in the digest algorithm's namespace, in order */
    for (unsigned k = 0; k < MAX_ALTS; k++) {
        char attr[16];
        snprintf(attr, sizeof(attr), "Hash%u", k);
        xmlChar *v = NULL;
        for (xmlAttr *a = node->properties; a != NULL && v == NULL; a = a->next)
            if (strcmp((const char *)a->name, attr) == 0)
                v = xmlNodeGetContent((xmlNode *)a);
        if (v == NULL)
            break;
        if (!all_hex((const char *)v) || strlen((const char *)v) % 2 != 0 ||
            strlen((const char *)v) > 2 * RIM_MAX_DIGEST) {
            fprintf(stderr, "rim2policy: index %u: %s is not a hex digest\n", e->index, attr);
            xmlFree(v);
            return -1;
        }
        e->hashes[e->hash_count++] = strdup((const char *)v);
        xmlFree(v);
    }
    if (e->hash_count == 0) {
        fprintf(stderr, "rim2policy: active index %u has no hash\n", e->index);
        return -1;
    }
    r->count++;
    return 0;
}

/* --- XML-DSig ---------------------------------------------------------------------- */

typedef struct dsig_options {
    const char *root_pem;   /* NULL: --skip-signature */
    time_t at;
} dsig_options;

static int is_dsig(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           strcmp((const char *)node->ns->href, DSIG_NS) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

static xmlNode *dsig_child(xmlNode *parent, const char *name)
{
    for (xmlNode *n = parent != NULL ? parent->children : NULL; n != NULL; n = n->next)
        if (is_dsig(n, name))
            return n;
    return NULL;
}

static int attr_is(xmlNode *node, const char *name, const char *value)
{
    xmlChar *v = node != NULL ? xmlGetProp(node, (const xmlChar *)name) : NULL;
    int same = v != NULL && strcmp((const char *)v, value) == 0;
    xmlFree(v);
    return same;
}

/* The canonicalization an Algorithm URI names; -1 for others. */
static int c14n_mode(xmlNode *method)
{
    if (attr_is(method, "Algorithm", "http://www.w3.org/2006/12/xml-c14n11"))
        return XML_C14N_1_1;
    if (attr_is(method, "Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"))
        return XML_C14N_1_0;
    if (attr_is(method, "Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#"))
        return XML_C14N_EXCLUSIVE_1_0;
    return -1;
}

/* 1 when node is top or inside it. */
static int within(const xmlNode *node, const xmlNode *top)
{
    for (; node != NULL; node = node->parent)
        if (node == top)
            return 1;
    return 0;
}

/* Namespace nodes come with their element as parent; everything else has its own. */
static const xmlNode *owner(void *node, xmlNode *parent)
{
    return ((xmlNode *)node)->type == XML_NAMESPACE_DECL ? parent : (const xmlNode *)node;
}

/* The enveloped-signature transform: everything but the Signature element. */
static int visible_outside(void *signature, xmlNode *node, xmlNode *parent)
{
    return !within(owner(node, parent), signature);
}

/* SignedInfo and what it contains. */
static int visible_inside(void *signed_info, xmlNode *node, xmlNode *parent)
{
    return within(owner(node, parent), signed_info);
}

static int canonical(xmlDoc *doc, xmlC14NIsVisibleCallback visible, void *data, int mode,
                     xmlChar **out)
{
    xmlOutputBuffer *buf = xmlAllocOutputBuffer(NULL);
    if (buf == NULL)
        return -1;
    if (xmlC14NExecute(doc, visible, data, mode, NULL, 0, buf) < 0) {
        xmlOutputBufferClose(buf);
        return -1;
    }
    int len = xmlOutputBufferGetSize(buf);
    *out = xmlStrndup(xmlOutputBufferGetContent(buf), len);
    xmlOutputBufferClose(buf);
    return *out != NULL ? len : -1;
}

/* base64 text with whitespace (as XML carries it) into fresh bytes. */
static unsigned char *b64_text(xmlNode *node, size_t *len)
{
    xmlChar *text = xmlNodeGetContent(node);
    if (text == NULL)
        return NULL;
    size_t n = 0, cap = strlen((const char *)text);
    char *clean = malloc(cap + 1);
    unsigned char *out = malloc(cap + 1);
    for (const xmlChar *p = text; clean != NULL && *p != '\0'; p++)
        if (!isspace(*p))
            clean[n++] = (char)*p;
    xmlFree(text);
    int got = clean != NULL && out != NULL && n % 4 == 0 && n > 0
                  ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)n)
                  : -1;
    if (got < 0) {
        free(clean);
        free(out);
        return NULL;
    }
    size_t pad = (n >= 1 && clean[n - 1] == '=') + (n >= 2 && clean[n - 2] == '=');
    *len = (size_t)got - pad;
    free(clean);
    return out;
}

static int fail(const char *what)
{
    fprintf(stderr, "rim2policy: RIM signature: %s\n", what);
    ERR_clear_error();
    return -1;
}

/* The reference: URI "", enveloped-signature then one canonicalization, its digest. */
static int check_reference(xmlDoc *doc, xmlNode *signature, xmlNode *signed_info)
{
    xmlNode *ref = dsig_child(signed_info, "Reference");
    if (ref == NULL || dsig_child(signed_info, "Reference") != ref || !attr_is(ref, "URI", ""))
        return fail("expected one Reference with URI \"\" (the whole document)");
    for (xmlNode *n = ref->next; n != NULL; n = n->next)
        if (is_dsig(n, "Reference"))
            return fail("more than one Reference");
    xmlNode *transforms = dsig_child(ref, "Transforms");
    int enveloped = 0, mode = -1, count = 0;
    for (xmlNode *t = transforms != NULL ? transforms->children : NULL; t != NULL; t = t->next) {
        if (!is_dsig(t, "Transform"))
            continue;
        count++;
        if (attr_is(t, "Algorithm", "http://www.w3.org/2000/09/xmldsig#enveloped-signature"))
            enveloped = 1;
        else if ((mode = c14n_mode(t)) < 0)
            return fail("a transform other than enveloped-signature and canonicalization");
    }
    if (!enveloped || count > 2)
        return fail("expected the enveloped-signature transform");
    if (mode < 0)
        mode = XML_C14N_1_0; /* the default for a node set turned into octets */
    xmlNode *dm = dsig_child(ref, "DigestMethod");
    const EVP_MD *md = attr_is(dm, "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#sha384")
                           ? EVP_sha384()
                       : attr_is(dm, "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")
                           ? EVP_sha256()
                           : NULL;
    if (md == NULL)
        return fail("DigestMethod is neither SHA-384 nor SHA-256");
    size_t want_len = 0;
    unsigned char *want = b64_text(dsig_child(ref, "DigestValue"), &want_len);
    xmlChar *c14n = NULL;
    int c14n_len = canonical(doc, visible_outside, signature, mode, &c14n);
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned int got_len = 0;
    int ok = want != NULL && c14n_len >= 0 &&
             EVP_Digest(c14n, (size_t)c14n_len, got, &got_len, md, NULL) == 1 &&
             want_len == got_len && CRYPTO_memcmp(want, got, got_len) == 0;
    free(want);
    xmlFree(c14n);
    return ok ? 0 : fail("the document's digest is not DigestValue: the RIM was changed");
}

/* KeyInfo's certificates, in order (the signer first). */
static int keyinfo_certs(xmlNode *signature, STACK_OF(X509) *certs)
{
    xmlNode *data = dsig_child(dsig_child(signature, "KeyInfo"), "X509Data");
    for (xmlNode *n = data != NULL ? data->children : NULL; n != NULL; n = n->next) {
        if (!is_dsig(n, "X509Certificate"))
            continue;
        size_t len = 0;
        unsigned char *der = b64_text(n, &len);
        const unsigned char *p = der;
        X509 *x = der != NULL ? d2i_X509(NULL, &p, (long)len) : NULL;
        int whole = x != NULL && p == der + len;
        free(der);
        if (!whole || sk_X509_num(certs) >= MAX_KEYINFO_CERTS || !sk_X509_push(certs, x)) {
            X509_free(x);
            return fail("a KeyInfo certificate is not one DER certificate (or too many)");
        }
    }
    return sk_X509_num(certs) > 0 ? 0 : fail("no X509Certificate in KeyInfo");
}

static int check_chain(STACK_OF(X509) *certs, const dsig_options *opt, char *signer, size_t cap)
{
    FILE *f = fopen(opt->root_pem, "r");
    X509 *root = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL)
        fclose(f);
    if (root == NULL)
        return fail("cannot read the --rim-root certificate");
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = store != NULL && ctx != NULL && X509_STORE_add_cert(store, root) == 1 &&
             X509_STORE_CTX_init(ctx, store, sk_X509_value(certs, 0), certs) == 1;
    if (ok) {
        X509_STORE_CTX_set_time(ctx, 0, opt->at);
        ok = X509_verify_cert(ctx) == 1;
        if (!ok)
            fprintf(stderr, "rim2policy: RIM signer chain: %s\n",
                    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    X509_NAME_oneline(X509_get_subject_name(sk_X509_value(certs, 0)), signer, (int)cap);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(root);
    return ok ? 0 : fail("the signer does not chain to --rim-root at that time");
}

/* SignatureValue over the canonical SignedInfo, by the signer's key. */
static int check_signed_info(xmlDoc *doc, xmlNode *signature, xmlNode *signed_info, X509 *signer)
{
    int mode = c14n_mode(dsig_child(signed_info, "CanonicalizationMethod"));
    if (mode < 0)
        return fail("unknown CanonicalizationMethod");
    xmlNode *sm = dsig_child(signed_info, "SignatureMethod");
    const EVP_MD *md = attr_is(sm, "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384")
                           ? EVP_sha384()
                       : attr_is(sm, "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
                           ? EVP_sha256()
                           : NULL;
    if (md == NULL)
        return fail("SignatureMethod is not ECDSA with SHA-384 or SHA-256");
    EVP_PKEY *key = X509_get0_pubkey(signer);
    size_t half = key != NULL ? (size_t)(EVP_PKEY_get_bits(key) + 7) / 8 : 0;
    size_t sig_len = 0;
    unsigned char *sig = b64_text(dsig_child(signature, "SignatureValue"), &sig_len);
    xmlChar *c14n = NULL;
    int c14n_len = canonical(doc, visible_inside, signed_info, mode, &c14n);
    int ok = 0;
    if (sig != NULL && half > 0 && sig_len == 2 * half && c14n_len >= 0) {
        /* XML-DSig ECDSA values are R || S; OpenSSL verifies DER. */
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *s = BN_bin2bn(sig + half, (int)half, NULL);
        unsigned char *der = NULL;
        int der_len = -1;
        if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s) == 1) {
            r = s = NULL;
            der_len = i2d_ECDSA_SIG(es, &der);
        }
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ok = der_len > 0 && ctx != NULL &&
             EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, der, (size_t)der_len, c14n, (size_t)c14n_len) == 1;
        EVP_MD_CTX_free(ctx);
        OPENSSL_free(der);
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
    }
    free(sig);
    xmlFree(c14n);
    return ok ? 0 : fail("SignatureValue does not verify over SignedInfo with the signer's key");
}

static int verify_rim_signature(rim *r, xmlDoc *doc, xmlNode *root, const dsig_options *opt)
{
    xmlNode *signature = dsig_child(root, "Signature");
    if (signature == NULL)
        return fail("the RIM is not signed");
    xmlNode *signed_info = dsig_child(signature, "SignedInfo");
    if (signed_info == NULL)
        return fail("no SignedInfo");
    STACK_OF(X509) *certs = sk_X509_new_null();
    int rc = certs == NULL ? -1 : 0;
    if (rc == 0)
        rc = check_reference(doc, signature, signed_info);
    if (rc == 0)
        rc = keyinfo_certs(signature, certs);
    if (rc == 0)
        rc = check_chain(certs, opt, r->signer, sizeof(r->signer));
    if (rc == 0)
        rc = check_signed_info(doc, signature, signed_info, sk_X509_value(certs, 0));
    sk_X509_pop_free(certs, X509_free);
    r->signature_verified = rc == 0;
    return rc;
}

static int read_rim(rim *r, const char *path, const dsig_options *opt)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    if (doc == NULL) {
        fprintf(stderr, "rim2policy: %s is not XML\n", path);
        return -1;
    }
    int rc = -1;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_swid(root, "SoftwareIdentity")) {
        fprintf(stderr, "rim2policy: %s is not a SWID tag\n", path);
        goto out;
    }
    if (opt->root_pem != NULL && verify_rim_signature(r, doc, root, opt) != 0) {
        fprintf(stderr, "rim2policy: %s: rejected\n", path);
        rc = -4;
        goto out;
    }
    copy_attr(r->tag_id, sizeof(r->tag_id), root, "tagId");
    copy_attr(r->product, sizeof(r->product), root, "name");
    for (xmlNode *n = root->children; n != NULL; n = n->next) {
        if (is_swid(n, "Meta"))
            copy_attr(r->version, sizeof(r->version), n, "colloquialVersion");
        if (!is_swid(n, "Payload"))
            continue;
        for (xmlNode *m = n->children; m != NULL; m = m->next)
            if (is_swid(m, "Resource") && read_resource(r, m) != 0)
                goto out;
    }
    if (r->count == 0) {
        fprintf(stderr, "rim2policy: %s lists no active measurement\n", path);
        goto out;
    }
    rc = 0;
out:
    xmlFreeDoc(doc);
    return rc;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_json(const rim *r)
{
    printf("{\"source\": {\"tag_id\": ");
    print_json_string(r->tag_id);
    printf(", \"product\": ");
    print_json_string(r->product);
    printf(", \"version\": ");
    print_json_string(r->version);
    printf(", \"signature_verified\": %s", r->signature_verified ? "true" : "false");
    if (r->signature_verified) {
        printf(", \"signer\": ");
        print_json_string(r->signer);
    }
    printf("},\n \"gpu_measurements\": [\n");
    for (size_t i = 0; i < r->count; i++) {
        const rim_entry *e = &r->entries[i];
        printf("  {\"index\": %u, \"name\": ", e->index);
        print_json_string(e->name);
        printf(", \"accept\": [");
        for (size_t k = 0; k < e->hash_count; k++) {
            printf("%s", k ? ", " : "");
            print_json_string(e->hashes[k]);
        }
        printf("]}%s\n", i + 1 < r->count ? "," : "");
    }
    printf(" ]}\n");
}

/* Hex text (whitespace ignored), as NVIDIA's tools write evidence. */
static uint8_t *read_hex_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 20, n = 0;
    char *text = f != NULL ? malloc(cap + 1) : NULL;
    uint8_t *out = NULL;
    long out_len = 0;
    int c;
    while (text != NULL && (c = fgetc(f)) != EOF) {
        if (isspace(c))
            continue;
        if (n == cap) {
            free(text);
            text = NULL;
            break;
        }
        text[n++] = (char)c;
    }
    if (f != NULL)
        fclose(f);
    if (text != NULL && n > 0) {
        text[n] = '\0';
        out = OPENSSL_hexstr2buf(text, &out_len);
        ERR_clear_error();
    }
    free(text);
    *len = (size_t)out_len;
    return out;
}

/* The evidence's value at a RIM index; NULL when it measures none there. */
static const char *measured(const cJSON *blocks, unsigned index)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks) {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(b, "index");
        if (cJSON_IsNumber(i) && i->valuedouble == (double)index)
            return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "value"));
    }
    return NULL;
}

/*
 * Compares the evidence's blocks with the RIM's active measurements: exit
 * 0 when all match or, with expect_mismatch, when exactly that index
 * differs; 3 otherwise.
 */
static int check(const rim *r, const char *evidence_path, long expect_mismatch)
{
    size_t len;
    uint8_t *bytes = read_hex_file(evidence_path, &len);
    char *json = NULL;
    cJSON *ev = NULL;
    confai_error err = { 0 };
    int rc = 3;
    if (bytes == NULL) {
        fprintf(stderr, "rim2policy: cannot read %s as hex\n", evidence_path);
        return 3;
    }
    if (confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_NVIDIA_SPDM, bytes, len, &err) !=
            CONFAI_OK ||
        (ev = cJSON_Parse(json)) == NULL) {
        fprintf(stderr, "rim2policy: %s: %s: %s\n", evidence_path,
                confai_status_name(err.status), err.message);
        goto out;
    }
    const char *driver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "driver_version"));
    const char *vbios = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "vbios_version"));
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(ev, "measurements");
    printf("evidence: driver %s, VBIOS %s; RIM: %s %s, %zu active measurements\n",
           driver != NULL ? driver : "?", vbios != NULL ? vbios : "?", r->product, r->version,
           r->count);
    size_t mismatches = 0, matched = 0;
    int expected_seen = 0;
    for (size_t i = 0; i < r->count; i++) {
        const rim_entry *e = &r->entries[i];
        const char *value = measured(blocks, e->index);
        int match = 0;
        for (size_t k = 0; value != NULL && k < e->hash_count; k++)
            match |= strcasecmp(value, e->hashes[k]) == 0;
        if (match) {
            matched++;
            continue;
        }
        mismatches++;
        expected_seen |= (long)e->index == expect_mismatch;
        printf("index %u: %s\n", e->index,
               value == NULL ? "not measured" : "measured value is not one the RIM accepts");
    }
    printf("%zu of %zu measurements match\n", matched, r->count);
    rc = (expect_mismatch < 0 ? mismatches == 0 : mismatches == 1 && expected_seen) ? 0 : 3;
out:
    cJSON_Delete(ev);
    confai_free(json);
    OPENSSL_free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    const char *evidence = NULL;
    long expect_mismatch = -1;
    int skip_signature = 0;
    dsig_options opt = { NULL, time(NULL) };
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s RIM.swidtag (--rim-root ROOT.pem [--at SECONDS] | --skip-signature)\n"
                "       [--check EVIDENCE.hex [--expect-mismatch N]]\n",
                argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--rim-root") == 0 && i + 1 < argc) {
            opt.root_pem = argv[++i];
        } else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            opt.at = (time_t)strtoll(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--skip-signature") == 0) {
            skip_signature = 1;
        } else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
            evidence = argv[++i];
        } else if (strcmp(argv[i], "--expect-mismatch") == 0 && i + 1 < argc) {
            expect_mismatch = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "rim2policy: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if ((opt.root_pem == NULL) == !skip_signature) {
        fprintf(stderr, "rim2policy: give --rim-root ROOT.pem (or, to not verify the RIM's "
                        "signature, --skip-signature)\n");
        return 2;
    }
    static rim r;
    int rc = read_rim(&r, argv[1], &opt);
    rc = rc == 0 ? 0 : rc == -4 ? 4 : 2;
    if (rc == 0) {
        if (evidence == NULL)
            print_json(&r);
        else
            rc = check(&r, evidence, expect_mismatch);
    }
    for (size_t i = 0; i < r.count; i++)
        for (size_t k = 0; k < r.entries[i].hash_count; k++)
            free(r.entries[i].hashes[k]);
    xmlCleanupParser();
    return rc;
}

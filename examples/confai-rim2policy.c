/*
 * confai-rim2policy: turns an NVIDIA RIM (a TCG/SWID tag, XML, as NVIDIA's
 * RIM service publishes for each driver and VBIOS) into the reference set of
 * GPU measurements the verifier compares with (nvgpu_measurements_check), as
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
 * THE RIM'S XMLDSig SIGNATURE IS NOT VERIFIED HERE: check it (NVIDIA RIM root)
 * before trusting the output; the JSON says so in "signature_verified".
 *
 * Usage:
 *   confai-rim2policy RIM.swidtag
 *       prints the JSON on stdout
 *   confai-rim2policy RIM.swidtag --check EVIDENCE.hex [--expect-mismatch N]
 *       parses SPDM evidence (hex text, as NVIDIA's tools write it) and compares
 *       its blocks with the RIM; exit 0 when all match (or, with
 *       --expect-mismatch, when exactly index N is named), 3 otherwise
 *
 * A development tool: it links the library's internal build to reach the
 * SPDM parser. Built only when libxml2 is found.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "attest/nvidia_gpu.h"

#define SWID_NS "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
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
    if (index[0] == '\0' || *end != '\0' || idx >= SPDM_MAX_BLOCKS) {
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
            strlen((const char *)v) > 2 * SPDM_MAX_VALUE_SIZE) {
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

static int read_rim(rim *r, const char *path)
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
    printf(", \"signature_verified\": false},\n \"gpu_measurements\": [\n");
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

static uint8_t *read_hex_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *out = malloc(cap);
    int c, hi = -1;
    while (out != NULL && (c = fgetc(f)) != EOF) {
        if (isspace(c))
            continue;
        if (!isxdigit(c) || n == cap) {
            free(out);
            out = NULL;
            break;
        }
        int v = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    fclose(f);
    if (out != NULL && hi >= 0) {
        free(out);
        out = NULL;
    }
    *len = n;
    return out;
}

static int check(const rim *r, const char *evidence_path, long expect_mismatch)
{
    size_t len;
    uint8_t *bytes = read_hex_file(evidence_path, &len);
    if (bytes == NULL) {
        fprintf(stderr, "rim2policy: cannot read %s as hex\n", evidence_path);
        return 3;
    }
    spdm_evidence *ev = malloc(sizeof(*ev));
    nvgpu_reference refs[MAX_REFS];
    for (size_t i = 0; i < r->count; i++)
        refs[i] = (nvgpu_reference){ r->entries[i].index,
                                     (const char *const *)r->entries[i].hashes,
                                     r->entries[i].hash_count };
    confai_error err = { 0 };
    int rc = 3;
    if (ev == NULL || spdm_evidence_parse(ev, bytes, len, &err) != CONFAI_OK) {
        fprintf(stderr, "rim2policy: %s: %s\n", evidence_path, err.message);
        goto out;
    }
    printf("evidence: driver %s, VBIOS %s; RIM: %s %s, %zu active measurements\n",
           ev->driver_version, ev->vbios_version, r->product, r->version, r->count);
    confai_status s = nvgpu_measurements_check(ev, refs, r->count, &err);
    if (s == CONFAI_OK) {
        printf("all %zu measurements match\n", r->count);
        rc = expect_mismatch < 0 ? 0 : 3;
        goto out;
    }
    printf("%s: %s\n", confai_status_name(s), err.message);
    if (expect_mismatch >= 0 && s == CONFAI_E_POLICY_MEASUREMENT) {
        char want[48];
        snprintf(want, sizeof(want), "index %ld ", expect_mismatch);
        if (strstr(err.message, want) == NULL)
            goto out;
        /* and every other index matches */
        size_t n = 0;
        for (size_t i = 0; i < r->count; i++)
            if ((long)refs[i].index != expect_mismatch)
                refs[n++] = refs[i];
        s = nvgpu_measurements_check(ev, refs, n, &err);
        printf("without index %ld: %zu measurements %s\n", expect_mismatch, n,
               s == CONFAI_OK ? "match" : err.message);
        rc = s == CONFAI_OK ? 0 : 3;
    }
out:
    free(ev);
    free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    const char *evidence = NULL;
    long expect_mismatch = -1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s RIM.swidtag [--check EVIDENCE.hex [--expect-mismatch N]]\n",
                argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
            evidence = argv[++i];
        } else if (strcmp(argv[i], "--expect-mismatch") == 0 && i + 1 < argc) {
            expect_mismatch = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "rim2policy: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    static rim r;
    int rc = read_rim(&r, argv[1]) == 0 ? 0 : 2;
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

/*
 * The "sev_snp" section of a policy (doc/policy.md). Every member is
 * required except custom_roots and crls, whose absence means "AMD's roots
 * only, no extra CRLs" (the strict reading). min_report_version,
 * guest_policy and min_current_tcb are required too: none of them has a
 * value that is both strict and right for every deployment, so a policy
 * says what it accepts.
 */
#include <string.h>

#include "attest/policy/policy.h"
#include "core/error.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const product_names[] = {
    [SNP_PRODUCT_MILAN] = "milan",
    [SNP_PRODUCT_GENOA] = "genoa",
    [SNP_PRODUCT_TURIN] = "turin",
};
#define FIRST_PRODUCT SNP_PRODUCT_MILAN

/* The order of the "guest_policy" members and of their checks. */
const policy_snp_guest_bit policy_snp_guest_bits[POLICY_SNP_GUEST_BITS] = {
    { "smt", POLICY_SNP_GUEST_SMT, CHECK_POLICY_GUEST_SMT },
    { "single_socket", POLICY_SNP_GUEST_SINGLE_SOCKET, CHECK_POLICY_GUEST_SINGLE_SOCKET },
    { "cxl_allow", POLICY_SNP_GUEST_CXL_ALLOW, CHECK_POLICY_GUEST_CXL_ALLOW },
    { "mem_aes_256_xts", POLICY_SNP_GUEST_MEM_AES_256_XTS, CHECK_POLICY_GUEST_MEM_AES_256_XTS },
    { "rapl_dis", POLICY_SNP_GUEST_RAPL_DIS, CHECK_POLICY_GUEST_RAPL_DIS },
    { "ciphertext_hiding_dram", POLICY_SNP_GUEST_CIPHERTEXT_HIDING_DRAM,
      CHECK_POLICY_GUEST_CIPHERTEXT_HIDING_DRAM },
    { "page_swap_disable", POLICY_SNP_GUEST_PAGE_SWAP_DISABLE,
      CHECK_POLICY_GUEST_PAGE_SWAP_DISABLE },
};
#define LAST_PRODUCT SNP_PRODUCT_TURIN

const char *policy_snp_product_name(snp_product product)
{
    if (product < FIRST_PRODUCT || product > LAST_PRODUCT)
        return NULL;
    return product_names[product];
}

static int product_by_name(const char *name, snp_product *product)
{
    for (int p = FIRST_PRODUCT; p <= LAST_PRODUCT; p++) {
        if (strcmp(name, product_names[p]) == 0) {
            *product = (snp_product)p;
            return 1;
        }
    }
    return 0;
}

static int accepts_product(const policy_snp *snp, snp_product p)
{
    return snp->products_any || (snp->products & (1u << p)) != 0;
}

static confai_status read_products(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    policy_names names;
    const char *const allowed[] = { "milan", "genoa", "turin" };

    GUARD(policy_read_names(ctx, "sev_snp.products", item, allowed, COUNT(allowed), &names));
    snp->products_any = names.any;
    for (size_t i = 0; i < names.count; i++) {
        snp_product p = SNP_PRODUCT_UNKNOWN;
        product_by_name(names.items[i], &p);
        snp->products |= 1u << p;
    }
out:
    policy_names_clear(&names);
    return status;
}

/* {"reported": tcb, "committed": tcb, "launch": tcb} for one product. */
static confai_status read_product_tcbs(const json_ctx *ctx, const char *path,
                                       const cJSON *item, snp_product product,
                                       policy_snp_tcbs *tcbs)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    json_field f[] = {
        { "reported", JSON_OBJECT, 1, NULL },
        { "committed", JSON_OBJECT, 1, NULL },
        { "launch", JSON_OBJECT, 1, NULL },
    };
    policy_tcb *dst[] = { &tcbs->reported, &tcbs->committed, &tcbs->launch };
    int with_fmc = product == SNP_PRODUCT_TURIN;

    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    for (size_t i = 0; i < COUNT(f); i++) {
        json_path_member(p, path, f[i].name);
        GUARD(policy_read_tcb(ctx, p, f[i].value, with_fmc, dst[i]));
    }
    tcbs->present = 1;
out:
    return status;
}

/* Reads the entry of one accepted product at path into snp. */
typedef confai_status (*product_entry_reader)(const json_ctx *ctx, const char *path,
                                              const cJSON *item, snp_product product,
                                              policy_snp *snp);

/*
 * "*" (*any set) or an object with one entry per accepted product and none
 * for the others: TCB numbering differs per product, so a single minimum
 * for all would be meaningless, and an entry nobody can reach is a mistake.
 * min_tcb and min_current_tcb both have this shape.
 */
static confai_status read_per_product(const json_ctx *ctx, const char *path, const cJSON *item,
                                      policy_snp *snp, int *any, product_entry_reader read_entry)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, path, "expected \"*\" or an object");
        *any = 1;
        return CONFAI_OK;
    }
    json_field f[] = {
        { "milan", JSON_OBJECT, 0, NULL },
        { "genoa", JSON_OBJECT, 0, NULL },
        { "turin", JSON_OBJECT, 0, NULL },
    };
    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    for (size_t i = 0; i < COUNT(f); i++) {
        snp_product product = (snp_product)(FIRST_PRODUCT + i);
        json_path_member(p, path, f[i].name);
        if (f[i].value == NULL) {
            if (accepts_product(snp, product))
                return json_fail(ctx, p, "missing (every accepted product needs its minimum)");
            continue;
        }
        if (!accepts_product(snp, product))
            return json_fail(ctx, p, "given for a product that sev_snp.products does not accept");
        GUARD(read_entry(ctx, p, f[i].value, product, snp));
    }
out:
    return status;
}

/* min_tcb's entry: {"reported": tcb, "committed": tcb, "launch": tcb}. */
static confai_status read_min_tcb_entry(const json_ctx *ctx, const char *path,
                                        const cJSON *item, snp_product product, policy_snp *snp)
{
    return read_product_tcbs(ctx, path, item, product, &snp->min_tcb[product]);
}

/* min_current_tcb's entry: one TCB, the minimum CURRENT_TCB. */
static confai_status read_min_current_tcb_entry(const json_ctx *ctx, const char *path,
                                                const cJSON *item, snp_product product,
                                                policy_snp *snp)
{
    confai_status status = policy_read_tcb(ctx, path, item, product == SNP_PRODUCT_TURIN,
                                           &snp->min_current_tcb[product]);
    if (status == CONFAI_OK)
        snp->min_current_tcb_products |= 1u << product;
    return status;
}

/* "required", "forbidden" or "*" for one guest policy bit. */
static confai_status read_bit_rule(const json_ctx *ctx, const char *path, const cJSON *item,
                                   policy_bit_rule *rule)
{
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, path, item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    if (strcmp(s, "required") == 0)
        *rule = POLICY_BIT_REQUIRED;
    else if (strcmp(s, "forbidden") == 0)
        *rule = POLICY_BIT_FORBIDDEN;
    else if (strcmp(s, "*") == 0)
        *rule = POLICY_BIT_ANY;
    else
        return json_fail(ctx, path, "expected \"required\", \"forbidden\" or \"*\"");
    return CONFAI_OK;
}

/* "*" or {"major": n, "minor": n}: the least ABI the guest policy may demand. */
static confai_status read_min_abi(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    const char *path = "sev_snp.guest_policy.min_abi";
    uint64_t major = 0, minor = 0;

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, path, "expected \"*\" or an object");
        snp->min_abi_any = 1;
        return CONFAI_OK;
    }
    json_field f[] = {
        { "major", JSON_NUMBER, 1, NULL },
        { "minor", JSON_NUMBER, 1, NULL },
    };
    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    GUARD(json_read_uint(ctx, "sev_snp.guest_policy.min_abi.major", f[0].value, 0, 255, &major));
    GUARD(json_read_uint(ctx, "sev_snp.guest_policy.min_abi.minor", f[1].value, 0, 255, &minor));
    snp->min_abi_major = (uint8_t)major;
    snp->min_abi_minor = (uint8_t)minor;
out:
    return status;
}

/* Every bit of policy_snp_guest_bits, then min_abi: all required. */
static confai_status read_guest_policy(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    const char *path = "sev_snp.guest_policy";
    json_field f[POLICY_SNP_GUEST_BITS + 1];

    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++)
        f[i] = (json_field){ policy_snp_guest_bits[i].name, JSON_STRING, 1, NULL };
    f[POLICY_SNP_GUEST_BITS] = (json_field){ "min_abi", JSON_STRING | JSON_OBJECT, 1, NULL };
    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++) {
        json_path_member(p, path, f[i].name);
        GUARD(read_bit_rule(ctx, p, f[i].value, &snp->guest_bits[i]));
    }
    GUARD(read_min_abi(ctx, f[POLICY_SNP_GUEST_BITS].value, snp));
out:
    return status;
}

static confai_status read_vmpls(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    const char *path = "sev_snp.vmpls";
    size_t n = 0, i = 0;

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, path, "expected \"*\" or an array");
        snp->vmpls_any = 1;
        return CONFAI_OK;
    }
    GUARD(json_read_array(ctx, path, item, 1, 4, &n));
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        uint64_t v;
        json_path_index(p, path, i);
        GUARD(json_read_uint(ctx, p, e, 0, 3, &v));
        snp->vmpls |= 1u << v;
    }
out:
    return status;
}

static confai_status read_fw(const json_ctx *ctx, const char *path, const cJSON *item,
                             policy_fw *fw)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    json_field f[] = {
        { "major", JSON_NUMBER, 1, NULL },
        { "minor", JSON_NUMBER, 1, NULL },
        { "build", JSON_NUMBER, 1, NULL },
    };
    uint8_t *dst[] = { &fw->major, &fw->minor, &fw->build };

    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    for (size_t i = 0; i < COUNT(f); i++) {
        uint64_t v;
        json_path_member(p, path, f[i].name);
        GUARD(json_read_uint(ctx, p, f[i].value, 0, 255, &v));
        *dst[i] = (uint8_t)v;
    }
out:
    return status;
}

static confai_status read_min_firmware(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    const char *path = "sev_snp.min_firmware";

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, path, "expected \"*\" or an object");
        snp->min_firmware_any = 1;
        return CONFAI_OK;
    }
    json_field f[] = {
        { "current", JSON_OBJECT, 1, NULL },
        { "committed", JSON_OBJECT, 1, NULL },
    };
    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    GUARD(read_fw(ctx, "sev_snp.min_firmware.current", f[0].value, &snp->min_firmware_current));
    GUARD(read_fw(ctx, "sev_snp.min_firmware.committed", f[1].value,
                  &snp->min_firmware_committed));
out:
    return status;
}

enum {
    F_PRODUCTS, F_MEASUREMENTS, F_MIN_TCB, F_ALLOW_DEBUG, F_ALLOW_MA, F_VMPLS,
    F_HOST_DATA, F_MIN_GUEST_SVN, F_ID_KEYS, F_AUTHOR_KEYS, F_CHIP_IDS, F_MIN_FIRMWARE,
    F_MIN_REPORT_VERSION, F_GUEST_POLICY, F_MIN_CURRENT_TCB, F_CUSTOM_ROOTS, F_CRLS, F_COUNT
};

confai_status policy_read_snp(const json_ctx *ctx, const cJSON *item, policy_snp *snp)
{
    confai_status status = CONFAI_OK;
    uint64_t svn = 0, report_version = 0;
    const int list = JSON_STRING | JSON_ARRAY;
    json_field f[F_COUNT] = {
        [F_PRODUCTS] = { "products", list, 1, NULL },
        [F_MEASUREMENTS] = { "measurements", list, 1, NULL },
        [F_MIN_TCB] = { "min_tcb", JSON_STRING | JSON_OBJECT, 1, NULL },
        [F_ALLOW_DEBUG] = { "allow_debug", JSON_BOOL, 1, NULL },
        [F_ALLOW_MA] = { "allow_migration_agent", JSON_BOOL, 1, NULL },
        [F_VMPLS] = { "vmpls", list, 1, NULL },
        [F_HOST_DATA] = { "host_data", list, 1, NULL },
        [F_MIN_GUEST_SVN] = { "min_guest_svn", JSON_NUMBER, 1, NULL },
        [F_ID_KEYS] = { "id_key_digests", list, 1, NULL },
        [F_AUTHOR_KEYS] = { "author_key_digests", list, 1, NULL },
        [F_CHIP_IDS] = { "chip_ids", list, 1, NULL },
        [F_MIN_FIRMWARE] = { "min_firmware", JSON_STRING | JSON_OBJECT, 1, NULL },
        [F_MIN_REPORT_VERSION] = { "min_report_version", JSON_NUMBER, 1, NULL },
        [F_GUEST_POLICY] = { "guest_policy", JSON_OBJECT, 1, NULL },
        [F_MIN_CURRENT_TCB] = { "min_current_tcb", JSON_STRING | JSON_OBJECT, 1, NULL },
        [F_CUSTOM_ROOTS] = { "custom_roots", JSON_ARRAY, 0, NULL },
        [F_CRLS] = { "crls", JSON_ARRAY, 0, NULL },
    };

    /* Removed in favour of guest_policy.smt: say so rather than "unknown member". */
    if (cJSON_IsObject(item) && cJSON_GetObjectItemCaseSensitive(item, "allow_smt") != NULL)
        return json_fail(ctx, "sev_snp.allow_smt",
                         "no longer a member: guest_policy.smt says whether SMT is accepted "
                         "(\"forbidden\" for no SMT; doc/policy.md)");
    GUARD(json_read_object(ctx, "sev_snp", item, f, F_COUNT));
    GUARD(read_products(ctx, f[F_PRODUCTS].value, snp));
    GUARD(policy_read_set(ctx, "sev_snp.measurements", f[F_MEASUREMENTS].value, 48,
                          &snp->measurements));
    GUARD(read_per_product(ctx, "sev_snp.min_tcb", f[F_MIN_TCB].value, snp, &snp->min_tcb_any,
                           read_min_tcb_entry));
    GUARD(json_read_bool(ctx, "sev_snp.allow_debug", f[F_ALLOW_DEBUG].value, &snp->allow_debug));
    GUARD(json_read_bool(ctx, "sev_snp.allow_migration_agent", f[F_ALLOW_MA].value,
                         &snp->allow_migration_agent));
    GUARD(read_vmpls(ctx, f[F_VMPLS].value, snp));
    GUARD(policy_read_set(ctx, "sev_snp.host_data", f[F_HOST_DATA].value, 32, &snp->host_data));
    GUARD(json_read_uint(ctx, "sev_snp.min_guest_svn", f[F_MIN_GUEST_SVN].value, 0, UINT32_MAX,
                         &svn));
    snp->min_guest_svn = (uint32_t)svn;
    GUARD(policy_read_set(ctx, "sev_snp.id_key_digests", f[F_ID_KEYS].value, 48,
                          &snp->id_key_digests));
    GUARD(policy_read_set(ctx, "sev_snp.author_key_digests", f[F_AUTHOR_KEYS].value, 48,
                          &snp->author_key_digests));
    GUARD(policy_read_set(ctx, "sev_snp.chip_ids", f[F_CHIP_IDS].value, 64, &snp->chip_ids));
    GUARD(read_min_firmware(ctx, f[F_MIN_FIRMWARE].value, snp));
    GUARD(json_read_uint(ctx, "sev_snp.min_report_version", f[F_MIN_REPORT_VERSION].value,
                         POLICY_SNP_REPORT_VERSION_MIN, POLICY_SNP_REPORT_VERSION_MAX,
                         &report_version));
    snp->min_report_version = (uint32_t)report_version;
    GUARD(read_guest_policy(ctx, f[F_GUEST_POLICY].value, snp));
    GUARD(read_per_product(ctx, "sev_snp.min_current_tcb", f[F_MIN_CURRENT_TCB].value, snp,
                           &snp->min_current_tcb_any, read_min_current_tcb_entry));
    if (f[F_CUSTOM_ROOTS].value != NULL)
        GUARD(policy_read_pems(ctx, "sev_snp.custom_roots", f[F_CUSTOM_ROOTS].value, 1,
                               &snp->custom_roots));
    if (f[F_CRLS].value != NULL)
        GUARD(policy_read_pems(ctx, "sev_snp.crls", f[F_CRLS].value, 0, &snp->crls));
out:
    return status;
}

void policy_snp_clear(policy_snp *snp)
{
    policy_set_clear(&snp->measurements);
    policy_set_clear(&snp->host_data);
    policy_set_clear(&snp->id_key_digests);
    policy_set_clear(&snp->author_key_digests);
    policy_set_clear(&snp->chip_ids);
    policy_ders_clear(&snp->custom_roots);
    policy_ders_clear(&snp->crls);
    memset(snp, 0, sizeof(*snp));
}

/*
 * The extended report's certificate table (snp_cert_table.h): a walk over
 * 24-byte entries with every offset and length checked against the table
 * before a pointer is made, and the inverse writer.
 */
#include "server/snp_cert_table.h"

#include <string.h>

#include "core/bytes.h"
#include "core/error.h"
#include "core/memory.h"

const uint8_t snp_cert_guid_vcek[SNP_CERT_GUID_SIZE] = {
    0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd,
};
const uint8_t snp_cert_guid_vlek[SNP_CERT_GUID_SIZE] = {
    0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1,
};
const uint8_t snp_cert_guid_ask[SNP_CERT_GUID_SIZE] = {
    0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
    0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82,
};
const uint8_t snp_cert_guid_ark[SNP_CERT_GUID_SIZE] = {
    0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
    0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae,
};

/* The four known kinds, in table order. */
#define KINDS 4
static const char *const kind_name[KINDS] = { "VCEK", "VLEK", "ASK", "ARK" };

static const uint8_t *kind_guid(int kind)
{
    switch (kind) {
    case 0: return snp_cert_guid_vcek;
    case 1: return snp_cert_guid_vlek;
    case 2: return snp_cert_guid_ask;
    default: return snp_cert_guid_ark;
    }
}

static int guid_kind(const uint8_t guid[SNP_CERT_GUID_SIZE])
{
    for (int k = 0; k < KINDS; k++)
        if (memcmp(guid, kind_guid(k), SNP_CERT_GUID_SIZE) == 0)
            return k;
    return -1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* Walks and checks the table; fills ptr, lens and *used. */
static confai_status walk(const uint8_t *ptr[KINDS], size_t lens[KINDS], size_t *used,
                          const uint8_t *table, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t entries = 0;

    for (int k = 0; k < KINDS; k++) {
        ptr[k] = NULL;
        lens[k] = 0;
    }

    ENSURE(table != NULL || len == 0, CONFAI_E_ARGUMENT, "invalid argument: table");
    /* find the terminator first: certificates must lie after it */
    for (;;) {
        size_t at = entries * SNP_CERT_ENTRY_SIZE;
        ENSURE(at <= len && len - at >= SNP_CERT_ENTRY_SIZE, CONFAI_E_TRUNCATED,
               "SNP certificate table: no all-zero terminator within its %zu bytes "
               "(entry %zu is cut off): the host supplied a broken table", len, entries);
        const uint8_t *e = table + at;
        if (all_zero(e, SNP_CERT_GUID_SIZE)) {
            ENSURE(all_zero(e + SNP_CERT_GUID_SIZE, 8), CONFAI_E_MALFORMED,
                   "SNP certificate table: entry %zu has a zero GUID but an offset or "
                   "length: the terminator must be all zero", entries);
            break;
        }
        entries++;
    }
    size_t header = (entries + 1) * SNP_CERT_ENTRY_SIZE;
    size_t end = header;
    for (size_t i = 0; i < entries; i++) {
        const uint8_t *e = table + i * SNP_CERT_ENTRY_SIZE;
        uint64_t off = load_le32(e + 16), n = load_le32(e + 20);
        int kind = guid_kind(e);
        const char *name = kind >= 0 ? kind_name[kind] : "unknown";
        ENSURE(n > 0, CONFAI_E_MALFORMED,
               "SNP certificate table: entry %zu (%s) has length 0", i, name);
        ENSURE(off + n <= len, CONFAI_E_TRUNCATED,
               "SNP certificate table: entry %zu (%s) spans [%llu, %llu), past the "
               "table's %zu bytes", i, name, (unsigned long long)off,
               (unsigned long long)(off + n), len);
        ENSURE(off >= header, CONFAI_E_MALFORMED,
               "SNP certificate table: entry %zu (%s) at offset %llu overlaps the %zu "
               "bytes of entries", i, name, (unsigned long long)off, header);
        if ((size_t)(off + n) > end)
            end = (size_t)(off + n);
        if (kind < 0)
            continue; /* other GUIDs (CRLs, vendor data) are not ours */
        ENSURE(ptr[kind] == NULL, CONFAI_E_MALFORMED,
               "SNP certificate table: the %s GUID appears twice", name);
        ptr[kind] = table + off;
        lens[kind] = (size_t)n;
    }
    *used = end;
out:
    return status;
}

confai_status snp_cert_table_parse(snp_cert_table *t, const uint8_t *table, size_t len,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *ptr[KINDS];
    size_t lens[KINDS];
    size_t used = 0;

    ENSURE_ARG(t != NULL, "t");
    memset(t, 0, sizeof(*t));
    GUARD(walk(ptr, lens, &used, table, len, err));
    t->vcek = ptr[0];
    t->vcek_len = lens[0];
    t->vlek = ptr[1];
    t->vlek_len = lens[1];
    t->ask = ptr[2];
    t->ask_len = lens[2];
    t->ark = ptr[3];
    t->ark_len = lens[3];
out:
    return status;
}

confai_status snp_cert_table_extent(size_t *used, const uint8_t *table, size_t len,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *ptr[KINDS];
    size_t lens[KINDS];
    ENSURE_ARG(used != NULL, "used");
    *used = 0;
    GUARD(walk(ptr, lens, used, table, len, err));
out:
    return status;
}

confai_status snp_cert_table_write(uint8_t **out, size_t *len, const snp_cert_table *t,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(out != NULL && len != NULL, "out");
    *out = NULL;
    *len = 0;
    ENSURE_ARG(t != NULL, "t");

    const uint8_t *ptr[KINDS] = { t->vcek, t->vlek, t->ask, t->ark };
    const size_t lens[KINDS] = { t->vcek_len, t->vlek_len, t->ask_len, t->ark_len };
    size_t count = 0;
    uint64_t total = 0;
    for (int k = 0; k < KINDS; k++) {
        if (ptr[k] == NULL)
            continue;
        ENSURE(lens[k] > 0, CONFAI_E_ARGUMENT,
               "invalid argument: the %s certificate has length 0", kind_name[k]);
        ENSURE(lens[k] <= UINT32_MAX, CONFAI_E_LIMIT,
               "SNP certificate table: the %s certificate is over 4 GiB", kind_name[k]);
        count++;
        total += lens[k];
    }
    ENSURE(count > 0, CONFAI_E_ARGUMENT, "invalid argument: no certificate for the table");
    uint64_t header = (uint64_t)(count + 1) * SNP_CERT_ENTRY_SIZE;
    ENSURE(header + total <= UINT32_MAX, CONFAI_E_LIMIT,
           "SNP certificate table: over 4 GiB");

    uint8_t *buf = confai_zalloc((size_t)(header + total));
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "SNP certificate table: out of memory");
    size_t entry = 0, at = (size_t)header;
    for (int k = 0; k < KINDS; k++) {
        if (ptr[k] == NULL)
            continue;
        uint8_t *e = buf + entry * SNP_CERT_ENTRY_SIZE;
        memcpy(e, kind_guid(k), SNP_CERT_GUID_SIZE);
        store_le32(e + 16, (uint32_t)at);
        store_le32(e + 20, (uint32_t)lens[k]);
        memcpy(buf + at, ptr[k], lens[k]);
        at += lens[k];
        entry++;
    }
    *out = buf;
    *len = at;
out:
    return status;
}

/*
 * The certificate table of an SEV-SNP extended report (GHCB specification,
 * MSG_REPORT_REQ of SNP_GUEST_REQUEST; the auxblob of configfs-tsm's
 * sev_guest provider; the certificate buffer of /dev/sev-guest's
 * SNP_GET_EXT_REPORT).
 *
 * Layout: 24-byte entries { GUID (16 bytes), offset (u32 LE), length (u32
 * LE) }, ended by an all-zero entry; each offset counts from the start of
 * the table; the certificates (DER) follow the entries.
 *
 * The GUIDs are stored in the order their text is written (the RFC 4122
 * network order: 63da758d-e664-... is 63 da 75 8d e6 64 ...), which is how
 * AMD's own tools (uuid_parse) and the hypervisors' certificate tools write
 * them; not the mixed-endian EFI form.
 *
 * Pure functions of bytes; no I/O.
 */
#ifndef CONFAI_SERVER_SNP_CERT_TABLE_H
#define CONFAI_SERVER_SNP_CERT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define SNP_CERT_ENTRY_SIZE 24
#define SNP_CERT_GUID_SIZE 16

/* The GUIDs of the table, as stored (text order). */
extern const uint8_t snp_cert_guid_vcek[SNP_CERT_GUID_SIZE]; /* 63da758d-e664-4564-adc5-f4b93be8accd */
extern const uint8_t snp_cert_guid_vlek[SNP_CERT_GUID_SIZE]; /* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
extern const uint8_t snp_cert_guid_ask[SNP_CERT_GUID_SIZE];  /* 4ab7b379-bbac-4fe4-a02f-05aef327c782 (ASK or ASVK) */
extern const uint8_t snp_cert_guid_ark[SNP_CERT_GUID_SIZE];  /* c0b406a4-a803-4952-9743-3fb6014cd0ae */

/* The certificates a table names; pointers into the parsed table (or NULL/0). */
typedef struct snp_cert_table {
    const uint8_t *vcek, *vlek, *ask, *ark;
    size_t vcek_len, vlek_len, ask_len, ark_len;
} snp_cert_table;

/*
 * Parses a table of len bytes (bytes after the last certificate, such as
 * the zero padding of a page-sized buffer, are allowed). Entries with other
 * GUIDs are checked for bounds and then skipped. An empty table (the
 * terminator only) gives all NULL. Rejects:
 *   no all-zero terminator within len            CONFAI_E_TRUNCATED
 *   an entry reaching past len (or overflowing)   CONFAI_E_TRUNCATED
 *   a zero GUID with a non-zero offset or length, a zero length, a
 *   certificate overlapping the entries, a known GUID twice
 *                                                 CONFAI_E_MALFORMED
 * On failure *t is zeroed. t borrows table.
 */
confai_status snp_cert_table_parse(snp_cert_table *t, const uint8_t *table, size_t len,
                                   confai_error *err);

/*
 * The bytes a valid table uses: its entries and terminator and every
 * certificate up to the last one's end (so a page-padded buffer can be cut
 * to its content). Fails as snp_cert_table_parse.
 */
confai_status snp_cert_table_extent(size_t *used, const uint8_t *table, size_t len,
                                    confai_error *err);

/*
 * Writes a table of the certificates t names (those with a non-NULL
 * pointer, in the order VCEK, VLEK, ASK, ARK), the certificates right after
 * the terminator. *out is released with confai_free_secret(*out, *len).
 * Errors: CONFAI_E_ARGUMENT (a pointer with length 0, or none at all),
 * CONFAI_E_LIMIT (a table over 4 GiB), CONFAI_E_NO_MEMORY.
 */
confai_status snp_cert_table_write(uint8_t **out, size_t *len, const snp_cert_table *t,
                                   confai_error *err);

#endif /* CONFAI_SERVER_SNP_CERT_TABLE_H */

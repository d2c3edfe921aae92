/*
 * Reading what the user hands the tool: whole files (or stdin), evidence
 * as raw bytes, hex or base64 text, certificates and CRLs as PEM or DER,
 * hex arguments, times and policies.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"

void cli_blob_free(cli_blob *b)
{
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->len);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
}

void cli_ders_free(cli_ders *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->der[i]);
    memset(d, 0, sizeof(*d));
}

int cli_read_file(const char *path, cli_blob *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    out->data = NULL;
    out->len = 0;
    if (f == NULL) {
        cli_error("input", "cannot open %s: %s", path, strerror(errno));
        return 0;
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            if (cap >= CLI_MAX_FILE) {
                cli_error("input", "%s is larger than %u bytes", path, CLI_MAX_FILE);
                goto fail;
            }
            uint8_t *n = realloc(buf, ncap + 1);
            if (n == NULL) {
                cli_error("input", "out of memory reading %s", path);
                goto fail;
            }
            buf = n;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                cli_error("input", "cannot read %s", path);
                goto fail;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf == NULL) {
        buf = malloc(1);
        if (buf == NULL) {
            cli_error("input", "out of memory");
            return 0;
        }
    }
    buf[len] = 0; /* a NUL after the bytes, so text can be used as a string */
    out->data = buf;
    out->len = len;
    return 1;
fail:
    free(buf);
    if (f != stdin)
        fclose(f);
    return 0;
}

static int is_b64_char(uint8_t c)
{
    return isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* The non-whitespace characters of in, if all satisfy ok; NULL otherwise. */
static char *compact_text(const cli_blob *in, int (*ok)(uint8_t), size_t *len)
{
    char *s = malloc(in->len + 1);
    size_t n = 0;
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < in->len; i++) {
        uint8_t c = in->data[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (!ok(c)) {
            free(s);
            return NULL;
        }
        s[n++] = (char)c;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

static int is_hex_char(uint8_t c)
{
    return isxdigit(c) != 0;
}

int cli_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hex_len)
{
    char *text = malloc(hex_len + 1);
    size_t n = 0;
    int ok = text != NULL && hex_len == 2 * len;
    if (ok) {
        memcpy(text, hex, hex_len);
        text[hex_len] = '\0';
        /* OpenSSL takes no separator when it is NUL; it checks every digit */
        ok = len == 0 || (OPENSSL_hexstr2buf_ex(out, len, &n, text, '\0') == 1 && n == len);
    }
    free(text);
    ERR_clear_error();
    return ok;
}

int cli_base64_decode(const char *text, size_t text_len, cli_blob *out)
{
    size_t pad = 0;
    out->data = NULL;
    out->len = 0;
    if (text_len == 0 || text_len % 4 != 0 || text_len > INT32_MAX)
        return 0;
    while (pad < 2 && text[text_len - 1 - pad] == '=')
        pad++;
    if (memchr(text, '=', text_len - pad) != NULL)
        return 0;
    uint8_t *bytes = malloc(text_len / 4 * 3 + 1);
    char *again = malloc(text_len + 1);
    int n = bytes != NULL && again != NULL
                ? EVP_DecodeBlock(bytes, (const unsigned char *)text, (int)text_len)
                : -1;
    /* canonical only: the bytes encode back to the same text */
    int ok = n >= (int)pad && EVP_EncodeBlock((unsigned char *)again, bytes, n - (int)pad) ==
                                  (int)text_len &&
             memcmp(again, text, text_len) == 0;
    free(again);
    if (bytes == NULL || again == NULL) {
        free(bytes);
        return -1;
    }
    if (!ok) {
        OPENSSL_clear_free(bytes, text_len / 4 * 3 + 1);
        return 0;
    }
    out->data = bytes;
    out->len = (size_t)n - pad;
    out->data[out->len] = 0;
    return 1;
}

static int copy_raw(const cli_blob *in, cli_blob *out)
{
    out->data = malloc(in->len + 1);
    if (out->data == NULL)
        return 0;
    if (in->len > 0)
        memcpy(out->data, in->data, in->len);
    out->data[in->len] = 0;
    out->len = in->len;
    return 1;
}

int cli_decode_text(const cli_blob *in, cli_blob *out, const char **encoding)
{
    size_t n = 0;
    char *s;

    out->data = NULL;
    out->len = 0;
    *encoding = "raw";
    /* hex: an even number of hex digits */
    s = compact_text(in, is_hex_char, &n);
    if (s != NULL && n > 0 && n % 2 == 0) {
        out->data = malloc(n / 2 + 1);
        if (out->data == NULL || !cli_hex_decode(out->data, n / 2, s, n)) {
            free(s);
            cli_blob_free(out);
            return 0;
        }
        out->len = n / 2;
        out->data[out->len] = 0;
        free(s);
        *encoding = "hex";
        return 1;
    }
    free(s);
    /* base64: the standard alphabet, canonical once whitespace is gone */
    s = compact_text(in, is_b64_char, &n);
    if (s != NULL && n > 0 && n % 4 == 0) {
        int decoded = cli_base64_decode(s, n, out);
        free(s);
        s = NULL;
        if (decoded < 0)
            return 0;
        if (decoded > 0) {
            *encoding = "base64";
            return 1;
        }
    }
    free(s);
    return copy_raw(in, out);
}

int cli_read_decoded(const char *path, cli_blob *out, const char **encoding)
{
    cli_blob raw;
    if (!cli_read_file(path, &raw))
        return 0;
    int ok = cli_decode_text(&raw, out, encoding);
    cli_blob_free(&raw);
    if (!ok)
        cli_error("input", "out of memory decoding %s", path);
    return ok;
}

/* Appends a copy; a certificate already in the list is not added twice. */
static int push_der(cli_ders *ders, const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < ders->count; i++)
        if (ders->len[i] == len && memcmp(ders->der[i], der, len) == 0)
            return 1;
    if (ders->count >= CLI_MAX_CERTS) {
        cli_error("input", "more than %d certificates", CLI_MAX_CERTS);
        return 0;
    }
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        cli_error("input", "out of memory");
        return 0;
    }
    memcpy(copy, der, len);
    ders->der[ders->count] = copy;
    ders->len[ders->count++] = len;
    return 1;
}

int cli_pem_certs(const char *pem, size_t pem_len, cli_ders *ders)
{
    if (pem_len > (size_t)INT32_MAX)
        return 0;
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    size_t decoded = 0;
    X509 *x;
    int ok = bio != NULL;

    while (ok && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        unsigned char *der = NULL;
        int len = i2d_X509(x, &der);
        X509_free(x);
        ok = len > 0 && push_der(ders, der, (size_t)len);
        OPENSSL_free(der);
        decoded++;
    }
    ERR_clear_error();
    BIO_free(bio);
    return ok && decoded > 0;
}

int cli_read_certs(const char *path, cli_ders *ders)
{
    cli_blob file;
    int ok = 0;

    if (!cli_read_file(path, &file))
        return 0;
    if (strstr((const char *)file.data, "-----BEGIN CERTIFICATE-----") != NULL) {
        ok = cli_pem_certs((const char *)file.data, file.len, ders);
        if (!ok)
            cli_error("input", "%s: a PEM certificate does not decode", path);
    } else {
        const uint8_t *p = file.data, *end = file.data + file.len;
        ok = file.len > 0;
        while (ok && p < end) {
            const uint8_t *start = p;
            X509 *x = d2i_X509(NULL, &p, (long)(end - p));
            if (x == NULL) {
                cli_error("input", "%s: neither PEM certificates nor DER certificates", path);
                ok = 0;
                break;
            }
            X509_free(x);
            ok = push_der(ders, start, (size_t)(p - start));
        }
        if (file.len == 0)
            cli_error("input", "%s is empty", path);
        ERR_clear_error();
    }
    cli_blob_free(&file);
    return ok;
}

int cli_crl_der(const uint8_t *data, size_t len, cli_blob *out)
{
    X509_CRL *crl = NULL;
    const char pem[] = "-----BEGIN X509 CRL-----";

    out->data = NULL;
    out->len = 0;
    if (len > INT32_MAX)
        return 0;
    if (strstr((const char *)data, pem) != NULL) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (bio != NULL)
            crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const uint8_t *p = data;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p != data + len) {
            X509_CRL_free(crl);
            crl = NULL;
        }
    }
    ERR_clear_error();
    if (crl == NULL)
        return 0;
    unsigned char *der = NULL;
    int der_len = i2d_X509_CRL(crl, &der);
    X509_CRL_free(crl);
    if (der_len > 0 && (out->data = malloc((size_t)der_len)) != NULL) {
        memcpy(out->data, der, (size_t)der_len);
        out->len = (size_t)der_len;
    }
    OPENSSL_free(der);
    return out->data != NULL ? 1 : -1;
}

int cli_read_crl(const char *path, cli_blob *out)
{
    cli_blob file;
    int r;

    out->data = NULL;
    out->len = 0;
    if (!cli_read_file(path, &file))
        return 0;
    r = cli_crl_der(file.data, file.len, out);
    cli_blob_free(&file);
    if (r == 0)
        cli_error("input", "%s is not one CRL (DER or PEM)", path);
    else if (r < 0)
        cli_error("input", "out of memory");
    return r > 0;
}

char *cli_der_to_pem(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;

    if (x != NULL && bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
        char *mem;
        long n = BIO_get_mem_data(bio, &mem);
        if (n > 0 && (out = malloc((size_t)n + 1)) != NULL) {
            memcpy(out, mem, (size_t)n);
            out[n] = '\0';
        }
    }
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return out;
}

int cli_der_self_signed(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int ok = 0;
    if (x != NULL && X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0) {
        EVP_PKEY *key = X509_get0_pubkey(x);
        ok = key != NULL && X509_verify(x, key) == 1;
    }
    X509_free(x);
    ERR_clear_error();
    return ok;
}

int cli_parse_hex_arg(const char *what, const char *hex, uint8_t *out, size_t len)
{
    if (!cli_hex_decode(out, len, hex, strlen(hex))) {
        cli_error("usage", "%s: expected %zu bytes as %zu hex digits", what, len, 2 * len);
        return 0;
    }
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SSZ" as seconds since 1970, through OpenSSL's ASN.1 time. */
static int parse_rfc3339(int64_t *t, const char *text, size_t len)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    char generalized[16];
    size_t n = 0;
    int days = 0, secs = 0, ok;
    if (len != sizeof(form) - 1)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (form[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != form[i])
            return 0;
        if (form[i] == 'd')
            generalized[n++] = text[i];
    }
    generalized[n++] = 'Z';
    generalized[n] = '\0';
    ASN1_TIME *when = ASN1_TIME_new(), *epoch = ASN1_TIME_set(NULL, 0);
    ok = when != NULL && epoch != NULL &&
         ASN1_GENERALIZEDTIME_set_string(when, generalized) == 1 &&
         ASN1_TIME_diff(&days, &secs, epoch, when) == 1;
    ASN1_TIME_free(when);
    ASN1_TIME_free(epoch);
    ERR_clear_error();
    if (ok)
        *t = (int64_t)days * 86400 + secs;
    return ok;
}

int cli_parse_time(const char *text, int64_t *t)
{
    size_t len = strlen(text);
    if (parse_rfc3339(t, text, len))
        return 1;
    if (len > 0 && len <= 12) {
        int64_t v = 0;
        size_t i = 0;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++)
            v = v * 10 + (text[i] - '0');
        if (i == len && v > 0 && v <= INT64_C(253402300799)) {
            *t = v;
            return 1;
        }
    }
    cli_error("usage", "--at %s: expected YYYY-MM-DDTHH:MM:SSZ or seconds since 1970", text);
    return 0;
}

int cli_load_policy(const char *path, confai_policy **policy, int *exit_code)
{
    cli_blob file;
    confai_error err = { 0 };

    *policy = NULL;
    if (!cli_read_file(path, &file)) {
        *exit_code = CLI_IO;
        return 0;
    }
    confai_status st = confai_policy_new(policy, (const char *)file.data, file.len, &err);
    cli_blob_free(&file);
    if (st != CONFAI_OK) {
        cli_fail_status(path, &err);
        *exit_code = st == CONFAI_E_NO_MEMORY ? CLI_INTERNAL : CLI_IO;
        return 0;
    }
    return 1;
}

int cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error("usage", "%s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t cli_tdx_quote_span(const uint8_t *bytes, size_t len)
{
    size_t sig_at;
    if (len < 48)
        return 0;
    uint16_t version = (uint16_t)(bytes[0] | bytes[1] << 8);
    if (version == 4) {
        sig_at = 48 + 584;
    } else if (version == 5) {
        if (len < 54)
            return 0;
        uint32_t body = le32_at(bytes + 50);
        if (body > 65536)
            return 0;
        sig_at = 54 + (size_t)body;
    } else {
        return 0;
    }
    if (len < sig_at + 4)
        return 0;
    size_t total = sig_at + 4 + (size_t)le32_at(bytes + sig_at);
    return total <= len ? total : 0;
}

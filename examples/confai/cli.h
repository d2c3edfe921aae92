/*
 * confai, the command-line tool: what the subcommands share. Each
 * subcommand lives in its own file (inspect.c, verify.c, pin.c, attest.c,
 * chat.c); reading files in their encodings is input.c, the evidence
 * options of verify and pin are evidence.c, printing is output.c.
 *
 * Exit codes (doc/confai.1):
 *   0  success (evidence accepted, answer complete)
 *   1  rejected: evidence, policy or integrity check failed
 *   2  usage: bad options or arguments
 *   3  input/output: a file cannot be read or does not decode, the policy
 *      is invalid, stdout cannot be written
 *   4  transport: the service cannot be reached or answered badly
 *   5  internal: out of memory, a library failure
 */
#ifndef CONFAI_CLI_H
#define CONFAI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

enum {
    CLI_OK = 0,
    CLI_REJECTED = 1,
    CLI_USAGE = 2,
    CLI_IO = 3,
    CLI_TRANSPORT = 4,
    CLI_INTERNAL = 5,
};

/* Largest file the tool reads (evidence, policies, prompts). */
#define CLI_MAX_FILE (16u * 1024u * 1024u)
#define CLI_MAX_CERTS 16
#define CLI_MAX_CERT_FILES 8

typedef struct cli_blob {
    uint8_t *data;
    size_t len;
} cli_blob;

/* DER certificates in file order. */
typedef struct cli_ders {
    uint8_t *der[CLI_MAX_CERTS];
    size_t len[CLI_MAX_CERTS];
    size_t count;
} cli_ders;

/* --- output.c ------------------------------------------------------------ */

/* "confai: <what>: <message>" on stderr. */
void cli_error(const char *what, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The status name and message on stderr; returns the exit code for it. */
int cli_fail_status(const char *what, const confai_error *err);

/* The exit code for a status of a verification (3xx input: rejected). */
int cli_exit_for_status(confai_status status);

/* Prints item as indented JSON (json) or as indented "name: value" lines. */
int cli_print_json(const cJSON *item, int json);

/* Prints a JSON document (a verdict) indented; as is if it does not parse. */
int cli_print_json_text(const char *json);

/* Writes a NUL-terminated string and a newline to stdout and flushes. */
int cli_print_line(const char *text);

/* Lowercase hex of bytes, NUL-terminated (malloc'd), or NULL. */
char *cli_hex(const uint8_t *data, size_t len);

/* Lowercase hex of bytes as a cJSON string member; 0 on failure. */
int cli_add_hex(cJSON *obj, const char *name, const uint8_t *data, size_t len);

/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define CLI_TIME_SIZE 21

/* Writes t (seconds since 1970) as RFC 3339 UTC; 0 outside years 1970-9999. */
int cli_format_time(char text[CLI_TIME_SIZE], int64_t t);

/* An RFC 3339 time member (a number when the time has no such form). */
int cli_add_time(cJSON *obj, const char *name, int64_t t);

/* --- input.c ------------------------------------------------------------- */

/* Reads a whole file ("-" is stdin). Prints why on failure; 0 on failure. */
int cli_read_file(const char *path, cli_blob *out);

/*
 * Decodes a file's contents: hex or base64 text (whitespace ignored) become
 * their bytes; anything else (binary, JSON) is kept as is. *encoding names
 * what was found ("raw", "hex", "base64"). 0 on failure (no memory).
 */
int cli_decode_text(const cli_blob *in, cli_blob *out, const char **encoding);

/* Exactly len bytes from hex_len hex digits (either case). 0 otherwise. */
int cli_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hex_len);

/*
 * Canonical standard base64 (no whitespace) into out (malloc'd, NUL after
 * the bytes): 1 decoded, 0 not base64, -1 out of memory.
 */
int cli_base64_decode(const char *text, size_t text_len, cli_blob *out);

/* Reads a file and decodes it with cli_decode_text. */
int cli_read_decoded(const char *path, cli_blob *out, const char **encoding);

/*
 * Appends the certificates of a file: PEM (one or more CERTIFICATE blocks)
 * or DER (one or more concatenated certificates). 0 on failure (printed).
 */
int cli_read_certs(const char *path, cli_ders *ders);

/* Appends the certificates of PEM text. 0 when none or on failure. */
int cli_pem_certs(const char *pem, size_t pem_len, cli_ders *ders);

/*
 * One CRL (DER or PEM; a NUL follows the len bytes, as in every cli_blob)
 * as DER: 1 done, 0 not a CRL, -1 out of memory.
 */
int cli_crl_der(const uint8_t *data, size_t len, cli_blob *out);

/* Reads a CRL file (DER or PEM) as DER. 0 on failure (printed). */
int cli_read_crl(const char *path, cli_blob *out);

/* Exactly len bytes from a hex argument. 0 on failure (printed). */
int cli_parse_hex_arg(const char *what, const char *hex, uint8_t *out, size_t len);

/* "YYYY-MM-DDTHH:MM:SSZ" or seconds since 1970. 0 on failure (printed). */
int cli_parse_time(const char *text, int64_t *t);

/*
 * The bytes a TDX quote at the start of a buffer says it spans (header,
 * body and the signature data's length field); 0 when they do not fit.
 * Quote files sometimes carry a buffer's padding or other bytes after it.
 */
size_t cli_tdx_quote_span(const uint8_t *bytes, size_t len);

/* Reads and parses a policy file. 0 on failure (printed). */
int cli_load_policy(const char *path, confai_policy **policy, int *exit_code);

void cli_blob_free(cli_blob *b);
void cli_ders_free(cli_ders *d);

/* A DER certificate as PEM text (malloc'd), or NULL. */
char *cli_der_to_pem(const uint8_t *der, size_t len);

/* 1 when the DER certificate is self-signed (issuer == subject, key verifies). */
int cli_der_self_signed(const uint8_t *der, size_t len);

/* --- options ------------------------------------------------------------- */

/*
 * Takes the value of option `name` at argv[*i]: "--name VALUE" or
 * "--name=VALUE". Returns 1 and sets *value when argv[*i] is that option,
 * 0 when it is another, -1 when the value is missing (printed).
 */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value);

/* 1 when argv is "--help" or "-h". */
int cli_is_help(const char *arg);

/* --- subcommands ----------------------------------------------------------- */

int cli_inspect(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_policy(int argc, char **argv);
int cli_attest(int argc, char **argv);
int cli_chat(int argc, char **argv);

#endif /* CONFAI_CLI_H */

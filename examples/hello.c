/*
 * hello: the smallest embedding of libconfai.
 *
 * A recipient key pair is generated, a message is sealed to its public key
 * with HPKE (RFC 9180, the default suite: X25519, HKDF-SHA256, AES-256-GCM)
 * and opened again with the private key. In a real deployment the public key
 * comes from the attested service and the opening happens inside the TEE.
 *
 * Build: cc hello.c $(pkg-config --cflags --libs confai) -o hello
 */
#include <stdio.h>
#include <string.h>

#include <confai/confai.h>

/* Prints a failed call with its status and the per-call detail message. */
static int report(const char *what, confai_status status, const confai_error *err)
{
    fprintf(stderr, "hello: %s failed: %s (%s): %s\n", what, confai_status_name(status),
            confai_status_str(status), err->message);
    return 1;
}

static void print_hex(const char *label, const uint8_t *bytes, size_t len)
{
    printf("%-12s", label);
    for (size_t i = 0; i < len; i++)
        printf("%02x", bytes[i]);
    printf("\n");
}

int main(void)
{
    static const char message[] = "hello, confidential world";
    static const char info[] = "libconfai hello example";
    const size_t message_len = sizeof(message) - 1;

    const confai_hpke_suite suite = confai_hpke_suite_default();
    confai_error err = {0};
    confai_hpke_key *key = NULL;
    uint8_t public_key[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t public_key_len = sizeof(public_key);
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len = sizeof(enc);
    uint8_t ciphertext[sizeof(message) - 1 + CONFAI_HPKE_TAG_SIZE];
    size_t ciphertext_len = sizeof(ciphertext);
    char opened[sizeof(message)];
    size_t opened_len = sizeof(opened) - 1; /* room for the NUL we add */
    int rc = 1;
    confai_status st;

    printf("libconfai %s, HPKE backend: %s\n", confai_version(), confai_hpke_backend());

    /* The recipient: a fresh X25519 key pair. */
    st = confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, &err);
    if (st != CONFAI_OK) {
        rc = report("confai_hpke_key_generate", st, &err);
        goto out;
    }
    st = confai_hpke_key_public(key, public_key, &public_key_len, &err);
    if (st != CONFAI_OK) {
        rc = report("confai_hpke_key_public", st, &err);
        goto out;
    }
    print_hex("public key", public_key, public_key_len);

    /* The sender: seal one message to that public key. */
    printf("suite       kem 0x%04x, kdf 0x%04x, aead 0x%04x\n", suite.kem_id, suite.kdf_id,
           suite.aead_id);
    st = confai_hpke_seal_once(&suite, enc, &enc_len, ciphertext, &ciphertext_len, public_key,
                               public_key_len, (const uint8_t *)info, strlen(info), NULL, 0,
                               (const uint8_t *)message, message_len, &err);
    if (st != CONFAI_OK) {
        rc = report("confai_hpke_seal_once", st, &err);
        goto out;
    }
    print_hex("enc", enc, enc_len);
    printf("sealed      %zu bytes of plaintext into %zu bytes of ciphertext (+%zu enc)\n",
           message_len, ciphertext_len, enc_len);

    /* The recipient again: open it with the private key. */
    st = confai_hpke_open_once(&suite, (uint8_t *)opened, &opened_len, key, enc, enc_len,
                               (const uint8_t *)info, strlen(info), NULL, 0, ciphertext,
                               ciphertext_len, &err);
    if (st != CONFAI_OK) {
        rc = report("confai_hpke_open_once", st, &err);
        goto out;
    }
    opened[opened_len] = '\0';
    printf("opened      %zu bytes: \"%s\"\n", opened_len, opened);

    if (opened_len != message_len || memcmp(opened, message, message_len) != 0) {
        fprintf(stderr, "hello: the opened text differs from what was sealed\n");
        goto out;
    }
    rc = 0;

out:
    confai_hpke_key_free(key);
    return rc;
}

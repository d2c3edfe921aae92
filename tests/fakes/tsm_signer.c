/*
 * The signer behind the fake configfs-tsm (configfs_tsm.py): makes the
 * outblob (and auxblob) a real guest's provider would, on the simulated
 * platforms of src/sim.
 *
 *   tsm_signer [--rsa-bits N] sign PLATFORM STATE INBLOB_HEX OUTBLOB [AUXBLOB]
 *   tsm_signer [--rsa-bits N] serve PLATFORM STATE
 *   tsm_signer root PLATFORM STATE     the root certificate (PEM) on stdout
 *   tsm_signer chain sev_guest STATE   VCEK, ASK, ARK (PEM) on stdout
 *   tsm_signer vcek sev_guest STATE FILE   the VCEK (DER) into FILE
 *
 * PLATFORM is sev_guest or tdx_guest. STATE is a folder the signer keeps
 * its platform in, made on first use and reused afterwards so that a policy
 * pinning the root (or a fake KDS serving the VCEK) stays valid across calls:
 * for SEV-SNP the five private keys (PEM) and the time the certificates are
 * issued at; for TDX, whose simulator cannot load saved keys, the root of
 * the signing process (tdx-root.pem) and the collateral its hierarchy signs
 * for the time it started (collateral/, for a fake PCS: fake_kds_pcs.py
 * --tdx-collateral), stable for as long as one `serve` lives and replaced
 * by every one-shot `sign`. The collateral folder holds the documents as
 * Intel PCS v4 serves them:
 *   tcb_info.json               TCB info response body (UpToDate, FMSPC as
 *                               in the quotes' PCK certificate)
 *   qe_identity.json            TDX QE identity response body
 *   tcb_info_issuer_chain.pem   TCB Signing certificate, root: the issuer
 *                               chain of both documents
 *   pck_crl.der                 the PCK Platform CA's CRL
 *   pck_crl_issuer_chain.pem    PCK Platform CA, root
 *   root_ca_crl.der             the root's CRL
 *   fmspc                       the FMSPC (12 hex digits and a newline)
 * Each file is replaced whole (written aside, then renamed), the root last.
 *
 * sign: an SEV-SNP report (version 5, VCEK-signed, Genoa) whose report data
 * is the inblob, and as auxblob a certificate table with VCEK, ASK and ARK;
 * or a TDX quote (v4) whose report data is the inblob (no auxblob).
 * serve: the same for each line "INBLOB_HEX OUTBLOB AUXBLOB|-" on stdin,
 * answering "ok" or "error MESSAGE" on stdout; ends at end of input.
 * Exit status 0 on success, 1 on failure (a message on stderr), 2 on usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "core/hex.h"
#include "core/memory.h"
#include "server/snp_cert_table.h"
#include "sim/snp_sim.h"
#include "sim/tdx_sim.h"

#define QUOTE_CAP (64 * 1024)

static const char *const role_file[SNP_SIM_ROLES] = {
    "ark.pem", "ask.pem", "asvk.pem", "vcek.pem", "vlek.pem",
};

typedef struct platform {
    int tdx;
    snp_sim_keys *keys;
    snp_sim *sim;
    tdx_sim *tdx_signer;
} platform;

static void die_usage(void)
{
    fprintf(stderr,
            "usage: tsm_signer [--rsa-bits N] sign PLATFORM STATE INBLOB_HEX OUTBLOB [AUXBLOB]\n"
            "       tsm_signer [--rsa-bits N] serve PLATFORM STATE\n"
            "       tsm_signer root PLATFORM STATE\n"
            "       tsm_signer chain sev_guest STATE\n"
            "       tsm_signer vcek sev_guest STATE FILE\n"
            "PLATFORM: sev_guest or tdx_guest\n");
    exit(2);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (cap - used < 4097) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t n = fread(buf + used, 1, cap - used - 1, f);
        used += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[used] = '\0';
    return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    return ok ? 0 : -1;
}

/* The SEV-SNP keys of STATE: loaded, or made and saved on first use. */
static int snp_load(platform *p, const char *state, unsigned rsa_bits)
{
    confai_error err = { 0 };
    char *pem[SNP_SIM_ROLES] = { NULL };
    char *when_path = join(state, "issued-at");
    int rc = -1;
    int64_t issued = 0;

    char *when = read_text(when_path);
    if (when != NULL) {
        issued = strtoll(when, NULL, 10);
        free(when);
        for (int r = 0; r < SNP_SIM_ROLES; r++) {
            char *path = join(state, role_file[r]);
            pem[r] = read_text(path);
            free(path);
            if (pem[r] == NULL) {
                fprintf(stderr, "tsm_signer: %s/%s missing: remove the state folder\n",
                        state, role_file[r]);
                goto out;
            }
        }
        if (snp_sim_keys_import(&p->keys, (const char *const *)pem, &err) != CONFAI_OK) {
            fprintf(stderr, "tsm_signer: %s\n", err.message);
            goto out;
        }
    } else {
        if (mkdir(state, 0700) != 0 && errno != EEXIST) {
            perror(state);
            goto out;
        }
        if (snp_sim_keys_generate(&p->keys, rsa_bits, &err) != CONFAI_OK) {
            fprintf(stderr, "tsm_signer: %s\n", err.message);
            goto out;
        }
        for (int r = 0; r < SNP_SIM_ROLES; r++) {
            char text[16384];
            size_t len = sizeof(text);
            if (snp_sim_keys_export(p->keys, (snp_sim_role)r, text, &len, &err) != CONFAI_OK) {
                fprintf(stderr, "tsm_signer: %s\n", err.message);
                goto out;
            }
            char *path = join(state, role_file[r]);
            int w = write_file(path, text, len);
            confai_wipe(text, sizeof(text));
            free(path);
            if (w != 0) {
                fprintf(stderr, "tsm_signer: cannot write %s/%s\n", state, role_file[r]);
                goto out;
            }
        }
        issued = (int64_t)time(NULL);
        char text[32];
        int n = snprintf(text, sizeof(text), "%lld\n", (long long)issued);
        if (write_file(when_path, text, (size_t)n) != 0) {
            fprintf(stderr, "tsm_signer: cannot write %s\n", when_path);
            goto out;
        }
    }
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, issued);
    if (snp_sim_new(&p->sim, p->keys, &cfg, &err) != CONFAI_OK) {
        fprintf(stderr, "tsm_signer: %s\n", err.message);
        goto out;
    }
    rc = 0;
out:
    for (int r = 0; r < SNP_SIM_ROLES; r++)
        if (pem[r] != NULL) {
            confai_wipe(pem[r], strlen(pem[r]));
            free(pem[r]);
        }
    free(when_path);
    return rc;
}

/* dir/name replaced whole: written to dir/.name.tmp, then renamed. */
static int replace_file(const char *dir, const char *name, const void *data, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 8;
    char *tmp = malloc(n), *path = join(dir, name);
    int rc = -1;
    if (tmp != NULL && path != NULL) {
        snprintf(tmp, n, "%s/.%s.tmp", dir, name);
        rc = write_file(tmp, data, len) == 0 && rename(tmp, path) == 0 ? 0 : -1;
        if (rc != 0) {
            fprintf(stderr, "tsm_signer: cannot write %s\n", path);
            remove(tmp);
        }
    }
    free(tmp);
    free(path);
    return rc;
}

/* The TD's collateral for now into state/collateral (see the top). */
static int tdx_write_collateral(const tdx_sim *td, const char *state, int64_t now)
{
    enum { DOC_CAP = 32 * 1024 };
    char *dir = join(state, "collateral"), *text = malloc(DOC_CAP);
    uint8_t *der = malloc(DOC_CAP);
    tdx_sim_collateral c;
    size_t len = 0;
    int rc = -1;

    tdx_sim_collateral_default(&c, now);
    if (dir == NULL || text == NULL || der == NULL)
        goto out;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        perror(dir);
        goto out;
    }
    if (tdx_sim_tcb_info(td, &c, text, DOC_CAP, &len) != 0 ||
        replace_file(dir, "tcb_info.json", text, len) != 0)
        goto out;
    if (tdx_sim_qe_identity(td, &c, text, DOC_CAP, &len) != 0 ||
        replace_file(dir, "qe_identity.json", text, len) != 0)
        goto out;
    if (tdx_sim_signing_chain(td, text, DOC_CAP, &len) != 0 ||
        replace_file(dir, "tcb_info_issuer_chain.pem", text, len) != 0)
        goto out;
    if (tdx_sim_crl(td, 0, 0, now - 3600, c.next_update, der, DOC_CAP, &len) != 0 ||
        replace_file(dir, "pck_crl.der", der, len) != 0)
        goto out;
    if (tdx_sim_pck_crl_chain(td, text, DOC_CAP, &len) != 0 ||
        replace_file(dir, "pck_crl_issuer_chain.pem", text, len) != 0)
        goto out;
    if (tdx_sim_crl(td, 1, 0, now - 3600, now + 86400 * 365, der, DOC_CAP, &len) != 0 ||
        replace_file(dir, "root_ca_crl.der", der, len) != 0)
        goto out;
    if (replace_file(dir, "fmspc", TDX_SIM_FMSPC "\n", strlen(TDX_SIM_FMSPC) + 1) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "tsm_signer: the TDX collateral could not be made or written\n");
    free(dir);
    free(text);
    free(der);
    return rc;
}

static int platform_open(platform *p, const char *name, const char *state, unsigned rsa_bits)
{
    memset(p, 0, sizeof(*p));
    if (strcmp(name, "tdx_guest") == 0) {
        int64_t now = (int64_t)time(NULL);
        p->tdx = 1;
        if (mkdir(state, 0700) != 0 && errno != EEXIST) {
            perror(state);
            return -1;
        }
        if (tdx_sim_new(&p->tdx_signer, now) != 0) {
            fprintf(stderr, "tsm_signer: the TDX simulator failed\n");
            return -1;
        }
        if (tdx_write_collateral(p->tdx_signer, state, now) != 0)
            return -1;
        char *pem = tdx_sim_root_pem(p->tdx_signer);
        int w = pem != NULL ? replace_file(state, "tdx-root.pem", pem, strlen(pem)) : -1;
        free(pem);
        return w;
    }
    if (strcmp(name, "sev_guest") == 0)
        return snp_load(p, state, rsa_bits);
    fprintf(stderr, "tsm_signer: unknown platform %s (sev_guest or tdx_guest)\n", name);
    return -1;
}

static void platform_close(platform *p)
{
    snp_sim_free(p->sim);
    snp_sim_keys_free(p->keys);
    tdx_sim_free(p->tdx_signer);
    memset(p, 0, sizeof(*p));
}

/* One outblob (and auxblob) for an inblob given in hex; a message on failure. */
static int sign(const platform *p, const char *inblob_hex, const char *outblob,
                const char *auxblob, char *msg, size_t msg_cap)
{
    uint8_t inblob[64];
    confai_error err = { 0 };
    if (!hex_decode_exact(inblob, sizeof(inblob), inblob_hex, strlen(inblob_hex))) {
        snprintf(msg, msg_cap, "the inblob is not 128 hex digits");
        return -1;
    }
    if (p->tdx) {
        tdx_sim_body body;
        size_t len = 0;
        uint8_t *quote = malloc(QUOTE_CAP);
        tdx_sim_body_default(&body, 4);
        memcpy(body.report_data, inblob, 64);
        int rc = quote != NULL ? tdx_sim_quote(p->tdx_signer, &body, quote, QUOTE_CAP, &len) : -1;
        if (rc == 0)
            rc = write_file(outblob, quote, len);
        free(quote);
        if (rc != 0)
            snprintf(msg, msg_cap, "the TDX quote could not be made or written");
        return rc;
    }
    snp_report fields;
    uint8_t report[SNP_REPORT_SIZE];
    snp_sim_report_template(p->sim, &fields, SNP_KEY_VCEK);
    memcpy(fields.report_data, inblob, 64);
    memset(fields.measurement, 0x11, sizeof(fields.measurement));
    if (snp_sim_sign_report(p->sim, report, &fields, SNP_KEY_VCEK, &err) != CONFAI_OK) {
        snprintf(msg, msg_cap, "%s", err.message);
        return -1;
    }
    if (write_file(outblob, report, sizeof(report)) != 0) {
        snprintf(msg, msg_cap, "cannot write %s", outblob);
        return -1;
    }
    if (auxblob == NULL || strcmp(auxblob, "-") == 0)
        return 0;
    snp_cert_table t;
    memset(&t, 0, sizeof(t));
    t.vcek = snp_sim_cert(p->sim, SNP_SIM_VCEK, &t.vcek_len);
    t.ask = snp_sim_cert(p->sim, SNP_SIM_ASK, &t.ask_len);
    t.ark = snp_sim_cert(p->sim, SNP_SIM_ARK, &t.ark_len);
    uint8_t *table = NULL;
    size_t table_len = 0;
    if (snp_cert_table_write(&table, &table_len, &t, &err) != CONFAI_OK) {
        snprintf(msg, msg_cap, "%s", err.message);
        return -1;
    }
    int rc = write_file(auxblob, table, table_len);
    confai_free_secret(table, table_len);
    if (rc != 0)
        snprintf(msg, msg_cap, "cannot write %s", auxblob);
    return rc;
}

static int serve(const platform *p)
{
    char line[8192];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char hex[200], outblob[3000], auxblob[3000], msg[300];
        line[strcspn(line, "\r\n")] = '\0';
        if (sscanf(line, "%199s %2999s %2999s", hex, outblob, auxblob) != 3) {
            printf("error the request is not \"INBLOB_HEX OUTBLOB AUXBLOB|-\"\n");
        } else if (sign(p, hex, outblob, auxblob, msg, sizeof(msg)) != 0) {
            for (char *c = msg; *c != '\0'; c++)
                if (*c == '\n')
                    *c = ' ';
            printf("error %s\n", msg);
        } else {
            printf("ok\n");
        }
        fflush(stdout);
    }
    return 0;
}

static int print_pem(const uint8_t *der, size_t len)
{
    const uint8_t *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)len);
    int ok = x != NULL && PEM_write_X509(stdout, x) == 1;
    X509_free(x);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned rsa_bits = 2048; /* AMD's are 4096; 2048 keeps the first use quick */
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--rsa-bits") == 0) {
        rsa_bits = (unsigned)strtoul(argv[2], NULL, 10);
        i = 3;
    }
    if (argc - i < 3)
        die_usage();
    const char *cmd = argv[i], *plat = argv[i + 1], *state = argv[i + 2];
    int rest = argc - i - 3;
    char **args = argv + i + 3;
    int rc = 1;
    platform p;

    if (strcmp(cmd, "root") == 0 && strcmp(plat, "tdx_guest") == 0) {
        char *path = join(state, "tdx-root.pem");
        char *pem = read_text(path);
        free(path);
        if (pem == NULL) {
            fprintf(stderr, "tsm_signer: no %s/tdx-root.pem: sign or serve first\n", state);
            return 1;
        }
        fputs(pem, stdout);
        free(pem);
        return 0;
    }
    if (platform_open(&p, plat, state, rsa_bits) != 0) {
        platform_close(&p);
        return 1;
    }
    if (strcmp(cmd, "sign") == 0 && (rest == 2 || rest == 3)) {
        char msg[300];
        rc = sign(&p, args[0], args[1], rest == 3 ? args[2] : NULL, msg, sizeof(msg)) == 0 ? 0 : 1;
        if (rc != 0)
            fprintf(stderr, "tsm_signer: %s\n", msg);
    } else if (strcmp(cmd, "serve") == 0 && rest == 0) {
        rc = serve(&p);
    } else if (strcmp(cmd, "root") == 0 && rest == 0 && !p.tdx) {
        size_t len = 0;
        const uint8_t *der = snp_sim_cert(p.sim, SNP_SIM_ARK, &len);
        rc = print_pem(der, len) == 0 ? 0 : 1;
    } else if (strcmp(cmd, "chain") == 0 && rest == 0 && !p.tdx) {
        const uint8_t *certs[3];
        size_t lens[3];
        snp_sim_chain(p.sim, SNP_KEY_VCEK, certs, lens);
        rc = 0;
        for (int c = 0; c < 3; c++)
            if (print_pem(certs[c], lens[c]) != 0)
                rc = 1;
    } else if (strcmp(cmd, "vcek") == 0 && rest == 1 && !p.tdx) {
        size_t len = 0;
        const uint8_t *der = snp_sim_cert(p.sim, SNP_SIM_VCEK, &len);
        rc = write_file(args[0], der, len) == 0 ? 0 : 1;
    } else {
        platform_close(&p);
        die_usage();
    }
    platform_close(&p);
    return rc;
}

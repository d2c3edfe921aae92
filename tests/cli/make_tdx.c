/*
 * Writes synthetic TDX evidence for the CLI tests, from the tests' TDX
 * signer (a test PCK hierarchy under its own root, real quote and Intel
 * collateral formats; nothing is stored):
 *
 *   make_tdx OUTDIR
 *     OUTDIR/quote.dat             a v4 quote, REPORTDATA 5a..5a
 *     OUTDIR/collateral/           tcbinfo.json, qeidentity.json (UpToDate),
 *                                  tcb_issuer_chain.pem, pckcrl.der, rootcrl.der
 *     OUTDIR/revoked/              the same, but the PCK CA's CRL lists the leaf
 *
 * Everything is valid at 2026-01-01T00:10:00Z, the time the tests verify at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/tdx_sim.h"

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define DAY INT64_C(86400)

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_tdx: cannot write %s\n", path);
        return 0;
    }
    return 1;
}

/* A collateral folder; revoke lists the PCK leaf on the PCK CA's CRL. */
static int collateral(const tdx_sim *s, const char *dir, int revoke)
{
    static char text[65536];
    static uint8_t der[8192];
    size_t len = 0;
    tdx_sim_collateral c;

    if (mkdir(dir, 0755) != 0) {
        fprintf(stderr, "make_tdx: cannot make %s\n", dir);
        return 0;
    }
    tdx_sim_collateral_default(&c, NOW);
    return tdx_sim_tcb_info(s, &c, text, sizeof(text), &len) == 0 &&
           write_file(dir, "tcbinfo.json", text, len) &&
           tdx_sim_qe_identity(s, &c, text, sizeof(text), &len) == 0 &&
           write_file(dir, "qeidentity.json", text, len) &&
           tdx_sim_signing_chain(s, text, sizeof(text), &len) == 0 &&
           write_file(dir, "tcb_issuer_chain.pem", text, len) &&
           tdx_sim_crl(s, 0, revoke, NOW - DAY, NOW + 29 * DAY, der, sizeof(der), &len) == 0 &&
           write_file(dir, "pckcrl.der", der, len) &&
           tdx_sim_crl(s, 1, 0, NOW - DAY, NOW + 29 * DAY, der, sizeof(der), &len) == 0 &&
           write_file(dir, "rootcrl.der", der, len);
}

int main(int argc, char **argv)
{
    static uint8_t quote[16384];
    tdx_sim *s = NULL;
    tdx_sim_body body;
    size_t len = 0;
    char dir[4096];
    int ok;

    if (argc != 2) {
        fprintf(stderr, "usage: make_tdx OUTDIR\n");
        return 2;
    }
    if (tdx_sim_new(&s, NOW) != 0) {
        fprintf(stderr, "make_tdx: cannot make the signer\n");
        return 1;
    }
    tdx_sim_body_default(&body, 4);
    memset(body.report_data, 0x5a, sizeof(body.report_data));
    ok = tdx_sim_quote(s, &body, quote, sizeof(quote), &len) == 0 &&
         write_file(argv[1], "quote.dat", quote, len);
    snprintf(dir, sizeof(dir), "%s/collateral", argv[1]);
    ok = ok && collateral(s, dir, 0);
    snprintf(dir, sizeof(dir), "%s/revoked", argv[1]);
    ok = ok && collateral(s, dir, 1);
    tdx_sim_free(s);
    if (!ok)
        fprintf(stderr, "make_tdx: the signer failed\n");
    return ok ? 0 : 1;
}

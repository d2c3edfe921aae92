/*
 * src/server/sev_guest.c against a fake /dev/sev-guest: system calls that
 * implement the uapi ABI of SNP_GET_EXT_REPORT the way the kernel does
 * (request and response through the addresses in the ioctl argument, the
 * firmware's MSG_REPORT_RSP in the response, the certificate table copied
 * to certs_address, INVALID_LEN with the needed size in certs_len when the
 * buffer is too small), answering with reports signed by the simulated
 * platform.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "attest/snp/snp.h"
#include "core/bytes.h"
#include "core/memory.h"
#include "server/sev_guest.h"
#include "server/snp_cert_table.h"
#include "sim/snp_sim.h"
#include "snp_sim_test_keys.h"

#define NOW INT64_C(1767225600) /* 2026-01-01 */
#define FAKE_DEVICE "/fake/sev-guest"
#define FAKE_FD 42

/* The fake kernel and firmware. */
static struct {
    snp_sim_keys *keys;
    snp_sim *sim;
    uint8_t *table;        /* the host's certificate table */
    size_t table_len;
    size_t pad_to;         /* the kernel's blob size (a multiple of 4096) */
    int grow_always;       /* asks for one more page every time */
    uint32_t fw_error;     /* non-zero: the firmware fails */
    uint32_t rsp_status;   /* non-zero: MSG_REPORT_RSP status */
    uint32_t rsp_size;     /* the report size in the response */
    int busy;              /* answers VMM busy this often */
    int calls, opens, closes;
    uint32_t seen_certs_len[8];
} fake;

static int fake_open(const char *path, int flags)
{
    (void)flags;
    if (strcmp(path, FAKE_DEVICE) != 0) {
        errno = ENOENT;
        return -1;
    }
    fake.opens++;
    return FAKE_FD;
}

static int fake_close(int fd)
{
    assert_int_equal(fd, FAKE_FD);
    fake.closes++;
    return 0;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    struct snp_guest_request_ioctl *io = arg;
    assert_int_equal(fd, FAKE_FD);
    assert_true(request == (unsigned long)SNP_GET_EXT_REPORT);
    assert_int_equal(io->msg_version, 1);
    struct snp_ext_report_req *req = (struct snp_ext_report_req *)(uintptr_t)io->req_data;
    struct snp_report_resp *resp = (struct snp_report_resp *)(uintptr_t)io->resp_data;
    assert_non_null(req);
    assert_non_null(resp);
    for (size_t i = 0; i < sizeof(req->data.rsvd); i++)
        assert_int_equal(req->data.rsvd[i], 0);
    if (fake.calls < 8)
        fake.seen_certs_len[fake.calls] = req->certs_len;
    fake.calls++;
    io->exitinfo2 = 0;

    if (fake.busy > 0) {
        fake.busy--;
        io->vmm_error = SNP_GUEST_VMM_ERR_BUSY;
        errno = EAGAIN;
        return -1;
    }
    if (fake.fw_error != 0) {
        io->fw_error = fake.fw_error;
        errno = EIO;
        return -1;
    }
    /* the kernel's rules for the certificate buffer */
    if (req->certs_len % 4096 != 0) {
        errno = EINVAL;
        return -1;
    }
    size_t need = fake.pad_to;
    if (fake.grow_always)
        need = req->certs_len + 4096;
    if (req->certs_len < need) {
        req->certs_len = (uint32_t)need;
        io->vmm_error = SNP_GUEST_VMM_ERR_INVALID_LEN;
        errno = EIO;
        return -1;
    }
    uint8_t *certs = (uint8_t *)(uintptr_t)req->certs_address;
    memset(certs, 0, req->certs_len);
    if (fake.table_len > 0)
        memcpy(certs, fake.table, fake.table_len);

    /* the firmware's MSG_REPORT_RSP */
    snp_report fields;
    uint8_t report[SNP_REPORT_SIZE];
    snp_sim_report_template(fake.sim, &fields, SNP_KEY_VCEK);
    memcpy(fields.report_data, req->data.user_data, 64);
    fields.vmpl = req->data.vmpl;
    assert_int_equal(snp_sim_sign_report(fake.sim, report, &fields, SNP_KEY_VCEK, NULL),
                     CONFAI_OK);
    memset(resp, 0, sizeof(*resp));
    store_le32(resp->data + SEV_GUEST_RSP_STATUS, fake.rsp_status);
    store_le32(resp->data + SEV_GUEST_RSP_SIZE, fake.rsp_size);
    memcpy(resp->data + SEV_GUEST_RSP_REPORT, report, sizeof(report));
    if (fake.rsp_status != 0) {
        io->fw_error = fake.rsp_status;
        return 0; /* older kernels pass the firmware's status through */
    }
    return 0;
}

static const sev_guest_ops fake_ops = { fake_open, fake_ioctl, fake_close };

static void reset_fake(void)
{
    fake.pad_to = 8192;
    fake.grow_always = 0;
    fake.fw_error = 0;
    fake.rsp_status = 0;
    fake.rsp_size = SNP_REPORT_SIZE;
    fake.busy = 0;
    fake.calls = fake.opens = fake.closes = 0;
    memset(fake.seen_certs_len, 0, sizeof(fake.seen_certs_len));
}

static int setup(void **state)
{
    (void)state;
    (void)snp_test_keys_rotated;
    if (snp_sim_keys_import(&fake.keys, snp_test_keys, NULL) != CONFAI_OK)
        return -1;
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, SNP_PRODUCT_MILAN, NOW);
    if (snp_sim_new(&fake.sim, fake.keys, &cfg, NULL) != CONFAI_OK)
        return -1;
    snp_cert_table t;
    memset(&t, 0, sizeof(t));
    t.vcek = snp_sim_cert(fake.sim, SNP_SIM_VCEK, &t.vcek_len);
    t.ask = snp_sim_cert(fake.sim, SNP_SIM_ASK, &t.ask_len);
    t.ark = snp_sim_cert(fake.sim, SNP_SIM_ARK, &t.ark_len);
    if (snp_cert_table_write(&fake.table, &fake.table_len, &t, NULL) != CONFAI_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    confai_free_secret(fake.table, fake.table_len);
    snp_sim_free(fake.sim);
    snp_sim_keys_free(fake.keys);
    return 0;
}

static int each(void **state)
{
    (void)state;
    reset_fake();
    return 0;
}

static void report_data_of(uint8_t rd[64], uint8_t seed)
{
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(seed + i);
}

static void expect_zeroed(const tsm_report *r)
{
    static const tsm_report zero;
    assert_memory_equal(r, &zero, sizeof(*r));
}

static void test_report_with_certificates(void **state)
{
    (void)state;
    uint8_t rd[64];
    tsm_report r;
    confai_error err = { 0 };
    report_data_of(rd, 0x40);
    assert_true(fake.table_len > 4096); /* so the first, one-page buffer is too small */
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 2, rd, &fake_ops, &err), CONFAI_OK);
    assert_string_equal(r.provider, "sev_guest");

    /* too small, then the size the kernel asked for */
    assert_int_equal(fake.calls, 2);
    assert_int_equal(fake.seen_certs_len[0], 4096);
    assert_int_equal(fake.seen_certs_len[1], 8192);
    assert_int_equal(fake.opens, 1);
    assert_int_equal(fake.closes, 1);

    /* the report: our data and VMPL, verifying to the platform's ARK */
    snp_report parsed;
    assert_int_equal(r.outblob_len, SNP_REPORT_SIZE);
    assert_int_equal(snp_report_parse(&parsed, r.outblob, r.outblob_len, NULL), CONFAI_OK);
    assert_memory_equal(parsed.report_data, rd, 64);
    assert_int_equal(parsed.vmpl, 2);

    /* the auxblob: the host's table cut to its content */
    assert_int_equal(r.auxblob_len, fake.table_len);
    assert_memory_equal(r.auxblob, fake.table, fake.table_len);
    snp_cert_table t;
    assert_int_equal(snp_cert_table_parse(&t, r.auxblob, r.auxblob_len, NULL), CONFAI_OK);
    const uint8_t *certs[3] = { t.vcek, t.ask, t.ark };
    size_t lens[3] = { t.vcek_len, t.ask_len, t.ark_len };
    snp_trust *trust = NULL;
    assert_int_equal(snp_trust_new(&trust, NULL), CONFAI_OK);
    assert_int_equal(snp_trust_add_root(trust, t.ark, t.ark_len, NULL), CONFAI_OK);
    snp_verified v;
    assert_int_equal(snp_verify(&v, trust, NULL, r.outblob, r.outblob_len, certs, lens, 3,
                                NOW + 3600, &err), CONFAI_OK);
    snp_trust_free(trust);
    tsm_report_clear(&r);
    expect_zeroed(&r);
    tsm_report_clear(NULL);
}

static void test_big_enough_at_once(void **state)
{
    (void)state;
    uint8_t rd[64];
    tsm_report r;
    report_data_of(rd, 1);
    fake.pad_to = 4096;
    /* the table fits a page when the host has no certificates */
    size_t saved = fake.table_len;
    fake.table_len = 0;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, rd, &fake_ops, NULL), CONFAI_OK);
    assert_int_equal(fake.calls, 1);
    assert_null(r.auxblob); /* no certificates: empty */
    assert_int_equal(r.auxblob_len, 0);
    fake.table_len = saved;
    tsm_report_clear(&r);
}

static void test_buffer_keeps_growing(void **state)
{
    (void)state;
    uint8_t rd[64];
    tsm_report r;
    confai_error err = { 0 };
    report_data_of(rd, 2);
    fake.grow_always = 1;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, rd, &fake_ops, &err),
                     CONFAI_E_SEV_GUEST);
    expect_zeroed(&r);
    assert_true(fake.calls <= 4);
    assert_int_equal(fake.closes, fake.opens);

    reset_fake();
    fake.pad_to = 128 * 1024;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, rd, &fake_ops, &err),
                     CONFAI_E_LIMIT);
    assert_int_equal(fake.closes, fake.opens);
}

static void test_firmware_error(void **state)
{
    (void)state;
    uint8_t rd[64];
    tsm_report r;
    confai_error err = { 0 };
    report_data_of(rd, 3);
    fake.fw_error = 0x16; /* INVALID_PARAM */
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 1, rd, &fake_ops, &err),
                     CONFAI_E_SEV_GUEST);
    assert_non_null(strstr(err.message, "fw_error 0x16"));
    assert_non_null(strstr(err.message, "vmm_error 0x0"));
    expect_zeroed(&r);
    assert_int_equal(fake.closes, 1);

    reset_fake();
    fake.rsp_status = 0x16;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 1, rd, &fake_ops, &err),
                     CONFAI_E_SEV_GUEST);
    assert_non_null(strstr(err.message, "status 0x16"));

    reset_fake();
    fake.rsp_size = 1000;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 1, rd, &fake_ops, &err),
                     CONFAI_E_SEV_GUEST);
}

static void test_busy_host(void **state)
{
    (void)state;
    uint8_t rd[64];
    tsm_report r;
    report_data_of(rd, 4);
    fake.busy = 1;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, rd, &fake_ops, NULL), CONFAI_OK);
    tsm_report_clear(&r);

    reset_fake();
    fake.busy = 100;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, rd, &fake_ops, NULL),
                     CONFAI_E_SEV_GUEST);
    assert_true(fake.calls <= 3);
}

static void test_device_missing(void **state)
{
    (void)state;
    uint8_t rd[64] = { 0 };
    tsm_report r;
    confai_error err = { 0 };
    assert_int_equal(sev_guest_get_report(&r, "/nonexistent/sev-guest", 0, rd, &fake_ops, &err),
                     CONFAI_E_TSM_UNAVAILABLE);
    assert_non_null(strstr(err.message, "modprobe sev-guest"));
    expect_zeroed(&r);
    /* the system's calls on a path that does not exist */
    assert_int_equal(sev_guest_get_report(&r, "/nonexistent/sev-guest", 0, rd, NULL, &err),
                     CONFAI_E_TSM_UNAVAILABLE);
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t rd[64] = { 0 };
    tsm_report r;
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 4, rd, &fake_ops, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, -1, rd, &fake_ops, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(sev_guest_get_report(&r, FAKE_DEVICE, 0, NULL, &fake_ops, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(sev_guest_get_report(NULL, FAKE_DEVICE, 0, rd, &fake_ops, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(fake.opens, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_report_with_certificates, each),
        cmocka_unit_test_setup(test_big_enough_at_once, each),
        cmocka_unit_test_setup(test_buffer_keeps_growing, each),
        cmocka_unit_test_setup(test_firmware_error, each),
        cmocka_unit_test_setup(test_busy_host, each),
        cmocka_unit_test_setup(test_device_missing, each),
        cmocka_unit_test_setup(test_arguments, each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

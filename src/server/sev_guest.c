/*
 * /dev/sev-guest's SNP_GET_EXT_REPORT (sev_guest.h). The kernel wraps the
 * request in an SNP guest message to the firmware and copies the host's
 * certificate table into the caller's buffer; when that buffer is too small
 * it fails the ioctl with the VMM error INVALID_LEN and writes the size it
 * needs into certs_len, and the request is made again with a bigger buffer.
 */
#include "server/sev_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "attest/snp/snp.h"
#include "core/bytes.h"
#include "core/error.h"
#include "core/memory.h"
#include "server/snp_cert_table.h"

/* The uapi layout, whichever header defined it. */
_Static_assert(sizeof(struct snp_report_req) == 96, "snp_report_req layout");
_Static_assert(sizeof(struct snp_report_resp) == 4000, "snp_report_resp layout");
_Static_assert(sizeof(struct snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl layout");
_Static_assert(sizeof(struct snp_ext_report_req) == 112, "snp_ext_report_req layout");
_Static_assert(offsetof(struct snp_ext_report_req, certs_address) == 96, "certs_address");
_Static_assert(offsetof(struct snp_guest_request_ioctl, exitinfo2) == 24, "exitinfo2");

#define GROW_TRIES 4 /* certificate buffer sizes tried */
#define BUSY_TRIES 3 /* a busy host is asked again this often */

static int sys_open(const char *path, int flags)
{
    return open(path, flags);
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg);
}

static int sys_close(int fd)
{
    return close(fd);
}

static const sev_guest_ops system_ops = { sys_open, sys_ioctl, sys_close };

static size_t page_round(uint64_t n)
{
    return (size_t)((n + SEV_GUEST_PAGE - 1) / SEV_GUEST_PAGE * SEV_GUEST_PAGE);
}

confai_status sev_guest_get_report(tsm_report *out, const char *device, int vmpl,
                                   const uint8_t report_data[64], const sev_guest_ops *ops,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    int fd = -1;
    uint8_t *certs = NULL;
    size_t certs_cap = SEV_GUEST_PAGE;
    struct snp_report_resp *resp = NULL;

    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(report_data != NULL, "report_data");
    ENSURE(vmpl >= 0 && vmpl <= 3, CONFAI_E_ARGUMENT, "invalid argument: vmpl %d (0..3)",
           vmpl);
    if (device == NULL)
        device = SEV_GUEST_DEFAULT_DEVICE;
    if (ops == NULL)
        ops = &system_ops;

    fd = ops->open(device, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int errnum = errno;
        if (errnum == EACCES || errnum == EPERM)
            BAIL(CONFAI_E_TSM_UNAVAILABLE,
                 "no permission to open %s (%s): run as root or grant access to the device",
                 device, strerror(errnum));
        BAIL(CONFAI_E_TSM_UNAVAILABLE,
             "no %s (%s): run inside an SEV-SNP guest with the sev-guest driver loaded "
             "(modprobe sev-guest)", device, strerror(errnum));
    }
    resp = confai_zalloc(sizeof(*resp));
    ENSURE(resp != NULL, CONFAI_E_NO_MEMORY, "sev-guest: out of memory");

    int grown = 0, busy = 0;
    for (;;) {
        if (certs == NULL) {
            certs = confai_zalloc(certs_cap);
            ENSURE(certs != NULL, CONFAI_E_NO_MEMORY, "sev-guest: out of memory");
        }
        struct snp_ext_report_req req;
        struct snp_guest_request_ioctl io;
        memset(&req, 0, sizeof(req));
        memset(&io, 0, sizeof(io));
        memset(resp, 0, sizeof(*resp));
        memcpy(req.data.user_data, report_data, 64);
        req.data.vmpl = (uint32_t)vmpl;
        req.certs_address = (uint64_t)(uintptr_t)certs;
        req.certs_len = (uint32_t)certs_cap;
        io.msg_version = SEV_GUEST_MSG_VERSION;
        io.req_data = (uint64_t)(uintptr_t)&req;
        io.resp_data = (uint64_t)(uintptr_t)resp;

        int rc = ops->ioctl(fd, SNP_GET_EXT_REPORT, &io);
        int errnum = rc < 0 ? errno : 0;
        if (rc >= 0)
            break;
        if (io.vmm_error == SNP_GUEST_VMM_ERR_INVALID_LEN) {
            ENSURE(req.certs_len > certs_cap, CONFAI_E_SEV_GUEST,
                   "sev-guest: the host says %zu bytes are too few for its certificates but "
                   "asks for %u: a host or kernel bug; use configfs-tsm instead",
                   certs_cap, (unsigned)req.certs_len);
            ENSURE(req.certs_len <= SEV_GUEST_CERTS_MAX, CONFAI_E_LIMIT,
                   "sev-guest: the host's certificate table needs %u bytes, at most %u are "
                   "read: the host supplies something that is not AMD's certificates",
                   (unsigned)req.certs_len, SEV_GUEST_CERTS_MAX);
            ENSURE(++grown < GROW_TRIES, CONFAI_E_SEV_GUEST,
                   "sev-guest: the host asked for a bigger certificate buffer %d times: it "
                   "keeps changing its certificates; try again later", grown);
            confai_free_secret(certs, certs_cap);
            certs = NULL;
            certs_cap = page_round(req.certs_len);
            continue;
        }
        if ((io.vmm_error == SNP_GUEST_VMM_ERR_BUSY || errnum == EAGAIN || errnum == EBUSY) &&
            ++busy < BUSY_TRIES)
            continue;
        BAIL(CONFAI_E_SEV_GUEST,
             "sev-guest: SNP_GET_EXT_REPORT failed (%s; fw_error 0x%x, vmm_error 0x%x): "
             "check that VMPL %d is not below the guest's own and see dmesg",
             strerror(errnum), (unsigned)io.fw_error, (unsigned)io.vmm_error, vmpl);
    }

    uint32_t fw_status = load_le32(resp->data + SEV_GUEST_RSP_STATUS);
    uint32_t size = load_le32(resp->data + SEV_GUEST_RSP_SIZE);
    ENSURE(fw_status == 0, CONFAI_E_SEV_GUEST,
           "sev-guest: the firmware answered status 0x%x: check that VMPL %d is not below "
           "the guest's own and see dmesg", (unsigned)fw_status, vmpl);
    ENSURE(size == SNP_REPORT_SIZE, CONFAI_E_SEV_GUEST,
           "sev-guest: the firmware's report has %u bytes, not %d: update the guest "
           "kernel and firmware", (unsigned)size, SNP_REPORT_SIZE);
    out->outblob = confai_memdup(resp->data + SEV_GUEST_RSP_REPORT, SNP_REPORT_SIZE);
    ENSURE(out->outblob != NULL, CONFAI_E_NO_MEMORY, "sev-guest: out of memory");
    out->outblob_len = SNP_REPORT_SIZE;

    size_t used = 0;
    GUARD(snp_cert_table_extent(&used, certs, certs_cap, err));
    if (used > SNP_CERT_ENTRY_SIZE) {
        out->auxblob = confai_memdup(certs, used);
        ENSURE(out->auxblob != NULL, CONFAI_E_NO_MEMORY, "sev-guest: out of memory");
        out->auxblob_len = used;
    }
    memcpy(out->provider, "sev_guest", sizeof("sev_guest"));
out:
    if (fd >= 0)
        (void)ops->close(fd);
    confai_free_secret(certs, certs_cap);
    confai_free_secret(resp, resp != NULL ? sizeof(*resp) : 0);
    if (status != CONFAI_OK && out != NULL)
        tsm_report_clear(out);
    return status;
}

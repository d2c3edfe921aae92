/*
 * SEV-SNP reports through the legacy /dev/sev-guest device (the kernel's
 * include/uapi/linux/sev-guest.h): SNP_GET_EXT_REPORT, for guests whose
 * kernel has no configfs-tsm. The result has the shape of a configfs-tsm
 * report: outblob the 1184-byte report, auxblob the certificate table
 * (snp_cert_table.h) the host supplied.
 *
 * The uapi structures come from <linux/sev-guest.h> where the system has it
 * (Debian's linux-libc-dev does); otherwise from the identical definitions
 * below, which follow the uapi header's published layout.
 */
#ifndef CONFAI_SERVER_SEV_GUEST_H
#define CONFAI_SERVER_SEV_GUEST_H

#include <stdint.h>

#include <sys/ioctl.h>

#include <confai/confai.h>

#include "server/tsm.h"

#if defined(__has_include)
#  if __has_include(<linux/sev-guest.h>)
#    include <linux/sev-guest.h>
#    define SEV_GUEST_HAVE_UAPI 1
#  endif
#endif

#ifndef SEV_GUEST_HAVE_UAPI
struct snp_report_req {
    uint8_t user_data[64]; /* user data that goes into the report */
    uint32_t vmpl;         /* the VMPL the report is made for */
    uint8_t rsvd[28];      /* zero */
};

struct snp_report_resp {
    uint8_t data[4000];    /* the firmware's MSG_REPORT_RSP */
};

struct snp_guest_request_ioctl {
    uint8_t msg_version;   /* 1 */
    uint64_t req_data;     /* address of the request */
    uint64_t resp_data;    /* address of the response */
    union {
        uint64_t exitinfo2; /* bits 63..32 VMM error, 31..0 firmware error */
        struct {
            uint32_t fw_error;
            uint32_t vmm_error;
        };
    };
};

struct snp_ext_report_req {
    struct snp_report_req data;
    uint64_t certs_address; /* where the kernel copies the certificate table */
    uint32_t certs_len;     /* its size: a multiple of 4096; the size needed on INVALID_LEN */
};

#define SNP_GUEST_REQ_IOC_TYPE 'S'
#define SNP_GET_EXT_REPORT _IOWR(SNP_GUEST_REQ_IOC_TYPE, 0x2, struct snp_guest_request_ioctl)
#endif

#ifndef SNP_GUEST_VMM_ERR_INVALID_LEN
#  define SNP_GUEST_VMM_ERR_INVALID_LEN 1
#endif
#ifndef SNP_GUEST_VMM_ERR_BUSY
#  define SNP_GUEST_VMM_ERR_BUSY 2
#endif

#define SEV_GUEST_DEFAULT_DEVICE "/dev/sev-guest"
#define SEV_GUEST_MSG_VERSION 1
#define SEV_GUEST_PAGE 4096u
#define SEV_GUEST_CERTS_MAX (64u * 1024u) /* a larger certificate table: CONFAI_E_LIMIT */

/* MSG_REPORT_RSP (SEV-SNP firmware ABI): status, report size, reserved, report. */
#define SEV_GUEST_RSP_STATUS 0x00
#define SEV_GUEST_RSP_SIZE 0x04
#define SEV_GUEST_RSP_REPORT 0x20

/* The kernel's system calls; tests pass a fake that implements the uapi ABI. */
typedef struct sev_guest_ops {
    int (*open)(const char *path, int flags);
    int (*ioctl)(int fd, unsigned long request, void *arg);
    int (*close)(int fd);
} sev_guest_ops;

/*
 * An extended report for report_data at the given VMPL (0..3). Starts with a
 * one-page certificate buffer and grows it to the size the kernel asks for
 * (SNP_GUEST_VMM_ERR_INVALID_LEN), a bounded number of times; retries a
 * busy host (SNP_GUEST_VMM_ERR_BUSY, EAGAIN, EBUSY) a few times too.
 * device NULL: /dev/sev-guest; ops NULL: the system's open, ioctl, close.
 * Errors:
 *   CONFAI_E_ARGUMENT         out or report_data NULL, vmpl not 0..3
 *   CONFAI_E_TSM_UNAVAILABLE  the device is missing or not accessible
 *   CONFAI_E_SEV_GUEST        the ioctl or the firmware failed (fw_error and
 *                             vmm_error in the message), or the response is
 *                             not a 1184-byte report
 *   CONFAI_E_LIMIT            the certificate table needs over 64 KiB
 *   CONFAI_E_TRUNCATED, CONFAI_E_MALFORMED  the certificate table is broken
 *   CONFAI_E_NO_MEMORY
 * On success *out owns its buffers (tsm_report_clear), provider "sev_guest",
 * auxblob the table cut to its content (NULL/0 when the host supplied no
 * certificates); on failure *out is zeroed.
 */
confai_status sev_guest_get_report(tsm_report *out, const char *device, int vmpl,
                                   const uint8_t report_data[64], const sev_guest_ops *ops,
                                   confai_error *err);

#endif /* CONFAI_SERVER_SEV_GUEST_H */

/*
 * confai_check_name: every name a verdict may list, for programs and tests
 * that check they speak the library's vocabulary. The names as the checks
 * note them (verdict_note) across src/attest, the policy checks' tables
 * included.
 */
#include <stddef.h>

#include <confai/confai.h>

static const char *const check_names[] = {
    "bundle",
    "nonce",
    "not_after",
    "policy.platform",
    "sev_snp.certificate_chain",
    "sev_snp.endorsement",
    "sev_snp.signature",
    "tdx.pck_chain",
    "tdx.qe_report",
    "tdx.signature",
    "tdx.tcb_info",
    "tdx.qe_identity",
    "binding.report_data",
    "policy.product",
    "policy.measurement",
    "policy.tcb.reported",
    "policy.tcb.committed",
    "policy.tcb.launch",
    "policy.debug",
    "policy.migration_agent",
    "policy.smt",
    "policy.vmpl",
    "policy.host_data",
    "policy.guest_svn",
    "policy.id_key",
    "policy.author_key",
    "policy.chip_id",
    "policy.firmware.current",
    "policy.firmware.committed",
    "policy.collateral",
    "policy.tcb_status",
    "policy.tcb_evaluation_data_number",
    "policy.collateral_age",
    "policy.crls",
    "policy.rtmr0",
    "policy.rtmr1",
    "policy.rtmr2",
    "policy.rtmr3",
    "policy.mrseam",
    "policy.tee_tcb_svn",
    "policy.td_attributes",
    "policy.xfam",
    "policy.mr_config_id",
    "policy.mr_owner",
    "policy.mr_owner_config",
    "policy.gpu.count",
    "gpu.certificate_chain",
    "gpu.signature",
    "gpu.binding",
    "policy.gpu.cc_mode",
    "policy.gpu.measurements",
    "policy.gpu.driver",
    "policy.gpu.vbios",
    "policy.tokens.count",
    "token.signature",
    "token.claims",
    "token.eat_nonce",
    "policy.manifest",
    "key_config",
};

const char *confai_check_name(int index)
{
    if (index < 0 || (size_t)index >= sizeof(check_names) / sizeof(check_names[0]))
        return NULL;
    return check_names[index];
}

/*
 * Names of the checks: the vocabulary of the verdict's check lists
 * (doc/protocol.md, "Verdict"). Programs read it with confai_check_name.
 */
#include "attest/check.h"

#include <confai/confai.h>

/*
 * No default: with -Werror=switch a new check without a name does not
 * build. The names are verdict output: never rename one.
 */
const char *attest_check_name(attest_check check)
{
    switch (check) {
    case CHECK_BUNDLE: return "bundle";
    case CHECK_NONCE: return "nonce";
    case CHECK_NOT_AFTER: return "not_after";
    case CHECK_POLICY_PLATFORM: return "policy.platform";
    case CHECK_SNP_CERTIFICATE_CHAIN: return "sev_snp.certificate_chain";
    case CHECK_SNP_ENDORSEMENT: return "sev_snp.endorsement";
    case CHECK_SNP_SIGNATURE: return "sev_snp.signature";
    case CHECK_TDX_PCK_CHAIN: return "tdx.pck_chain";
    case CHECK_TDX_QE_REPORT: return "tdx.qe_report";
    case CHECK_TDX_SIGNATURE: return "tdx.signature";
    case CHECK_TDX_TCB_INFO: return "tdx.tcb_info";
    case CHECK_TDX_QE_IDENTITY: return "tdx.qe_identity";
    case CHECK_BINDING_REPORT_DATA: return "binding.report_data";
    case CHECK_POLICY_PRODUCT: return "policy.product";
    case CHECK_POLICY_MEASUREMENT: return "policy.measurement";
    case CHECK_POLICY_TCB_REPORTED: return "policy.tcb.reported";
    case CHECK_POLICY_TCB_COMMITTED: return "policy.tcb.committed";
    case CHECK_POLICY_TCB_LAUNCH: return "policy.tcb.launch";
    case CHECK_POLICY_TCB_CURRENT: return "policy.tcb.current";
    case CHECK_POLICY_DEBUG: return "policy.debug";
    case CHECK_POLICY_MIGRATION_AGENT: return "policy.migration_agent";
    case CHECK_POLICY_GUEST_SMT: return "policy.guest_policy.smt";
    case CHECK_POLICY_GUEST_SINGLE_SOCKET: return "policy.guest_policy.single_socket";
    case CHECK_POLICY_GUEST_CXL_ALLOW: return "policy.guest_policy.cxl_allow";
    case CHECK_POLICY_GUEST_MEM_AES_256_XTS: return "policy.guest_policy.mem_aes_256_xts";
    case CHECK_POLICY_GUEST_RAPL_DIS: return "policy.guest_policy.rapl_dis";
    case CHECK_POLICY_GUEST_CIPHERTEXT_HIDING_DRAM:
        return "policy.guest_policy.ciphertext_hiding_dram";
    case CHECK_POLICY_GUEST_PAGE_SWAP_DISABLE: return "policy.guest_policy.page_swap_disable";
    case CHECK_POLICY_GUEST_ABI: return "policy.guest_policy.min_abi";
    case CHECK_POLICY_VMPL: return "policy.vmpl";
    case CHECK_POLICY_HOST_DATA: return "policy.host_data";
    case CHECK_POLICY_GUEST_SVN: return "policy.guest_svn";
    case CHECK_POLICY_ID_KEY: return "policy.id_key";
    case CHECK_POLICY_AUTHOR_KEY: return "policy.author_key";
    case CHECK_POLICY_CHIP_ID: return "policy.chip_id";
    case CHECK_POLICY_FIRMWARE_CURRENT: return "policy.firmware.current";
    case CHECK_POLICY_FIRMWARE_COMMITTED: return "policy.firmware.committed";
    case CHECK_POLICY_REPORT_VERSION: return "policy.report_version";
    case CHECK_POLICY_COLLATERAL: return "policy.collateral";
    case CHECK_POLICY_TCB_STATUS: return "policy.tcb_status";
    case CHECK_POLICY_TCB_EVALUATION_DATA_NUMBER: return "policy.tcb_evaluation_data_number";
    case CHECK_POLICY_COLLATERAL_AGE: return "policy.collateral_age";
    case CHECK_POLICY_CRLS: return "policy.crls";
    case CHECK_POLICY_RTMR0: return "policy.rtmr0";
    case CHECK_POLICY_RTMR1: return "policy.rtmr1";
    case CHECK_POLICY_RTMR2: return "policy.rtmr2";
    case CHECK_POLICY_RTMR3: return "policy.rtmr3";
    case CHECK_POLICY_MRSEAM: return "policy.mrseam";
    case CHECK_POLICY_TEE_TCB_SVN: return "policy.tee_tcb_svn";
    case CHECK_POLICY_TD_ATTRIBUTES: return "policy.td_attributes";
    case CHECK_POLICY_XFAM: return "policy.xfam";
    case CHECK_POLICY_MR_CONFIG_ID: return "policy.mr_config_id";
    case CHECK_POLICY_MR_OWNER: return "policy.mr_owner";
    case CHECK_POLICY_MR_OWNER_CONFIG: return "policy.mr_owner_config";
    case CHECK_POLICY_GPU_COUNT: return "policy.gpu.count";
    case CHECK_GPU_CERTIFICATE_CHAIN: return "gpu.certificate_chain";
    case CHECK_GPU_SIGNATURE: return "gpu.signature";
    case CHECK_GPU_BINDING: return "gpu.binding";
    case CHECK_GPU_DISTINCT: return "gpu.distinct";
    case CHECK_POLICY_GPU_CC_MODE: return "policy.gpu.cc_mode";
    case CHECK_POLICY_GPU_MEASUREMENTS: return "policy.gpu.measurements";
    case CHECK_POLICY_GPU_DRIVER: return "policy.gpu.driver";
    case CHECK_POLICY_GPU_VBIOS: return "policy.gpu.vbios";
    case CHECK_POLICY_TOKENS_COUNT: return "policy.tokens.count";
    case CHECK_TOKEN_SIGNATURE: return "token.signature";
    case CHECK_TOKEN_CLAIMS: return "token.claims";
    case CHECK_TOKEN_EAT_NONCE: return "token.eat_nonce";
    case CHECK_POLICY_MANIFEST: return "policy.manifest";
    case CHECK_KEY_CONFIG: return "key_config";
    case ATTEST_CHECK_COUNT: break;
    }
    return NULL;
}

const char *confai_check_name(int index)
{
    if (index < 0 || index >= (int)ATTEST_CHECK_COUNT)
        return NULL;
    return attest_check_name((attest_check)index);
}

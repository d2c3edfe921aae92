/*
 * Evidence sources (confai/server.h): the real platform (configfs-tsm or
 * /dev/sev-guest, endorsements from the extended report or AMD KDS, TDX
 * collateral from Intel PCS, GPUs through NVML) asked for evidence that
 * commits to one bundle's transcript. The simulated sources are in
 * sim_source.c.
 *
 * The source checks nothing the client checks (chains, signatures, policy);
 * it only refuses to hand on evidence that cannot be complete, and the
 * builder's finish refuses evidence that commits to another transcript.
 */
#include <string.h>
#include <unistd.h>


#include <confai/server.h>
#include <openssl/crypto.h>

#include "attest/attestation.h"
#include "attest/binding.h"
#include "attest/snp/snp.h"
#include "core/error.h"
#include "core/memory.h"
#include "server/bundle_builder.h"
#include "server/nvml.h"
#include "server/sev_guest.h"
#include "server/snp_cert_table.h"
#include "server/tsm.h"
#include "server/evidence_source.h"
#ifdef CONFAI_SERVER_FETCHERS
#include "server/kds.h"
#include "server/pcs.h"
#endif

#define SEV_GUEST_DEFAULT "/dev/sev-guest"

uint32_t confai_platform_options_version(void)
{
    return CONFAI_PLATFORM_OPTIONS_VERSION;
}

confai_status confai_platform_options_init(confai_platform_options *options, uint32_t version,
                                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(options != NULL, "options");
    ENSURE(version == CONFAI_PLATFORM_OPTIONS_VERSION, CONFAI_E_UNSUPPORTED,
           "platform options: version %u (this library knows %u)", (unsigned)version,
           (unsigned)CONFAI_PLATFORM_OPTIONS_VERSION);
    memset(options, 0, sizeof(*options));
    options->version = version;
    options->vmpl = -1;
    options->gpus = CONFAI_GPUS_AUTO;
out:
    return status;
}

/* Copies the caller's strings, so the source does not depend on them. */
static confai_status copy_options(confai_evidence_source *s, const confai_platform_options *o,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    const char **fields[] = { &s->opt.platform, &s->opt.tsm_root, &s->opt.sev_guest_device,
                              &s->opt.product,  &s->opt.kds_url,  &s->opt.pcs_url,
                              &s->opt.cache_dir, &s->opt.nvml_library };
    s->opt = *o;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (*fields[i] == NULL)
            continue;
        s->strings[i] = OPENSSL_strdup(*fields[i]);
        ENSURE(s->strings[i] != NULL, CONFAI_E_NO_MEMORY, OOM);
        *fields[i] = s->strings[i];
    }
out:
    return status;
}

static int reserved_zero(const confai_platform_options *o)
{
    for (size_t i = 0; i < sizeof(o->reserved) / sizeof(o->reserved[0]); i++)
        if (o->reserved[i] != 0)
            return 0;
    return 1;
}

/* Which CPU interface is there, and is it the platform asked for. */
static confai_status find_cpu(confai_evidence_source *s, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char provider[32];
    confai_error probe;
    const char *want = s->opt.platform;
    int any = want == NULL || strcmp(want, "auto") == 0;

    ENSURE(any || strcmp(want, "sev-snp") == 0 || strcmp(want, "tdx") == 0, CONFAI_E_UNSUPPORTED,
           "evidence source: platform \"%.20s\" (expected auto, sev-snp or tdx)", want);
    confai_status st = tsm_provider(provider, s->opt.tsm_root, &probe);
    if (st == CONFAI_OK) {
        if (strcmp(provider, "sev_guest") == 0 && (any || strcmp(want, "sev-snp") == 0)) {
            s->kind = SOURCE_TSM_SNP;
        } else if (strcmp(provider, "tdx_guest") == 0 && (any || strcmp(want, "tdx") == 0)) {
            s->kind = SOURCE_TSM_TDX;
        } else {
            BAIL(CONFAI_E_TSM_PROVIDER,
                 "evidence source: configfs-tsm's provider is \"%s\", but the platform asked for "
                 "is %s: run with --platform auto or the platform this VM has",
                 provider, any ? "one this library supports" : want);
        }
        goto out;
    }
    if (st != CONFAI_E_TSM_UNAVAILABLE) {
        /* configfs-tsm is there but failed: say why, do not fall back */
        if (err != NULL)
            *err = probe;
        status = st;
        goto out;
    }
    /* No configfs-tsm: SEV-SNP guests of older kernels have /dev/sev-guest. */
    const char *dev = s->opt.sev_guest_device != NULL ? s->opt.sev_guest_device
                                                      : SEV_GUEST_DEFAULT;
    ENSURE(any || strcmp(want, "sev-snp") == 0, CONFAI_E_TSM_UNAVAILABLE,
           "evidence source: no configfs-tsm report root at %s: TDX evidence needs a kernel with "
           "configfs-tsm (6.7 or later) and configfs mounted at /sys/kernel/config",
           s->opt.tsm_root != NULL ? s->opt.tsm_root : TSM_DEFAULT_ROOT);
    ENSURE(access(dev, F_OK) == 0, CONFAI_E_TSM_UNAVAILABLE,
           "evidence source: no configfs-tsm report root at %s and no %s: run inside an SEV-SNP "
           "or TDX guest with configfs mounted (mount -t configfs none /sys/kernel/config)",
           s->opt.tsm_root != NULL ? s->opt.tsm_root : TSM_DEFAULT_ROOT, dev);
    s->kind = SOURCE_SEV_GUEST;
out:
    return status;
}

/* NVML and the GPUs, as options.gpus asks. */
static confai_status find_gpus(confai_evidence_source *s, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned count = 0;
    confai_error quiet;

    if (s->opt.gpus == 0)
        goto out;
    ENSURE(s->opt.gpus == CONFAI_GPUS_AUTO || s->opt.gpus > 0, CONFAI_E_ARGUMENT,
           "evidence source: gpus %d (expected -1 for every GPU, 0 or a count)", s->opt.gpus);
    confai_status st = nvml_open(&s->nvml, s->opt.nvml_library, &quiet);
    if (st != CONFAI_OK) {
        /* auto on a machine without NVIDIA's driver: a CPU-only service */
        if (s->opt.gpus == CONFAI_GPUS_AUTO && st == CONFAI_E_NVML_UNAVAILABLE)
            goto out;
        if (err != NULL)
            *err = quiet;
        status = st;
        goto out;
    }
    GUARD(nvml_gpu_count(s->nvml, &count, err));
    ENSURE(s->opt.gpus == CONFAI_GPUS_AUTO || count == (unsigned)s->opt.gpus, CONFAI_E_ARGUMENT,
           "evidence source: %u GPUs asked for, NVML finds %u", (unsigned)s->opt.gpus, count);
    if (count > 0)
        GUARD(nvml_require_cc(s->nvml, err));
    s->gpu_count = count;
out:
    return status;
}

confai_status confai_evidence_source_new(confai_evidence_source **source,
                                         const confai_platform_options *options,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_source *s = NULL;

    confai_err_clear(err);
    ENSURE_ARG(source != NULL, "source");
    *source = NULL;
    ENSURE_ARG(options != NULL, "options");
    ENSURE(options->version == CONFAI_PLATFORM_OPTIONS_VERSION, CONFAI_E_UNSUPPORTED,
           "platform options: version %u (this library knows %u)", (unsigned)options->version,
           (unsigned)CONFAI_PLATFORM_OPTIONS_VERSION);
    ENSURE_ARG(reserved_zero(options), "options.reserved");
    ENSURE_ARG(options->vmpl >= -1 && options->vmpl <= 3, "options.vmpl");
    s = OPENSSL_zalloc(sizeof(*s));
    ENSURE(s != NULL, CONFAI_E_NO_MEMORY, OOM);
    GUARD(copy_options(s, options, err));
    GUARD(find_cpu(s, err));
    GUARD(find_gpus(s, err));
    *source = s;
    s = NULL;
out:
    confai_evidence_source_free(s);
    return status;
}

void confai_evidence_source_free(confai_evidence_source *source)
{
    if (source == NULL)
        return;
    nvml_close(source->nvml);
    sim_source_clear(source);
    for (size_t i = 0; i < sizeof(source->strings) / sizeof(source->strings[0]); i++)
        OPENSSL_free(source->strings[i]);
    OPENSSL_clear_free(source, sizeof(*source));
}

const char *confai_evidence_source_platform(const confai_evidence_source *source)
{
    if (source == NULL)
        return NULL;
    return source->kind == SOURCE_TSM_TDX || source->kind == SOURCE_SIM_TDX ? "tdx" : "sev-snp";
}

size_t confai_evidence_source_gpu_count(const confai_evidence_source *source)
{
    return source != NULL ? source->gpu_count : 0;
}

/* --- collecting ----------------------------------------------------------------- */

/* SEV-SNP certificates: the extended report's table, else AMD KDS. */
static confai_status snp_endorse(confai_evidence_source *s, confai_bundle_builder *builder,
                                 const tsm_report *r, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_cert_table table;
    const uint8_t *certs[3];
    size_t lens[3];

    if (r->auxblob_len > 0) {
        GUARD(snp_cert_table_parse(&table, r->auxblob, r->auxblob_len, err));
        const uint8_t *leaf = table.vcek != NULL ? table.vcek : table.vlek;
        size_t leaf_len = table.vcek != NULL ? table.vcek_len : table.vlek_len;
        /* A table with the leaf but without ASK and ARK still needs KDS for them. */
        if (leaf != NULL && table.ask != NULL && table.ark != NULL) {
            certs[0] = leaf;
            lens[0] = leaf_len;
            certs[1] = table.ask;
            lens[1] = table.ask_len;
            certs[2] = table.ark;
            lens[2] = table.ark_len;
            GUARD(confai_bundle_builder_set_snp(builder, r->outblob, r->outblob_len, certs, lens,
                                                3, err));
            goto out;
        }
    }
#ifdef CONFAI_SERVER_FETCHERS
    kds_chain chain;
    memset(&chain, 0, sizeof(chain));
    kds_options ko;
    memset(&ko, 0, sizeof(ko));
    ko.base_url = s->opt.kds_url;
    ko.cache_dir = s->opt.cache_dir;
    ko.http.timeout_ms = s->opt.timeout_ms;
    status = kds_fetch_vcek_chain(&chain, r->outblob, r->outblob_len, s->opt.product, &ko, err);
    if (status == CONFAI_OK) {
        certs[0] = chain.vcek;
        lens[0] = chain.vcek_len;
        certs[1] = chain.ask;
        lens[1] = chain.ask_len;
        certs[2] = chain.ark;
        lens[2] = chain.ark_len;
        status = confai_bundle_builder_set_snp(builder, r->outblob, r->outblob_len, certs, lens,
                                               3, err);
    }
    kds_chain_clear(&chain);
#else
    (void)s;
    BAIL(CONFAI_E_ENDORSEMENT_UNAVAILABLE,
         "evidence source: the report carries no certificates and this build has no KDS client "
         "(built without libcurl): build with -Dclient=enabled or provision the certificates "
         "with the host (snphost import)");
#endif
out:
    return status;
}

#ifdef CONFAI_SERVER_FETCHERS
static confai_status tdx_endorse(confai_evidence_source *s, confai_bundle_builder *builder,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    pcs_collateral c;
    pcs_options po;
    const bundle *b = bundle_builder_bundle(builder);

    memset(&c, 0, sizeof(c));
    memset(&po, 0, sizeof(po));
    po.base_url = s->opt.pcs_url;
    po.cache_dir = s->opt.cache_dir;
    po.http.timeout_ms = s->opt.timeout_ms;
    GUARD(pcs_fetch_collateral(&c, b->cpu.quote.data, b->cpu.quote.len, &po, err));
    for (int i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++) {
        if (c.len[i] == 0)
            continue;
        GUARD(confai_bundle_builder_add_tdx_collateral(
            builder, bundle_tdx_collateral_name((bundle_tdx_collateral)i), c.item[i], c.len[i],
            err));
    }
out:
    pcs_collateral_clear(&c);
    return status;
}
#endif

static confai_status collect_cpu(confai_evidence_source *s, confai_bundle_builder *builder,
                                 const uint8_t report_data[64], confai_error *err)
{
    confai_status status = CONFAI_OK;
    tsm_report r;
    memset(&r, 0, sizeof(r));

    if (s->kind == SOURCE_SIM_SNP || s->kind == SOURCE_SIM_TDX) {
        GUARD(sim_source_collect_cpu(s, builder, report_data, err));
        goto out;
    }
    if (s->kind == SOURCE_SEV_GUEST) {
        GUARD(sev_guest_get_report(&r, s->opt.sev_guest_device, s->opt.vmpl < 0 ? 0 : s->opt.vmpl,
                                   report_data, NULL, err));
        GUARD(snp_endorse(s, builder, &r, err));
        goto out;
    }
    tsm_request req;
    memset(&req, 0, sizeof(req));
    req.root = s->opt.tsm_root;
    req.provider = s->kind == SOURCE_TSM_SNP ? "sev_guest" : "tdx_guest";
    req.privlevel = s->kind == SOURCE_TSM_SNP ? s->opt.vmpl : -1;
    memcpy(req.inblob, report_data, TSM_INBLOB_SIZE);
    GUARD(tsm_report_get(&r, &req, err));
    if (s->kind == SOURCE_TSM_SNP) {
        GUARD(snp_endorse(s, builder, &r, err));
        goto out;
    }
    GUARD(confai_bundle_builder_set_tdx(builder, r.outblob, r.outblob_len, err));
#ifdef CONFAI_SERVER_FETCHERS
    GUARD(tdx_endorse(s, builder, err));
#else
    BAIL(CONFAI_E_ENDORSEMENT_UNAVAILABLE,
         "evidence source: TDX collateral needs the PCS client, which this build lacks (built "
         "without libcurl): build with -Dclient=enabled");
#endif
out:
    tsm_report_clear(&r);
    return status;
}

static confai_status collect_gpus(confai_evidence_source *s, confai_bundle_builder *builder,
                                  const uint8_t nonce[32], confai_error *err)
{
    confai_status status = CONFAI_OK;
    nvml_gpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    if (s->kind == SOURCE_SIM_SNP || s->kind == SOURCE_SIM_TDX) {
        GUARD(sim_source_collect_gpus(s, builder, nonce, err));
        goto out;
    }
    for (unsigned i = 0; i < s->gpu_count; i++) {
        GUARD(nvml_gpu_evidence_get(&ev, s->nvml, i, nonce, err));
        GUARD(confai_bundle_builder_add_gpu(builder, ev.evidence, ev.evidence_len,
                                            (const uint8_t *const *)ev.certs, ev.cert_lens,
                                            ev.cert_count, err));
        nvml_gpu_evidence_clear(&ev);
    }
out:
    nvml_gpu_evidence_clear(&ev);
    return status;
}

confai_status confai_evidence_source_collect(confai_evidence_source *source,
                                             confai_bundle_builder *builder, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t report_data[BINDING_REPORT_DATA_SIZE];
    uint8_t gpu_nonce[BINDING_GPU_NONCE_SIZE];

    confai_err_clear(err);
    ENSURE_ARG(source != NULL, "source");
    ENSURE_ARG(builder != NULL, "builder");
    const bundle *b = bundle_builder_bundle(builder);
    ENSURE(b->cpu.type == 0, CONFAI_E_STATE, "evidence source: the builder has CPU evidence");
    binding_inputs in = attestation_binding_inputs(b);
    GUARD(binding_report_data(report_data, &in, err));
    GUARD(binding_gpu_nonce(gpu_nonce, &in, err));
    GUARD(collect_cpu(source, builder, report_data, err));
    GUARD(collect_gpus(source, builder, gpu_nonce, err));
out:
    return status;
}

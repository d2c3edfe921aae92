/*
 * An evidence source's state, shared by the real platform's code
 * (evidence_source.c) and the simulated sources (sim_source.c).
 */
#ifndef CONFAI_SERVER_EVIDENCE_SOURCE_H
#define CONFAI_SERVER_EVIDENCE_SOURCE_H

#include <confai/server.h>

#include "server/nvml.h"
#include "sim/gpu_sim.h"
#include "sim/tdx_sim.h"

#define OOM "evidence source: out of memory"
#define SIM_MAX_GPUS 16

typedef enum source_kind {
    SOURCE_TSM_SNP,   /* configfs-tsm, provider sev_guest */
    SOURCE_TSM_TDX,   /* configfs-tsm, provider tdx_guest */
    SOURCE_SEV_GUEST, /* the /dev/sev-guest ioctl */
    SOURCE_SIM_SNP,   /* a simulated SEV-SNP platform */
    SOURCE_SIM_TDX,   /* a simulated TD */
} source_kind;

struct confai_evidence_source {
    source_kind kind;
    confai_platform_options opt; /* its strings point into the copies below */
    char *strings[9];
    const confai_sim_snp *sim;       /* SOURCE_SIM_SNP, the caller's */
    tdx_sim *sim_td;                 /* SOURCE_SIM_TDX, the source's own */
    gpu_sim *sim_gpus[SIM_MAX_GPUS]; /* a simulated source's GPUs */
    nvml *nvml;
    unsigned gpu_count;
};

/* A simulated source's CPU evidence (report or quote and its endorsements). */
confai_status sim_source_collect_cpu(confai_evidence_source *s, confai_bundle_builder *builder,
                                     const uint8_t report_data[64], confai_error *err);

/* A simulated source's GPUs: fresh evidence for the nonce from each. */
confai_status sim_source_collect_gpus(confai_evidence_source *s, confai_bundle_builder *builder,
                                      const uint8_t nonce[32], confai_error *err);

/* Releases what a simulated source made (its TD and GPUs). */
void sim_source_clear(confai_evidence_source *s);

#endif /* CONFAI_SERVER_EVIDENCE_SOURCE_H */

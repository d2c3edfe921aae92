#!/usr/bin/env python3
"""Golden tests of the confai command-line tool (examples/confai).

Runs the built `confai` on the shared vectors (real SEV-SNP reports, TDX
quotes with Intel collateral, NVIDIA SPDM evidence) and on simulated-platform
evidence made fresh by make_bundle and make_tdx: inspect of each kind, verify accept and
reject (one case per rejection reason the tool reports), policy pin then
verify, usage and exit codes.

    test_cli.py --confai PATH --make-bundle PATH --make-tdx PATH [--vectors DIR]

The vectors folder is $CONFAI_VECTORS, else ../shared/vectors next to the
source tree. Without it the test is skipped (exit 77) with a message, unless
CONFAI_REQUIRE_VECTORS is set; with it nothing is skipped.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

T_2024 = "2024-01-01T00:00:00Z"
T_2025_06 = "2025-06-01T00:00:00Z"
T_2026 = "2026-01-01T00:00:00Z"
T_SIM = "2026-01-01T00:10:00Z"
SIM_NONCE = "".join("%02x" % (0xa0 + i) for i in range(32))
SIM_GPU_NONCE = "".join("%02x" % (0xc0 + i) for i in range(32))  # make_bundle's gpuK/

# Real SEV-SNP reports with the chains PROVENANCE.md pairs them with, and a
# time inside every certificate's validity (as tests/unit/test_snp_verify_vectors.c).
SNP_CASES = [
    ("go-sev-guest", "sev-snp/go-sev-guest/attestation.bin", "sev-snp/go-sev-guest/vcek.testcer",
     "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024, "milan"),
    ("virtee", "sev-snp/virtee-sev/report_milan.hex", "sev-snp/virtee-sev/vcek_milan.der",
     "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024, "milan"),
    ("trustee", "sev-snp/trustee/test-report.bin", "sev-snp/trustee/test-vcek.der",
     "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024, "milan"),
    ("trustee-vlek", "sev-snp/trustee/test-vlek-report.bin", "sev-snp/trustee/test-vlek.der",
     "sev-snp/go-sev-guest/ask_ark_milan_vlek.pem", T_2025_06, "milan"),
    ("azure", "sev-snp/azure-vtpm/azure_milan_snp_report.bin", "sev-snp/azure-vtpm/vcek.pem",
     "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024, "milan"),
    ("oak-genoa", "sev-snp/oak/genoa_oc_snp_report.bin", "sev-snp/oak/genoa_oc_vcek.der",
     "sev-snp/go-sev-guest/ask_ark_genoa.pem", T_2026, "genoa"),
    ("oak-milan", "sev-snp/oak/milan_oc_release_snp_report.bin",
     "sev-snp/oak/milan_oc_release_vcek.der", "sev-snp/go-sev-guest/ask_ark_milan.pem",
     T_2025_06, "milan"),
]

GPU_A = ("nvidia/trustee/hopperAttestationReport.txt", "nvidia/trustee/hopper_cert_chain_case1.txt",
         "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", "550.90.07",
         "96.00.9F.00.01")
GPU_B = ("nvidia/trustee/hopper_coco_report1.txt", "nvidia/trustee/hopper_coco_certs1.txt",
         "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", "580.95.05",
         "96.00.74.00.1A")


class Failure(Exception):
    pass


class Runner:
    def __init__(self, confai, vectors, work):
        self.confai = confai
        self.vectors = vectors
        self.work = work
        self.count = 0
        self.failed = []
        self.check_names = {}  # name -> the first command that printed it

    def v(self, rel):
        return os.path.join(self.vectors, rel)

    def run(self, *args, stdin=None):
        p = subprocess.run([self.confai] + list(args), input=stdin, capture_output=True,
                           timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def expect(self, code, *args, stderr_has=None, stdin=None):
        rc, out, err = self.run(*args, stdin=stdin)
        if rc != code:
            raise Failure("confai %s: exit %d, want %d\nstdout: %s\nstderr: %s"
                          % (" ".join(args), rc, code, out[:2000], err[:2000]))
        for needle in ([stderr_has] if isinstance(stderr_has, str) else stderr_has or []):
            if needle not in err:
                raise Failure("confai %s: stderr lacks %r\nstderr: %s" % (" ".join(args), needle, err))
        return out, err

    def json_of(self, *args, **kw):
        out, err = self.expect(0, *args, **kw)
        try:
            d = json.loads(out)
        except ValueError as e:
            raise Failure("confai %s: stdout is not JSON (%s): %s" % (" ".join(args), e, out[:500]))
        if args and args[0] == "verify" and isinstance(d, dict):
            for name in d.get("checks", []) + d.get("waived", []):
                self.check_names.setdefault(name, " ".join(args[:3]))
        return d, err

    def write(self, name, data):
        path = os.path.join(self.work, name)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        return path

    def case(self, name, fn):
        self.count += 1
        try:
            fn()
            print("ok %d - %s" % (self.count, name))
        except Failure as e:
            self.failed.append(name)
            print("not ok %d - %s\n  %s" % (self.count, name, str(e).replace("\n", "\n  ")))
        sys.stdout.flush()


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def snp_args(r, case):
    _, report, leaf, chain, at, _ = case
    return ["--at", at, "--snp-report", r.v(report), "--certs", r.v(leaf), "--certs", r.v(chain)]


def real_gpu_args(r, gpu):
    """One real GPU's options (GPU_A or GPU_B)."""
    evidence, certs, nonce = gpu[:3]
    return ["--gpu-evidence", r.v(evidence), "--gpu-certs", r.v(certs), "--gpu-nonce", nonce]


# --- inspect ------------------------------------------------------------------

def inspect_tests(r, sim):
    def snp_bin():
        d, _ = r.json_of("inspect", "--json", r.v("sev-snp/go-sev-guest/attestation.bin"))
        check(d["kind"] == "sev-snp report" and d["version"] == 2, d)
        check(d["encoding"] == "raw" and d["size"] == 1184, d)
        check(d["measurement"].startswith("b07af9620f3b839b"), d["measurement"])
        check(d["guest_policy"]["debug"] is True, d["guest_policy"])

    def snp_hex():
        d, _ = r.json_of("inspect", "--json", r.v("sev-snp/virtee-sev/report_milan.hex"))
        check(d["kind"] == "sev-snp report" and d["encoding"] == "hex", d)

    def snp_genoa():
        d, _ = r.json_of("inspect", "--json", r.v("sev-snp/oak/genoa_oc_snp_report.bin"))
        check(d["version"] == 5 and d["product"] == "genoa", d)
        check(d["tcb"]["reported"]["raw"] == "0x541900000000000a", d["tcb"])
        check(d["tcb"]["reported"]["microcode"] == 84, d["tcb"])

    def snp_base64():
        with open(r.v("sev-snp/trustee/test-report.bin"), "rb") as f:
            path = r.write("report.b64", base64.encodebytes(f.read()))
        d, _ = r.json_of("inspect", "--json", path)
        check(d["kind"] == "sev-snp report" and d["encoding"] == "base64", d)

    def snp_text():
        out, _ = r.expect(0, "inspect", r.v("sev-snp/go-sev-guest/attestation.bin"))
        check("kind: sev-snp report" in out and "measurement: b07af962" in out, out[:400])

    def tdx_trailing():
        d, _ = r.json_of("inspect", "--json", r.v("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat"))
        check(d["kind"] == "tdx quote" and d["version"] == 4, d)
        check(d["bytes_after_quote"] == 39, d)
        check(d["pck"]["fmspc"] == "50806f000000", d["pck"])
        check(len(d["pck_chain"]) == 3 and "Intel SGX Root CA" in d["pck_chain"][2]["subject"], d)

    def tdx_padded():
        d, _ = r.json_of("inspect", "--json", r.v("tdx/go-tdx-guest/cos-113-tdx-quote.dat"))
        check(d["kind"] == "tdx quote" and d["quote_size"] == 4935, d)

    def tdx_v5():
        d, _ = r.json_of("inspect", "--json", r.v("tdx/go-tdx-guest/quote_v5_sample.dat"))
        check(d["version"] == 5 and d["body"] == "td-1.5", d)
        check(d["pck"]["fmspc"] == "90c06f000000", d["pck"])

    def gpu():
        for ev, _, nonce, driver, vbios in (GPU_A, GPU_B):
            d, _ = r.json_of("inspect", "--json", r.v(ev))
            check(d["kind"] == "nvidia spdm evidence" and d["encoding"] == "hex", d)
            check(d["request_nonce"] == nonce, d["request_nonce"])
            check(d["driver_version"] == driver and d["vbios_version"] == vbios, d)
            check(len(d["measurements"]) > 0, d)

    def bundle():
        d, _ = r.json_of("inspect", "--json", os.path.join(sim, "bundle.json"))
        check(d["kind"] == "evidence bundle" and d["nonce"] == SIM_NONCE, d)
        check(d["cpu"]["type"] == "sev-snp" and len(d["cpu"]["certs"]) == 3, d["cpu"])
        check(d["cpu"]["report"]["measurement"] == "11" * 48, d["cpu"]["report"])
        check(d["binding"]["report_data_matches"] is True, d["binding"])
        check(d["key_config"]["key_id"] == 7, d["key_config"])
        check(d["manifest"]["text"].startswith('{"model"'), d["manifest"])

    def key_config():
        with open(os.path.join(sim, "keyconfig.bin"), "rb") as f:
            raw = f.read()
        for name, data, enc in (("kc.bin", raw, "raw"), ("kc.hex", raw.hex() + "\n", "hex")):
            d, _ = r.json_of("inspect", "--json", r.write(name, data))
            check(d["kind"] == "ohttp key config" and d["encoding"] == enc, d)
            check(d["key_id"] == 7 and d["kem_id"] == 32, d)
            check(d["algorithms"][0]["aead_id"] == 2, d)

    def unknown():
        r.expect(3, "inspect", r.v("sev-snp/trustee/test-vcek.der"), stderr_has="of no known kind")
        r.expect(3, "inspect", os.path.join(r.work, "does-not-exist"))
        bad = bytearray(open(r.v("sev-snp/go-sev-guest/attestation.bin"), "rb").read())
        bad[0] = 0x63  # version 99
        r.expect(1, "inspect", r.write("bad-version.bin", bytes(bad)),
                 stderr_has="CONFAI_E_UNSUPPORTED")
        r.expect(1, "inspect", r.write("bad-bundle.json", '{"version": 1}'),
                 stderr_has="CONFAI_E_MALFORMED")

    for name, fn in [("inspect snp binary", snp_bin), ("inspect snp hex", snp_hex),
                     ("inspect snp genoa v5", snp_genoa), ("inspect snp base64", snp_base64),
                     ("inspect snp as text", snp_text),
                     ("inspect tdx quote with trailing bytes", tdx_trailing),
                     ("inspect tdx quote zero-padded", tdx_padded), ("inspect tdx quote v5", tdx_v5),
                     ("inspect gpu evidence", gpu), ("inspect bundle", bundle),
                     ("inspect key config", key_config), ("inspect unknown and malformed", unknown)]:
        r.case(name, fn)


# --- verify and pin: SEV-SNP ------------------------------------------------------

def snp_tests(r):
    def pin_then_verify(case):
        def fn():
            policy, err = r.json_of("policy", "pin", *snp_args(r, case),
                                    stderr_has="trust on first use")
            check(policy["sev_snp"]["products"] == [case[5]], policy)
            check("custom_roots" not in policy["sev_snp"], "AMD chains need no custom root")
            path = r.write("pin-%s.json" % case[0], json.dumps(policy))
            d, err = r.json_of("verify", "--policy", path, *snp_args(r, case))
            check(d["result"] == "accepted" and d["sev_snp"]["root"]["kind"] == "vendor", d)
            check("policy.measurement" in d["checks"], d["checks"])
            # the report version, every guest policy bit and the current TCB are pinned
            check(policy["sev_snp"]["min_report_version"] in (2, 3, 5), policy["sev_snp"])
            check("policy.guest_policy.min_abi" in d["checks"] and
                  "policy.guest_policy.page_swap_disable" in d["checks"] and
                  "policy.tcb.current" in d["checks"], d["checks"])
            check("report data not checked" in err, err)
            # the report data, given, is checked
            rd = json.loads(r.run("inspect", "--json", r.v(case[1]))[1])["report_data"]
            d, _ = r.json_of("verify", "--policy", path, "--report-data", rd, *snp_args(r, case))
            check("binding.report_data" in d["checks"], d["checks"])
        return fn

    for case in SNP_CASES:
        r.case("pin then verify snp %s" % case[0], pin_then_verify(case))

    base = SNP_CASES[0]

    def policy_file(mutate):
        policy = json.loads(r.run("policy", "pin", *snp_args(r, base))[1])
        mutate(policy)
        return r.write("mutated.json", json.dumps(policy))

    def reject_measurement():
        path = policy_file(lambda p: p["sev_snp"].__setitem__("measurements", ["00" * 48]))
        r.expect(1, "verify", "--policy", path, *snp_args(r, base),
                 stderr_has="CONFAI_E_POLICY_MEASUREMENT")

    def reject_debug():
        path = policy_file(lambda p: p["sev_snp"].__setitem__("allow_debug", False))
        r.expect(1, "verify", "--policy", path, *snp_args(r, base),
                 stderr_has="CONFAI_E_POLICY_DEBUG")

    def reject_tcb():
        def up(p):
            p["sev_snp"]["min_tcb"]["milan"]["launch"]["microcode"] = 255
        r.expect(1, "verify", "--policy", policy_file(up), *snp_args(r, base),
                 stderr_has="CONFAI_E_POLICY_TCB")

    def reject_platform():
        path = policy_file(lambda p: p["sev_snp"].__setitem__("products", ["genoa"]) or
                           p["sev_snp"].__setitem__("min_tcb", "*") or
                           p["sev_snp"].__setitem__("min_current_tcb", "*"))
        r.expect(1, "verify", "--policy", path, *snp_args(r, base),
                 stderr_has="CONFAI_E_POLICY_PLATFORM")

    def reject_expired():
        path = policy_file(lambda p: None)
        args = snp_args(r, base)
        args[1] = "2050-01-01T00:00:00Z"
        r.expect(1, "verify", "--policy", path, *args, stderr_has="CONFAI_E_CERT_EXPIRED")

    def reject_flipped():
        path = policy_file(lambda p: None)
        report = bytearray(open(r.v(base[1]), "rb").read())
        report[0x90] ^= 0x01  # inside MEASUREMENT, signed
        flipped = r.write("flipped.bin", bytes(report))
        args = snp_args(r, base)
        args[3] = flipped
        r.expect(1, "verify", "--policy", path, *args, stderr_has="CONFAI_E_BAD_SIGNATURE")

    def reject_other_vcek():
        path = policy_file(lambda p: None)
        args = snp_args(r, base)
        args[5] = r.v("sev-snp/virtee-sev/vcek_milan.der")
        rc, _, err = r.run("verify", "--policy", path, *args)
        check(rc == 1 and ("CONFAI_E_TCB_MISMATCH" in err or "CONFAI_E_BAD_SIGNATURE" in err), err)

    def reject_report_data():
        path = policy_file(lambda p: None)
        r.expect(1, "verify", "--policy", path, "--report-data", "ab" * 64, *snp_args(r, base),
                 stderr_has="CONFAI_E_BINDING")

    def reject_no_root():
        # a chain without its ARK ends nowhere: AMD's roots are pinned, not stored
        path = policy_file(lambda p: None)
        leaf_only = ["--at", T_2024, "--snp-report", r.v(base[1]), "--certs", r.v(base[2])]
        rc, _, err = r.run("verify", "--policy", path, *leaf_only)
        check(rc == 1 and "CONFAI_E_" in err, err)

    for name, fn in [("verify snp rejects another measurement", reject_measurement),
                     ("verify snp rejects debug", reject_debug),
                     ("verify snp rejects a low tcb", reject_tcb),
                     ("verify snp rejects another product", reject_platform),
                     ("verify snp rejects expired certificates", reject_expired),
                     ("verify snp rejects a flipped byte", reject_flipped),
                     ("verify snp rejects another vcek", reject_other_vcek),
                     ("verify snp rejects other report data", reject_report_data),
                     ("verify snp rejects a chain without root", reject_no_root)]:
        r.case(name, fn)


# --- TDX ------------------------------------------------------------------------------

TDX_PERMISSIVE = {
    "version": 1, "platforms": ["tdx"], "max_age": 600, "manifest": {"sha256": "*"},
    "tdx": {"mrtd": "*", "rtmrs": "*", "mrseam": "*", "mr_config_id": "*", "mr_owner": "*",
            "mr_owner_config": "*", "td_attributes": "*", "xfam": "*", "allow_debug": False,
            "min_tee_tcb_svn": "*",
            "tcb_statuses": ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                             "ConfigurationAndSWHardeningNeeded", "OutOfDate",
                             "OutOfDateConfigurationNeeded"],
            "min_tcb_evaluation_data_number": 0, "max_collateral_age": "*",
            "require_crls": False},
}


def tdx_tests(r):
    g = r.v("tdx/go-tdx-guest")
    coll = os.path.join(r.work, "collateral")
    os.makedirs(coll, exist_ok=True)
    for name, src in [("tcbinfo.json", "sample_tcbInfo_response"),
                      ("qeidentity.json", "sample_qeIdentity_response"),
                      ("pckcrl.der", "pckcrl"), ("rootcrl.der", "rootcrl.der"),
                      ("tcb_issuer_chain.pem", "tcb_info_issuer_chain.pem"),
                      ("pckcrl_issuer_chain.pem", "pck_crl_issuer_chain.pem")]:
        dst = os.path.join(coll, name)
        if not os.path.lexists(dst):
            os.symlink(os.path.join(g, src), dst)
    quote = os.path.join(g, "tdx_prod_quote_SPR_E4.dat")
    policy = r.write("tdx-policy.json", json.dumps(TDX_PERMISSIVE))

    def status_not_supported():
        # the SPR_E4 platform matches no TCB level of its TCB info: NotSupported
        r.expect(1, "verify", "--policy", policy, "--at", "2023-06-20T00:00:00Z", "--tdx-quote",
                 quote, "--collateral", coll, stderr_has=["CONFAI_E_POLICY_TCB", "NotSupported"])

    def pin_refuses():
        r.expect(1, "policy", "pin", "--at", "2023-06-20T00:00:00Z", "--tdx-quote", quote,
                 "--collateral", coll, stderr_has="NotSupported")

    def stale_crl():
        r.expect(1, "verify", "--policy", policy, "--at", "2023-08-01T00:00:00Z", "--tdx-quote",
                 quote, "--collateral", coll, stderr_has="CONFAI_E_COLLATERAL")

    def no_collateral():
        r.expect(1, "verify", "--policy", policy, "--at", "2024-08-01T00:00:00Z", "--tdx-quote",
                 r.v("tdx/go-tdx-guest/cos-113-tdx-quote.dat"), stderr_has="CONFAI_E_COLLATERAL")

    def snp_policy_rejects_tdx():
        p = r.write("snp-only.json", json.dumps(json.loads(r.run(
            "policy", "pin", *snp_args(r, SNP_CASES[0]))[1])))
        r.expect(1, "verify", "--policy", p, "--at", "2023-06-20T00:00:00Z", "--tdx-quote",
                 quote, "--collateral", coll, stderr_has="CONFAI_E_POLICY_PLATFORM")

    for name, fn in [("verify tdx reports the TCB status", status_not_supported),
                     ("pin tdx refuses an unsupported TCB", pin_refuses),
                     ("verify tdx rejects a stale CRL", stale_crl),
                     ("verify tdx without collateral", no_collateral),
                     ("verify tdx with an snp policy", snp_policy_rejects_tdx)]:
        r.case(name, fn)


def tdx_synthetic_tests(r, tdx):
    """A test PCK hierarchy (src/sim/tdx_sim.c): the accept path."""
    quote = os.path.join(tdx, "quote.dat")
    coll = os.path.join(tdx, "collateral")
    at = ["--at", T_SIM]
    state = {}

    def pin_then_verify():
        policy, _ = r.json_of("policy", "pin", *at, "--tdx-quote", quote, "--collateral", coll,
                              stderr_has=["does NOT end in Intel's root", "trust on first use"])
        t = policy["tdx"]
        check(t["tcb_statuses"] == ["UpToDate"] and t["require_crls"] is True, t)
        check(t["mrtd"] == ["aa" * 48] and len(t["custom_roots"]) == 1, t)
        state["policy"] = r.write("tdx-pinned.json", json.dumps(policy))
        d, err = r.json_of("verify", "--policy", state["policy"], *at, "--tdx-quote", quote,
                           "--collateral", coll, "--report-data", "5a" * 64,
                           stderr_has="NOT an Intel root")
        check(d["result"] == "accepted" and d["tdx"]["tcb_status"] == "UpToDate", d["tdx"])
        check(d["tdx"]["root"]["kind"] == "custom", d["tdx"]["root"])
        check("binding.report_data" in d["checks"] and "policy.crls" in d["checks"], d["checks"])

    def revoked():
        r.expect(1, "verify", "--policy", state["policy"], *at, "--tdx-quote", quote,
                 "--collateral", os.path.join(tdx, "revoked"), stderr_has="CONFAI_E_CERT_REVOKED")

    def report_data():
        r.expect(1, "verify", "--policy", state["policy"], *at, "--tdx-quote", quote,
                 "--collateral", coll, "--report-data", "00" * 64, stderr_has="CONFAI_E_BINDING")

    def measurement():
        policy = json.load(open(state["policy"]))
        policy["tdx"]["mrtd"] = ["00" * 48]
        r.expect(1, "verify", "--policy", r.write("tdx-mrtd.json", json.dumps(policy)), *at,
                 "--tdx-quote", quote, "--collateral", coll,
                 stderr_has="CONFAI_E_POLICY_MEASUREMENT")

    def no_collateral():
        r.expect(1, "verify", "--policy", state["policy"], *at, "--tdx-quote", quote,
                 stderr_has="CONFAI_E_")

    def stale():
        r.expect(1, "verify", "--policy", state["policy"], "--at", "2026-03-01T00:00:00Z",
                 "--tdx-quote", quote, "--collateral", coll, stderr_has="CONFAI_E_")

    def flipped():
        q = bytearray(open(quote, "rb").read())
        q[48 + 136] ^= 1  # inside MRTD, signed
        r.expect(1, "verify", "--policy", state["policy"], *at, "--tdx-quote",
                 r.write("tdx-flipped.dat", bytes(q)), "--collateral", coll,
                 stderr_has="CONFAI_E_BAD_SIGNATURE")

    for name, fn in [("pin then verify synthetic tdx", pin_then_verify),
                     ("verify tdx rejects a revoked PCK", revoked),
                     ("verify tdx rejects other report data", report_data),
                     ("verify tdx rejects another MRTD", measurement),
                     ("verify tdx rejects missing collateral", no_collateral),
                     ("verify tdx rejects stale collateral", stale),
                     ("verify tdx rejects a flipped byte", flipped)]:
        r.case(name, fn)


# --- GPUs -----------------------------------------------------------------------------

def gpu_tests(r):
    cpu = SNP_CASES[6]  # oak-milan, valid at the GPU chains' time too

    state = {}

    def pin_both():
        policy, _ = r.json_of("policy", "pin", *snp_args(r, cpu), *real_gpu_args(r, GPU_A))
        g = policy["gpus"]
        check(g["min_count"] == 1 and g["driver_versions"] == [GPU_A[3]], g)
        check(g["vbios_versions"] == [GPU_A[4]] and len(g["measurements"]) > 0, g)
        state["policy"] = r.write("gpu-policy.json", json.dumps(policy))

    def accept():
        d, _ = r.json_of("verify", "--policy", state["policy"], "--at", T_2025_06,
                         *real_gpu_args(r, GPU_A))
        check(d["gpu"]["root"]["kind"] == "vendor", d["gpu"]["root"])
        # the device's identity, from the library's verdict
        ident = d["gpu"]["identity"]
        check(len(ident["leaf_spki_sha256"]) == 64, ident)
        check((ident["device_id"] or "").startswith("NVIDIA:"), ident)
        check("policy.gpu.measurements" in d["checks"], d["checks"])
        d, _ = r.json_of("verify", "--policy", state["policy"], *snp_args(r, cpu),
                         *real_gpu_args(r, GPU_A))
        check("sev_snp" in d and "gpu" in d, d.keys())

    def other_gpu():
        r.expect(1, "verify", "--policy", state["policy"], "--at", T_2025_06,
                 *real_gpu_args(r, GPU_B),
                 stderr_has="CONFAI_E_POLICY_MEASUREMENT")

    def wrong_nonce():
        args = real_gpu_args(r, GPU_A)
        args[5] = GPU_B[2]
        r.expect(1, "verify", "--policy", state["policy"], "--at", T_2025_06, *args,
                 stderr_has="CONFAI_E_BINDING")

    def expired():
        r.expect(1, "verify", "--policy", state["policy"], "--at", "2020-01-01T00:00:00Z",
                 *real_gpu_args(r, GPU_A), stderr_has="CONFAI_E_CERT_EXPIRED")

    def no_gpus_section():
        p = r.write("cpu-only.json", r.run("policy", "pin", *snp_args(r, cpu))[1])
        r.expect(1, "verify", "--policy", p, "--at", T_2025_06, *real_gpu_args(r, GPU_A),
                 stderr_has="CONFAI_E_POLICY_GPU_COUNT")

    for name, fn in [("pin snp and gpu", pin_both), ("verify gpu accepts", accept),
                     ("verify gpu rejects another gpu", other_gpu),
                     ("verify gpu rejects another nonce", wrong_nonce),
                     ("verify gpu rejects expired chain", expired),
                     ("verify gpu needs a gpus section", no_gpus_section)]:
        r.case(name, fn)


# --- several GPUs (simulated, each its own device PKI; and the real H100) -----------------

def multi_gpu_tests(r, sim):
    cpu = SNP_CASES[5]  # oak-genoa, valid at T_2026 as the simulated GPUs are

    def sim_gpu(k, nonce=SIM_GPU_NONCE):
        d = os.path.join(sim, "gpu%d" % k)
        return ["--gpu-evidence", os.path.join(d, "evidence.hex"),
                "--gpu-certs", os.path.join(d, "certs.pem"), "--gpu-nonce", nonce]

    def roots(*ks):
        return [open(os.path.join(sim, "gpu%d" % k, "root.pem")).read() for k in ks]

    state = {}

    def pin_two():
        policy, err = r.json_of("policy", "pin", *snp_args(r, cpu), *sim_gpu(1), *sim_gpu(2))
        g = policy["gpus"]
        check(g["min_count"] == 2 and g["max_count"] == 2, g)
        check(len(g["measurements"]) == 16, g["measurements"])
        check(sorted(g["custom_roots"]) == sorted(roots(1, 2)), g.get("custom_roots"))
        check(err.count("trust on first use") >= 1, err)
        state["policy"] = r.write("two-gpus.json", json.dumps(policy))

    def verify_two():
        d, err = r.json_of("verify", "--policy", state["policy"], "--at", T_2026, *sim_gpu(1),
                           *sim_gpu(2))
        check(len(d["gpus"]) == 2 and "gpu" not in d, d.keys())
        check(all(g["root"]["kind"] == "custom" for g in d["gpus"]), d["gpus"])
        check(d["checks"].count("gpu.signature") == 1, d["checks"])
        check("policy.gpu.count" in d["checks"], d["checks"])
        check("gpus[0], gpus[1]" in err, err)
        ids = [g["identity"]["leaf_spki_sha256"] for g in d["gpus"]]
        check(len(set(ids)) == 2 and all(len(i) == 64 for i in ids), ids)
        # with the CPU evidence too, either order of the GPUs
        d, _ = r.json_of("verify", "--policy", state["policy"], *snp_args(r, cpu), *sim_gpu(2),
                         *sim_gpu(1))
        check("sev_snp" in d and len(d["gpus"]) == 2, d.keys())
        # the options of one GPU in either order after its --gpu-evidence
        a = sim_gpu(1)
        r.json_of("verify", "--policy", state["policy"], "--at", T_2026, *a[:2], *a[4:],
                  *a[2:4], *sim_gpu(2))

    def count():
        r.expect(1, "verify", "--policy", state["policy"], "--at", T_2026, *sim_gpu(1),
                 stderr_has=["CONFAI_E_POLICY_GPU_COUNT", "1 GPU(s), gpus accepts 2 to 2"])
        r.expect(1, "verify", "--policy", state["policy"], "--at", T_2026, *sim_gpu(1),
                 *sim_gpu(2), *sim_gpu(3), stderr_has="CONFAI_E_POLICY_GPU_COUNT")

    def unpinned_third():
        # GPU 3's own root is not in the policy
        policy = json.load(open(state["policy"]))
        policy["gpus"]["max_count"] = 3
        p = r.write("two-of-three.json", json.dumps(policy))
        r.expect(1, "verify", "--policy", p, "--at", T_2026, *sim_gpu(1), *sim_gpu(2),
                 *sim_gpu(3), stderr_has=["CONFAI_E_UNKNOWN_ROOT", "gpus[2]: "])

    def same_gpu_twice():
        policy = json.load(open(state["policy"]))
        r.expect(1, "verify", "--policy", state["policy"], "--at", T_2026, *sim_gpu(1),
                 *sim_gpu(1), stderr_has=["CONFAI_E_GPU_DUPLICATE", "gpus[1]: the same GPU as gpus[0]"])
        r.expect(1, "policy", "pin", *snp_args(r, cpu), *sim_gpu(1), *sim_gpu(2), *sim_gpu(1),
                 stderr_has="CONFAI_E_GPU_DUPLICATE")
        check(policy["gpus"]["min_count"] == 2, policy)

    def real_h100_twice():
        g = real_gpu_args(r, GPU_A)
        policy, _ = r.json_of("policy", "pin", *snp_args(r, SNP_CASES[6]), *g)
        policy["gpus"]["max_count"] = 2
        p = r.write("h100-up-to-two.json", json.dumps(policy))
        r.expect(1, "verify", "--policy", p, "--at", T_2025_06, *g, *g,
                 stderr_has=["CONFAI_E_GPU_DUPLICATE", "the same device leaf key"])
        r.expect(1, "policy", "pin", *snp_args(r, SNP_CASES[6]), *g, *g,
                 stderr_has="CONFAI_E_GPU_DUPLICATE")

    def two_real_h100s():
        # The two real H100s of the vectors are different devices on different drivers, so
        # pin refuses them together; a policy written for both counts them as two.
        a, b = real_gpu_args(r, GPU_A), real_gpu_args(r, GPU_B)
        cpu_args = snp_args(r, SNP_CASES[6])
        r.expect(1, "policy", "pin", *cpu_args, *a, *b,
                 stderr_has=["CONFAI_E_POLICY_GPU_VERSION", "different driver or VBIOS"])
        policy, _ = r.json_of("policy", "pin", *cpu_args, *a)
        g_b = r.json_of("policy", "pin", *cpu_args, *b)[0]["gpus"]
        g = policy["gpus"]
        g["min_count"] = g["max_count"] = 2
        g["driver_versions"] += g_b["driver_versions"]
        g["vbios_versions"] += g_b["vbios_versions"]
        accept_b = {m["index"]: m["accept"] for m in g_b["measurements"]}
        check(sorted(accept_b) == sorted(m["index"] for m in g["measurements"]), accept_b.keys())
        for m in g["measurements"]:
            m["accept"] = sorted(set(m["accept"]) | set(accept_b[m["index"]]))
        p = r.write("two-real-h100s.json", json.dumps(policy))
        for first, second in ((a, b), (b, a)):
            d, _ = r.json_of("verify", "--policy", p, "--at", T_2025_06, *first, *second)
            ids = [x["identity"] for x in d["gpus"]]
            check(len(ids) == 2 and "gpu.distinct" in d["checks"], d)
            check(len({i["leaf_spki_sha256"] for i in ids}) == 2, ids)
            check(len({i["device_id"] for i in ids}) == 2, ids)
            check(all(x["root"]["kind"] == "vendor" for x in d["gpus"]), d["gpus"])
        r.expect(1, "verify", "--policy", p, "--at", T_2025_06, *a, *a,
                 stderr_has="CONFAI_E_GPU_DUPLICATE")
        r.expect(1, "verify", "--policy", p, "--at", T_2025_06, *b,
                 stderr_has="CONFAI_E_POLICY_GPU_COUNT")

    def usage():
        pol = state["policy"]
        a = sim_gpu(1)
        # --gpu-certs or --gpu-nonce before any --gpu-evidence
        r.expect(2, "verify", "--policy", pol, *a[2:4], *a[:2], *a[4:],
                 stderr_has="--gpu-certs before any --gpu-evidence")
        r.expect(2, "verify", "--policy", pol, *a[4:], *a[:4],
                 stderr_has="--gpu-nonce before any --gpu-evidence")
        # a dangling --gpu-certs: the second GPU's, given twice to the first
        r.expect(2, "verify", "--policy", pol, *a, *a[2:4], *sim_gpu(2),
                 stderr_has="--gpu-certs given twice for GPU 1")
        # a GPU without its certificates (they came after the next GPU started)
        b = sim_gpu(2)
        r.expect(2, "verify", "--policy", pol, *a[:2], *a[4:], *b[:2], *a[2:4], *b[4:],
                 stderr_has="GPU 1 (")
        r.expect(2, "verify", "--policy", pol, *a, *b[:2],
                 stderr_has="GPU 2 (--gpu-evidence")
        r.expect(2, "policy", "pin", *snp_args(r, cpu), *a, "--gpu-nonce", SIM_GPU_NONCE,
                 stderr_has="--gpu-nonce given twice")
        out, _ = r.expect(0, "verify", "--help")
        check("each one starts the next GPU" in out and "Several GPUs" in out, out)

    for name, fn in [("pin two simulated gpus", pin_two),
                     ("verify two simulated gpus", verify_two),
                     ("verify gpus: the policy's count applies to the gpus given", count),
                     ("verify gpus rejects a gpu of an unpinned root", unpinned_third),
                     ("verify and pin reject the same simulated gpu twice", same_gpu_twice),
                     ("verify and pin reject the real h100 twice", real_h100_twice),
                     ("verify counts the two real h100s as two gpus", two_real_h100s),
                     ("gpu option order usage errors", usage)]:
        r.case(name, fn)


# --- bundles (simulated platform) -------------------------------------------------------

def bundle_tests(r, sim):
    bundle = os.path.join(sim, "bundle.json")
    policy = os.path.join(sim, "policy.json")

    def accept():
        d, err = r.json_of("verify", "--policy", policy, "--nonce", SIM_NONCE, "--at", T_SIM,
                           bundle, stderr_has="NOT an AMD root")
        check(d["result"] == "accepted" and d["platform"] == "sev-snp", d)
        check(d["root"]["kind"] == "custom" and d["nonce"] == SIM_NONCE, d)
        check("binding.report_data" in d["checks"], d["checks"])

    def no_nonce():
        d, _ = r.json_of("verify", "--policy", policy, "--at", T_SIM, bundle,
                         stderr_has="does not prove the evidence is fresh")
        check(d["result"] == "accepted", d)

    def wrong_nonce():
        r.expect(1, "verify", "--policy", policy, "--nonce", "00" * 32, "--at", T_SIM, bundle,
                 stderr_has="CONFAI_E_NONCE_MISMATCH")

    def expired():
        r.expect(1, "verify", "--policy", policy, "--nonce", SIM_NONCE,
                 "--at", "2026-01-01T02:00:00Z", bundle, stderr_has="CONFAI_E_EVIDENCE_EXPIRED")

    def tampered():
        b = json.load(open(bundle))
        b["manifest"] = base64.b64encode(b'{"model":"other"}').decode()
        r.expect(1, "verify", "--policy", policy, "--nonce", SIM_NONCE, "--at", T_SIM,
                 r.write("tampered.json", json.dumps(b)), stderr_has="CONFAI_E_BINDING")

    def unknown_root():
        p = r.write("amd-only.json", r.run("policy", "pin", *snp_args(r, SNP_CASES[5]))[1])
        rc, _, err = r.run("verify", "--policy", p, "--nonce", SIM_NONCE, "--at", T_SIM, bundle)
        check(rc == 1 and "CONFAI_E_UNKNOWN_ROOT" in err, err)

    def pin_then_verify():
        pinned, err = r.json_of("policy", "pin", "--nonce", SIM_NONCE, "--at", T_SIM, bundle,
                                stderr_has=["does NOT end in AMD's root", "trust on first use"])
        check(len(pinned["manifest"]["sha256"]) == 1, pinned["manifest"])
        check(len(pinned["sev_snp"]["custom_roots"]) == 1, "the simulated root is pinned")
        check(pinned["sev_snp"]["measurements"] == ["11" * 48], pinned["sev_snp"])
        path = r.write("pinned-bundle.json", json.dumps(pinned))
        d, _ = r.json_of("verify", "--policy", path, "--nonce", SIM_NONCE, "--at", T_SIM, bundle)
        check(d["result"] == "accepted", d)

    for name, fn in [("verify bundle accepts", accept), ("verify bundle without nonce", no_nonce),
                     ("verify bundle rejects another nonce", wrong_nonce),
                     ("verify bundle rejects an expired lease", expired),
                     ("verify bundle rejects a changed manifest", tampered),
                     ("verify bundle rejects an unpinned root", unknown_root),
                     ("pin bundle then verify", pin_then_verify)]:
        r.case(name, fn)


# --- usage ----------------------------------------------------------------------------------

def usage_tests(r, sim):
    def helps():
        for cmd in (["--help"], ["inspect", "--help"], ["verify", "--help"],
                    ["policy", "pin", "--help"], ["attest", "--help"], ["chat", "--help"]):
            out, _ = r.expect(0, *cmd)
            check("usage: confai" in out, out)

    def usage_errors():
        r.expect(2)
        r.expect(2, "frobnicate")
        r.expect(2, "verify", os.path.join(sim, "bundle.json"), stderr_has="--policy is required")
        r.expect(2, "verify", "--policy", os.path.join(sim, "policy.json"))
        r.expect(2, "verify", "--policy", os.path.join(sim, "policy.json"), "--snp-report",
                 r.v(SNP_CASES[0][1]))
        r.expect(2, "verify", "--policy", os.path.join(sim, "policy.json"), "--at", "yesterday",
                 os.path.join(sim, "bundle.json"))
        r.expect(2, "verify", "--policy", os.path.join(sim, "policy.json"), "--nonce", "abcd",
                 os.path.join(sim, "bundle.json"))
        r.expect(2, "inspect", "--bogus", "x")
        r.expect(2, "attest", "--url", "http://127.0.0.1:9")

    def io_errors():
        bad = r.write("bad-policy.json", '{"version": 1}')
        r.expect(3, "verify", "--policy", bad, os.path.join(sim, "bundle.json"),
                 stderr_has="CONFAI_E_POLICY_INVALID")
        r.expect(3, "verify", "--policy", os.path.join(r.work, "missing.json"),
                 os.path.join(sim, "bundle.json"))

    def transport():
        r.expect(4, "attest", "--url", "http://127.0.0.1:9", "--policy",
                 os.path.join(sim, "policy.json"), stderr_has="CONFAI_E_NETWORK")

    for name, fn in [("--help everywhere", helps), ("usage errors exit 2", usage_errors),
                     ("input errors exit 3", io_errors), ("transport errors exit 4", transport)]:
        r.case(name, fn)


# --- check names ----------------------------------------------------------------------

def library_check_names(program):
    """Every check name the library knows, from confai_check_name()."""
    out = subprocess.run([program], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def vocabulary_tests(r, check_names):
    def subset():
        known = library_check_names(check_names)
        check(len(known) > 0, "confai_check_name lists nothing")
        seen = r.check_names
        # the accept paths above ran for every platform and for bundles
        for need in ["sev_snp.signature", "tdx.signature", "gpu.signature", "nonce"]:
            check(need in seen, "no accept path printed %s: %s" % (need, sorted(seen)))
        unknown = sorted(n for n in seen if n not in known)
        check(not unknown, "check names the library does not use: %s" %
              ", ".join("%s (%s)" % (n, seen[n]) for n in unknown))

    r.case("printed check names are the library's", subset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--confai", required=True)
    ap.add_argument("--make-bundle", required=True)
    ap.add_argument("--make-tdx", required=True)
    ap.add_argument("--vectors")
    ap.add_argument("--check-names", required=True,
                    help="a program printing the library's check names (confai_check_name)")
    a = ap.parse_args()
    vectors = os.environ.get("CONFAI_VECTORS") or a.vectors
    if not vectors or not os.path.isdir(vectors):
        if os.environ.get("CONFAI_REQUIRE_VECTORS"):
            print("FAIL: the shared vectors are required here (CONFAI_REQUIRE_VECTORS) but missing")
            return 1
        print("SKIP: the CLI golden tests need ../shared/vectors or $CONFAI_VECTORS")
        return 77
    work = tempfile.mkdtemp(prefix="confai-cli-")
    try:
        sim = os.path.join(work, "sim")
        os.makedirs(sim)
        p = subprocess.run([a.make_bundle, sim], capture_output=True, timeout=120)
        if p.returncode != 0:
            print("FAIL: make_bundle: %s" % p.stderr.decode())
            return 1
        tdx = os.path.join(work, "tdx")
        os.makedirs(tdx)
        p = subprocess.run([a.make_tdx, tdx], capture_output=True, timeout=120)
        if p.returncode != 0:
            print("FAIL: make_tdx: %s" % p.stderr.decode())
            return 1
        r = Runner(a.confai, vectors, work)
        inspect_tests(r, sim)
        snp_tests(r)
        tdx_tests(r)
        tdx_synthetic_tests(r, tdx)
        gpu_tests(r)
        multi_gpu_tests(r, sim)
        bundle_tests(r, sim)
        usage_tests(r, sim)
        vocabulary_tests(r, a.check_names)
        print("1..%d" % r.count)
        if r.failed:
            print("%d of %d failed: %s" % (len(r.failed), r.count, ", ".join(r.failed)))
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

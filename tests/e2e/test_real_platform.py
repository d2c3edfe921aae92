#!/usr/bin/env python3
"""confai-gateway in real-platform mode against fakes of the hardware's
published interfaces, verified by the unchanged client.

Run inside tests/fakes/with-fake-tsm.sh, which mounts the fake configfs-tsm
(a FUSE filesystem, configfs_tsm.py) and passes its root and control file in
CONFAI_TSM_ROOT and CONFAI_TSM_CONTROL. This script starts the loopback fake
of AMD KDS and Intel PCS (fake_kds_pcs.py) and points the gateway at both;
GPUs come from the fake libnvidia-ml.so.1, whose simulated GPUs sign fresh
evidence for the nonce asked.

    test_real_platform.py --gateway G --confai C --signer S --signer-state DIR
                          --fake-kds PY --fake-nvml-dir DIR
                          [--python-binding DIR --libconfai LIB]

The gateway runs --platform sev-snp and tdx with --tsm-root, --kds-url and
--pcs-url; the client pins the simulated platform's roots as custom roots (a
policy made with `confai policy pin`, as a first look) and verifies with the
production verifier. For TDX the fake PCS serves the collateral the
simulated TD's signer writes beside its state (tsm_signer serve tdx_guest:
STATE/tdx_guest/collateral), signed by the hierarchy that signs the quotes.
Every failure the issue names is provoked and must stop the gateway at start
with its own status, or answer 503: never a partial bundle.

Output: TAP-like lines, then "N passed, M failed".
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSED = 0
FAILED = 0


def case(name, fn):
    global PASSED, FAILED
    try:
        fn()
        PASSED += 1
        print("ok - %s" % name, flush=True)
    except Exception as e:  # a failing case reports and the others go on
        FAILED += 1
        print("not ok - %s: %s" % (name, e), flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Env:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="confai-real-")
        self.tsm_root = os.environ["CONFAI_TSM_ROOT"]
        self.control = os.environ["CONFAI_TSM_CONTROL"]
        self.kds = None
        self.kds_url = None

    def faults(self, line):
        """The fake configfs-tsm's options for the next entries."""
        with open(self.control, "w") as f:
            f.write(line + "\n")

    def path(self, name):
        return os.path.join(self.tmp, name)

    # --- the fake KDS -------------------------------------------------------------

    def start_kds(self, with_vcek=True, tdx_collateral=None):
        self.stop_kds()
        port_file = self.path("kds-port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        args = [sys.executable, self.a.fake_kds, "--port-file", port_file,
                "--chain", "vcek", "Genoa", self.path("ask-ark.pem")]
        if with_vcek:
            args += ["--vcek", self.path("vcek.der")]
        if tdx_collateral is not None:
            args += ["--tdx-collateral", tdx_collateral]
        self.kds = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        check(os.path.exists(port_file), "the fake KDS did not start")
        self.kds_url = "http://127.0.0.1:%d" % int(open(port_file).read())

    def kds_count(self):
        with urllib.request.urlopen(self.kds_url + "/_fake/count", timeout=5) as r:
            return int(r.read().decode().strip())

    def kds_log(self):
        with urllib.request.urlopen(self.kds_url + "/_fake/log", timeout=5) as r:
            return r.read().decode()

    def stop_kds(self):
        if self.kds is not None:
            self.kds.terminate()
            self.kds.wait(timeout=10)
            self.kds = None

    # --- the gateway ----------------------------------------------------------------

    def gateway_args(self, platform="sev-snp", gpus="none", extra=()):
        return [self.a.gateway, "--listen", "127.0.0.1:0", "--platform", platform,
                "--gpus", gpus, "--tsm-root", self.tsm_root,
                "--sev-guest", self.path("no-sev-guest"),
                "--kds-url", self.kds_url or "http://127.0.0.1:9",
                "--pcs-url", self.kds_url or "http://127.0.0.1:9", *extra]

    def gateway_env(self, nvml=None):
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)
        if nvml is not None:
            env["LD_LIBRARY_PATH"] = self.a.fake_nvml_dir
            env.update(nvml)
        return env

    def start_gateway(self, **kw):
        """A running gateway and its URL; fails when it does not start."""
        env = self.gateway_env(kw.pop("nvml", None))
        proc = subprocess.Popen(self.gateway_args(**kw), stdout=subprocess.PIPE,
                                stderr=open(self.path("gateway.log"), "ab"), env=env,
                                text=True)
        line = proc.stdout.readline()
        m = re.match(r"listening on (http://\S+)", line)
        if m is None:
            proc.wait(timeout=30)
            raise AssertionError("the gateway did not start: %s" % self.log_tail())
        return proc, m.group(1)

    def refuses_to_start(self, status, **kw):
        """The gateway exits 1 at start, naming status; nothing listens."""
        env = self.gateway_env(kw.pop("nvml", None))
        r = subprocess.run(self.gateway_args(**kw), capture_output=True, text=True, env=env,
                           timeout=120)
        check(r.returncode == 1, "exit %d, stdout %r, stderr %r" %
              (r.returncode, r.stdout, r.stderr))
        check("listening" not in r.stdout, "it listened: %r" % r.stdout)
        check(status in r.stderr, "stderr does not name %s: %r" % (status, r.stderr))
        return r.stderr

    def log_tail(self):
        try:
            return open(self.path("gateway.log")).read()[-800:]
        except OSError:
            return "(no log)"

    # --- the client -----------------------------------------------------------------

    def confai(self, *args, expect=0):
        r = subprocess.run([self.a.confai, *args], capture_output=True, text=True, timeout=120)
        lines = [l for l in r.stderr.splitlines() if l.startswith("confai")]
        check(r.returncode == expect, "confai %s: exit %d (want %d): %s" %
              (" ".join(args[:2]), r.returncode, expect, " | ".join(lines)[-600:]))
        return r

    def bundle(self, url):
        nonce = os.urandom(32)
        body = json.dumps({"nonce": base64.b64encode(nonce).decode()}).encode()
        req = urllib.request.Request(url + "/v1/attestation", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return nonce, r.read()

    def pin(self, url, name):
        """A first-look policy from one attestation (the simulated roots pinned)."""
        nonce, bundle = self.bundle(url)
        path = self.path(name + "-bundle.json")
        with open(path, "wb") as f:
            f.write(bundle)
        r = self.confai("policy", "pin", "--nonce", nonce.hex(), path)
        policy = self.path(name + "-policy.json")
        with open(policy, "w") as f:
            f.write(r.stdout)
        return policy, json.loads(bundle)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def prepare(env):
    """The simulated platform's VCEK and chain, for the fake KDS."""
    state = os.path.join(env.a.signer_state, "sev_guest")
    subprocess.run([env.a.signer, "vcek", "sev_guest", state, env.path("vcek.der")],
                   check=True, timeout=300)
    chain = subprocess.run([env.a.signer, "chain", "sev_guest", state], check=True,
                           capture_output=True, text=True, timeout=60).stdout
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", chain,
                        flags=re.S)
    check(len(blocks) == 3, "the signer's chain has %d certificates" % len(blocks))
    with open(env.path("ask-ark.pem"), "w") as f:
        f.write("\n".join(blocks[1:]) + "\n")


def binding_client(env, url, policy, platform="sev-snp"):
    """The Python binding's client attests and chats with the same policy."""
    code = (
        "import sys, confai\n"
        "c = confai.Client(sys.argv[1], confai.Policy.from_file(sys.argv[2]))\n"
        "v = c.attest()\n"
        "assert v.platform == sys.argv[3], v.platform\n"
        "assert v.root_kind == 'custom', v.root_kind\n"
        "r = c.fetch('GET', '/v1/models')\n"
        "assert r.status == 200, r.status\n"
        "print('binding ok')\n")
    pyenv = dict(os.environ)
    pyenv["PYTHONPATH"] = env.a.python_binding
    pyenv["CONFAI_LIBRARY"] = env.a.libconfai
    r = subprocess.run([sys.executable, "-c", code, url, policy, platform], capture_output=True,
                       text=True, env=pyenv, timeout=120)
    check(r.returncode == 0 and "binding ok" in r.stdout,
          "python binding: %s %s" % (r.stdout[-300:], r.stderr[-600:]))


def main():
    ap = argparse.ArgumentParser()
    for name in ["gateway", "confai", "signer", "signer-state", "fake-kds", "fake-nvml-dir"]:
        ap.add_argument("--" + name, required=True)
    # Not in sanitizer builds: their library needs a runtime Python lacks.
    ap.add_argument("--python-binding")
    ap.add_argument("--libconfai")
    env = Env(ap.parse_args())
    gateways = []
    try:
        prepare(env)
        env.faults("--provider sev_guest")

        def snp_certificates_from_the_report():
            # the extended report's certificate table: no KDS needed at all
            proc, url = env.start_gateway(extra=["--state", env.path("state-a")])
            gateways.append(proc)
            policy, bundle = env.pin(url, "snp")
            check(bundle["cpu"]["type"] == "sev-snp", bundle["cpu"]["type"])
            check(len(bundle["cpu"]["certs"]) == 3, "certs: %d" % len(bundle["cpu"]["certs"]))
            r = env.confai("attest", "--url", url, "--policy", policy)
            verdict = json.loads(r.stdout)
            check(verdict["platform"] == "sev-snp", verdict)
            check("NOT an AMD root" in r.stderr, "no custom-root warning: %r" % r.stderr[-300:])
            r = env.confai("chat", "--url", url, "--policy", policy, "Hello from a TEE?")
            check("You said" in r.stdout, "chat answer: %r" % r.stdout[-300:])
            if env.a.python_binding:
                binding_client(env, url, policy)
            stop(proc)

        def snp_certificates_from_kds_cached():
            env.faults("--provider sev_guest --no-auxblob")
            env.start_kds()
            state = env.path("state-b")
            proc, url = env.start_gateway(extra=["--state", state])
            gateways.append(proc)
            first = env.kds_count()
            check(first >= 1, "the gateway did not ask KDS")
            policy, _ = env.pin(url, "kds")
            env.confai("attest", "--url", url, "--policy", policy)
            check(env.kds_count() == first, "KDS asked again: %d > %d" % (env.kds_count(), first))
            stop(proc)
            # a restart reads the cache: KDS is not asked again
            proc, url = env.start_gateway(extra=["--state", state])
            gateways.append(proc)
            env.confai("attest", "--url", url, "--policy", policy)
            check(env.kds_count() == first, "KDS asked after a restart")
            stop(proc)
            env.faults("--provider sev_guest")

        def snp_with_gpus():
            nvml = {"FAKE_NVML_SIM": "1", "FAKE_NVML_GPUS": "2"}
            proc, url = env.start_gateway(gpus="2", nvml=nvml,
                                          extra=["--state", env.path("state-c")])
            gateways.append(proc)
            policy, bundle = env.pin(url, "gpus")
            check(len(bundle.get("gpus", [])) == 2, "gpus in the bundle: %d" %
                  len(bundle.get("gpus", [])))
            r = env.confai("attest", "--url", url, "--policy", policy)
            verdict = json.loads(r.stdout)
            check(len(verdict.get("gpus", [])) == 2, "verdict GPUs: %s" % verdict.get("gpus"))
            check("gpu.binding" in verdict["checks"], verdict["checks"])
            stop(proc)

        def attestation_answers_503_when_evidence_fails():
            proc, url = env.start_gateway(extra=["--state", env.path("state-d")])
            gateways.append(proc)
            env.faults("--provider sev_guest --inblob-einval")
            try:
                env.bundle(url)
                raise AssertionError("a bundle was served")
            except urllib.error.HTTPError as e:
                check(e.code == 503, "status %d" % e.code)
                check(b"CONFAI_E_TSM_REFUSED" in e.read(), "503 body does not name the status")
            env.faults("--provider sev_guest")
            env.bundle(url)  # and it recovers
            stop(proc)

        def tdx_collateral_from_pcs_cached():
            # The TD's signer starts with the first TDX request (the gateway's own at
            # start) and writes the collateral its hierarchy signs; the fake PCS reads
            # that folder at each request, beside the vectors' real collateral.
            env.faults("--provider tdx_guest")
            env.start_kds(tdx_collateral=os.path.join(env.a.signer_state, "tdx_guest",
                                                      "collateral"))
            state = env.path("state-t")
            proc, url = env.start_gateway(platform="tdx", extra=["--state", state])
            gateways.append(proc)
            first = env.kds_count()
            log = env.kds_log()
            for want in ["/tdx/certification/v4/tcb?fmspc=123456000000",
                         "/tdx/certification/v4/qe/identity",
                         "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
                         "/sgx/certification/v4/rootcacrl"]:
                check(want in log, "the gateway did not ask PCS for %s: %r" % (want, log))
            policy, bundle = env.pin(url, "tdx")
            check(bundle["cpu"]["type"] == "tdx", bundle["cpu"]["type"])
            collateral = bundle["cpu"].get("collateral", {})
            for name in ["tcb_info", "qe_identity", "tcb_info_issuer_chain", "pck_crl",
                         "pck_crl_issuer_chain", "root_ca_crl"]:
                check(name in collateral, "the bundle's collateral lacks %s" % name)
            r = env.confai("attest", "--url", url, "--policy", policy)
            verdict = json.loads(r.stdout)
            check(verdict["platform"] == "tdx", verdict)
            check("NOT an Intel root" in r.stderr and "not Intel" in r.stderr,
                  "no custom-root warning naming the simulation: %r" % r.stderr[-400:])
            r = env.confai("chat", "--url", url, "--policy", policy, "Hello from a TD?")
            check("You said" in r.stdout, "chat answer: %r" % r.stdout[-300:])
            if env.a.python_binding:
                binding_client(env, url, policy, "tdx")
            # every attestation after the first took the collateral from the cache
            check(env.kds_count() == first, "PCS asked again: %d > %d" %
                  (env.kds_count(), first))
            stop(proc)
            # and so does a restart
            proc, url = env.start_gateway(platform="tdx", extra=["--state", state])
            gateways.append(proc)
            env.confai("attest", "--url", url, "--policy", policy)
            check(env.kds_count() == first, "PCS asked after a restart")
            stop(proc)
            env.faults("--provider sev_guest")

        def start_failures():
            env.refuses_to_start("CONFAI_E_TSM_PROVIDER", platform="tdx")
            env.faults("--provider sev_guest --race 100")
            env.refuses_to_start("CONFAI_E_TSM_RACE")
            env.faults("--provider sev_guest --no-auxblob")
            saved = env.kds_url
            env.kds_url = "http://127.0.0.1:9"  # nothing listens there
            env.refuses_to_start("CONFAI_E_ENDORSEMENT_UNAVAILABLE",
                                 extra=["--state", env.path("state-e")])
            env.kds_url = saved
            env.start_kds(with_vcek=False)  # KDS knows no VCEK for this chip
            msg = env.refuses_to_start("CONFAI_E_ENDORSEMENT_NOT_FOUND",
                                       extra=["--state", env.path("state-f")])
            check("404" in msg, "the message does not say KDS answered 404: %r" % msg)
            env.faults("--provider sev_guest")
            env.refuses_to_start("CONFAI_E_GPU_CC_OFF", gpus="auto",
                                 nvml={"FAKE_NVML_SIM": "1", "FAKE_NVML_CC": "off"})
            env.refuses_to_start("CONFAI_E_NVML_UNAVAILABLE", gpus="2")
            env.refuses_to_start("CONFAI_E_TSM_UNAVAILABLE",
                                 extra=["--tsm-root", env.path("no-tsm")])
            # TDX: the quote is there, but PCS (the vectors' collateral only) has no
            # TCB info for its FMSPC
            env.faults("--provider tdx_guest")
            msg = env.refuses_to_start("CONFAI_E_ENDORSEMENT_NOT_FOUND", platform="tdx",
                                       extra=["--state", env.path("state-g")])
            check("404" in msg and "123456000000" in msg,
                  "the message does not say PCS answered 404 for the FMSPC: %r" % msg)
            env.faults("--provider sev_guest")

        case("SEV-SNP: certificates from the extended report; CLI and Python binding",
             snp_certificates_from_the_report)
        case("SEV-SNP: VCEK from KDS, cached across requests and restarts",
             snp_certificates_from_kds_cached)
        case("SEV-SNP with two NVML GPUs", snp_with_gpus)
        case("evidence failing later: 503, never a partial bundle",
             attestation_answers_503_when_evidence_fails)
        case("TDX: collateral from PCS, cached; CLI and Python binding",
             tdx_collateral_from_pcs_cached)
        def simulated_td_with_a_gpu():
            # the library's simulated TD source: its own collateral, no PCS
            policy = env.path("sim-tdx-policy.json")
            proc, url = env.start_gateway(platform="sim-tdx", gpus="1",
                                          extra=["--policy-out", policy])
            gateways.append(proc)
            r = env.confai("attest", "--url", url, "--policy", policy)
            verdict = json.loads(r.stdout)
            check(verdict["platform"] == "tdx", verdict)
            check(len(verdict.get("gpus", [])) == 1, "verdict GPUs: %s" % verdict.get("gpus"))
            check("not Intel" in r.stderr, "no simulation warning: %r" % r.stderr[-300:])
            r = env.confai("chat", "--url", url, "--policy", policy, "Hello?")
            check("You said" in r.stdout, "chat answer: %r" % r.stdout[-300:])
            stop(proc)

        case("simulated TD with a simulated GPU (--platform sim-tdx)", simulated_td_with_a_gpu)
        case("each platform failure stops the gateway at start with its status",
             start_failures)
    finally:
        for proc in gateways:
            if proc.poll() is None:
                stop(proc)
        env.stop_kds()
        shutil.rmtree(env.tmp, ignore_errors=True)
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

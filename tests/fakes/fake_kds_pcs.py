#!/usr/bin/env python3
"""A loopback stand-in for AMD KDS and Intel PCS v4 / PCCS, for the tests.

It serves the real certificates and collateral of the shared vectors
($CONFAI_VECTORS, or --vectors) under the real URL layout:

  KDS  /vcek/v1/{Milan|Genoa}/{128 hex chip id}?blSPL=&teeSPL=&snpSPL=&ucodeSPL=
       /vcek/v1/Turin/{16 hex}?fmcSPL=&blSPL=&teeSPL=&snpSPL=&ucodeSPL=
       /vcek/v1/{product}/cert_chain, /vlek/v1/{product}/cert_chain
  PCS  /tdx/certification/v4/tcb?fmspc=        (TCB-Info-Issuer-Chain)
       /tdx/certification/v4/qe/identity       (SGX-Enclave-Identity-Issuer-Chain)
       /sgx/certification/v4/pckcrl?ca=processor|platform[&encoding=der]
                                               (SGX-PCK-CRL-Issuer-Chain)
       /sgx/certification/v4/rootcacrl, /IntelSGXRootCA.der
  and  /health: always 200 "ok" (for transport tests without vectors)

Each VCEK is indexed by its own X.509 extensions (productName, hwID, SPLs),
so a request finds it exactly when the URL names that chip and TCB. Each
TCB info is indexed by the fmspc it states.

Faults, from the command line (--fault, --count, --retry-after) or at run
time with GET /_fake/fault?mode=MODE&count=N&retry_after=S (count absent or
0: until changed). The next N requests get the fault. MODE: a status code
(404 for everything, 429 with Retry-After, 500, 503, 403, ...), "stall" (the
connection is accepted and nothing is ever answered), "swap" (a VCEK request
is answered with the VCEK of another chip; other requests as usual) or
"none". GET /_fake/reset clears the fault and the log; GET /_fake/count
answers the number of requests logged; GET /_fake/log the requests, one
"METHOD target" a line. Control requests are neither logged nor faulted.
--log FILE also appends each request there.

For a platform that is not in the vectors (the tests' simulated SEV-SNP
platform behind a fake configfs-tsm): --vcek FILE serves one more VCEK (DER
or PEM, indexed by its extensions like the others) and --chain KIND PRODUCT
FILE serves FILE (PEM, ASK or ASVK then ARK) as /KIND/v1/PRODUCT/cert_chain
instead of the vectors' chain. For the simulated TD: --tdx-collateral DIR
serves the collateral tsm_signer's `serve tdx_guest STATE` writes into
STATE/collateral (tcb_info.json, qe_identity.json, pck_crl.der,
root_ca_crl.der and their issuer chains): its TCB info beside the vectors'
(indexed by the fmspc it states), and its QE identity, PCK CRL (for the CA
that issued it) and root CA CRL instead of the vectors', each with its own
issuer chain header. These documents are read at every request, so the
folder may be written after the server started.

Binds 127.0.0.1 on an ephemeral port and prints "port N"; --port-file
writes N to a file (atomically) for scripts.
"""
import argparse
import base64
import http.server
import os
import re
import sys
import threading
import urllib.parse

# --- a minimal DER reader, enough for certificate extensions --------------------


def der_item(b, i):
    """(tag, value start, value end) of the TLV at i."""
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def der_children(b, start, end):
    i = start
    while i < end:
        tag, s, e = der_item(b, i)
        yield tag, s, e
        i = e


def oid_text(b):
    first = b[0]
    parts = [first // 40, first % 40]
    v = 0
    for x in b[1:]:
        v = v << 7 | (x & 0x7F)
        if not x & 0x80:
            parts.append(v)
            v = 0
    return ".".join(str(p) for p in parts)


def cert_extensions(der):
    """{oid: raw extnValue bytes} of a DER certificate."""
    _, cs, ce = der_item(der, 0)
    tag, ts, te = next(der_children(der, cs, ce))  # tbsCertificate
    out = {}
    for tag, s, e in der_children(der, ts, te):
        if tag != 0xA3:
            continue
        _, ss, se = der_item(der, s)  # SEQUENCE OF Extension
        for _, xs, xe in der_children(der, ss, se):
            parts = list(der_children(der, xs, xe))
            oid = oid_text(der[parts[0][1]:parts[0][2]])
            _, vs, ve = parts[-1]  # extnValue OCTET STRING
            out[oid] = der[vs:ve]
    return out


def pem_blocks(text, label):
    pat = re.compile(r"-----BEGIN %s-----(.*?)-----END %s-----" % (label, label), re.S)
    return [base64.b64decode("".join(m.group(1).split())) for m in pat.finditer(text)]


AMD = "1.3.6.1.4.1.3704.1."
SPL_PARAMS = {"blSPL": 1, "teeSPL": 2, "snpSPL": 3, "ucodeSPL": 8, "fmcSPL": 9}


def vcek_index_key(der):
    """(product, hwid hex, {param: value}) from a VCEK's extensions."""
    ext = cert_extensions(der)
    name_raw = ext[AMD + "2"]
    _, s, e = der_item(name_raw, 0)
    product = name_raw[s:e].decode().split("-")[0]
    hwid = ext[AMD + "4"].hex()
    spl = {}
    for param, n in SPL_PARAMS.items():
        raw = ext.get(AMD + "3.%d" % n)
        if raw is None:
            continue
        _, s, e = der_item(raw, 0)
        spl[param] = int.from_bytes(raw[s:e], "big")
    if product != "Turin":
        spl.pop("fmcSPL", None)
    return product, hwid, spl


# --- the documents ---------------------------------------------------------------

VCEK_FILES = [
    "sev-snp/go-sev-guest/vcek.testcer",
    "sev-snp/virtee-sev/vcek_milan.der",
    "sev-snp/virtee-sev/vcek_turin.der",
    "sev-snp/trustee/test-vcek.der",
    "sev-snp/azure-vtpm/vcek.pem",
    "sev-snp/oak/genoa_oc_vcek.der",
    "sev-snp/oak/milan_oc_release_vcek.der",
]
CHAINS = {
    ("vcek", "Milan"): "sev-snp/go-sev-guest/ask_ark_milan.pem",
    ("vcek", "Genoa"): "sev-snp/go-sev-guest/ask_ark_genoa.pem",
    ("vcek", "Turin"): "sev-snp/go-sev-guest/ask_ark_turin_vcek.pem",
    ("vlek", "Milan"): "sev-snp/go-sev-guest/ask_ark_milan_vlek.pem",
    ("vlek", "Genoa"): "sev-snp/go-sev-guest/ask_ark_genoa_vlek.pem",
    ("vlek", "Turin"): "sev-snp/go-sev-guest/ask_ark_turin_vlek.pem",
}
TCB_INFO_FILES = [
    "tdx/go-tdx-guest/sample_tcbInfo_response",
    "tdx/go-tdx-guest/sample_tcbinfo_response_v5",
    "tdx/trustee/tcbInfo.json",
]
TDX = "tdx/go-tdx-guest/"


class Store:
    def __init__(self, vectors, qe_identity):
        self.vceks = []  # (product, hwid, spl, der, file)
        self.chains = {}
        self.tcb_infos = {}  # fmspc -> (body, issuer chain)
        self.qe_identity = None  # (body, issuer chain)
        self.pck_crls = {}  # ca -> (DER, issuer chain)
        self.root_crl = None
        self.tdx_collateral = None
        if vectors is None or not os.path.isdir(vectors):
            return
        read = lambda name: open(os.path.join(vectors, name), "rb").read()
        have = lambda name: os.path.isfile(os.path.join(vectors, name))
        for name in VCEK_FILES:
            if not have(name):
                continue
            data = read(name)
            if data.startswith(b"-----BEGIN"):
                data = pem_blocks(data.decode(), "CERTIFICATE")[0]
            product, hwid, spl = vcek_index_key(data)
            self.vceks.append((product, hwid, spl, data, name))
        for key, name in CHAINS.items():
            if have(name):
                self.chains[key] = read(name)
        tcb_chain = pck_crl_chain = None
        if have(TDX + "tcb_info_issuer_chain.pem"):
            tcb_chain = read(TDX + "tcb_info_issuer_chain.pem")
        if have(TDX + "pck_crl_issuer_chain.pem"):
            pck_crl_chain = read(TDX + "pck_crl_issuer_chain.pem")
        for name in TCB_INFO_FILES:
            if have(name) and tcb_chain is not None:
                body = read(name)
                fmspc = fmspc_of(body)
                if fmspc:
                    self.tcb_infos[fmspc] = (body, tcb_chain)
        if have(qe_identity) and tcb_chain is not None:
            self.qe_identity = (read(qe_identity), tcb_chain)
        if have(TDX + "pckcrl") and pck_crl_chain is not None:
            crl = read(TDX + "pckcrl")
            ca = pck_crl_ca(crl)
            if ca:
                self.pck_crls[ca] = (crl, pck_crl_chain)
        if have(TDX + "rootcrl.der"):
            self.root_crl = read(TDX + "rootcrl.der")

    def tdx(self):
        """The documents of --tdx-collateral as they are now, over the vectors'."""
        folder = self.tdx_collateral
        tcb_infos, qe, crls, root = dict(self.tcb_infos), self.qe_identity, dict(self.pck_crls), \
            self.root_crl
        if folder is None:
            return tcb_infos, qe, crls, root
        read = lambda name: open(os.path.join(folder, name), "rb").read()
        try:
            tcb_chain = read("tcb_info_issuer_chain.pem")
            body = read("tcb_info.json")
            tcb_infos[fmspc_of(body)] = (body, tcb_chain)
            qe = (read("qe_identity.json"), tcb_chain)
            crl = read("pck_crl.der")
            crls[pck_crl_ca(crl)] = (crl, read("pck_crl_issuer_chain.pem"))
            root = read("root_ca_crl.der")
        except FileNotFoundError:
            pass  # not written yet: what is there so far, and the vectors'
        return tcb_infos, qe, crls, root

    def vcek(self, product, hwid, params):
        for p, h, spl, der, _ in self.vceks:
            if p == product and h == hwid.lower() and spl == params:
                return der
        return None


def fmspc_of(tcb_info):
    m = re.search(rb'"fmspc"\s*:\s*"([0-9A-Fa-f]{12})"', tcb_info)
    return m.group(1).decode().lower() if m else None


def pck_crl_ca(crl):
    """processor or platform: the PCK CA a CRL names as its issuer."""
    for ca in ("processor", "platform"):
        if b"Intel SGX PCK %s CA" % ca.capitalize().encode() in crl:
            return ca
    return None


# --- the server ----------------------------------------------------------------


class State:
    def __init__(self, fault=None, count=0, retry_after="0", log_file=None):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.log = []
        self.log_file = log_file
        self.set_fault(fault, count, retry_after)

    def set_fault(self, mode, count, retry_after):
        self.fault = None if mode in (None, "", "none") else mode
        self.remaining = count if count > 0 else None
        self.retry_after = retry_after

    def take_fault(self):
        with self.lock:
            if self.fault is None:
                return None, None
            mode, ra = self.fault, self.retry_after
            if self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    self.fault = None
            return mode, ra

    def record(self, line):
        with self.lock:
            self.log.append(line)
            if self.log_file:
                with open(self.log_file, "a") as f:
                    f.write(line + "\n")


def pem_of_der_crl(der):
    b = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return ("-----BEGIN X509 CRL-----\n" + "\n".join(lines) + "\n-----END X509 CRL-----\n").encode()


def make_handler(store, state):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "fake-kds-pcs/1"

        def log_message(self, fmt, *args):
            pass

        def answer(self, code, body=b"", ctype="application/octet-stream", headers=()):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if url.path.startswith("/_fake/"):
                return self.control(url.path[len("/_fake/"):], query)
            state.record("GET " + self.path)
            mode, retry_after = state.take_fault()
            if mode == "stall":
                state.stop.wait(60)
                self.close_connection = True
                return
            if mode == "429":
                return self.answer(429, b"slow down (fault)", "text/plain",
                                   [("Retry-After", retry_after)])
            if mode is not None and mode.isdigit():
                return self.answer(int(mode), b"fault %s\n" % mode.encode(), "text/plain")
            return self.serve(url.path, query, swap=mode == "swap")

        def control(self, what, query):
            one = lambda k, d: query.get(k, [d])[0]
            if what == "fault":
                with state.lock:
                    state.set_fault(one("mode", "none"), int(one("count", "0")),
                                    one("retry_after", "0"))
                return self.answer(200, b"ok\n", "text/plain")
            if what == "reset":
                with state.lock:
                    state.set_fault(None, 0, "0")
                    state.log.clear()
                return self.answer(200, b"ok\n", "text/plain")
            if what == "count":
                with state.lock:
                    n = len(state.log)
                return self.answer(200, b"%d\n" % n, "text/plain")
            if what == "log":
                with state.lock:
                    text = "".join(line + "\n" for line in state.log)
                return self.answer(200, text.encode(), "text/plain")
            return self.answer(404, b"unknown control\n", "text/plain")

        def serve(self, path, query, swap=False):
            one = lambda k: query[k][0] if len(query.get(k, [])) == 1 else None
            quote = lambda b: urllib.parse.quote(b.decode(), safe="")
            m = re.fullmatch(r"/(vcek|vlek)/v1/(Milan|Genoa|Turin)/cert_chain", path)
            if m:
                body = store.chains.get((m.group(1), m.group(2)))
                if body is None:
                    return self.answer(404, b"no chain\n", "text/plain")
                return self.answer(200, body, "application/x-pem-file")
            m = re.fullmatch(r"/vcek/v1/(Milan|Genoa|Turin)/([0-9a-fA-F]+)", path)
            if m:
                product = m.group(1)
                names = {"blSPL", "teeSPL", "snpSPL", "ucodeSPL"}
                if product == "Turin":
                    names.add("fmcSPL")
                if set(query) != names or any(one(k) is None or not one(k).isdigit()
                                               for k in names):
                    return self.answer(400, b"bad SPL parameters\n", "text/plain")
                want = {k: int(one(k)) for k in names}
                der = store.vcek(product, m.group(2), want)
                if der is not None and swap:
                    der = next((v[3] for v in store.vceks if v[3] != der), None)
                if der is None:
                    return self.answer(404, b"no VCEK\n", "text/plain")
                return self.answer(200, der, "application/x-x509-ca-cert")
            tcb_infos, qe_identity, pck_crls, root_crl = store.tdx()
            if path == "/tdx/certification/v4/tcb":
                found = tcb_infos.get((one("fmspc") or "").lower())
                if found is None:
                    return self.answer(404, b"", "application/json")
                return self.answer(200, found[0], "application/json",
                                   [("TCB-Info-Issuer-Chain", quote(found[1]))])
            if path == "/tdx/certification/v4/qe/identity":
                if qe_identity is None:
                    return self.answer(404, b"", "application/json")
                return self.answer(200, qe_identity[0], "application/json",
                                   [("SGX-Enclave-Identity-Issuer-Chain",
                                     quote(qe_identity[1]))])
            if path == "/sgx/certification/v4/pckcrl":
                found = pck_crls.get(one("ca") or "")
                if found is None:
                    return self.answer(404, b"", "text/plain")
                crl = found[0] if one("encoding") == "der" else pem_of_der_crl(found[0])
                return self.answer(200, crl, "application/pkix-crl",
                                   [("SGX-PCK-CRL-Issuer-Chain", quote(found[1]))])
            if path in ("/sgx/certification/v4/rootcacrl", "/IntelSGXRootCA.der"):
                if root_crl is None:
                    return self.answer(404, b"", "text/plain")
                return self.answer(200, root_crl, "application/pkix-crl")
            if path == "/health":
                return self.answer(200, b"ok\n", "text/plain")
            return self.answer(404, b"unknown path\n", "text/plain")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vectors", default=os.environ.get("CONFAI_VECTORS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "vectors"))
    ap.add_argument("--qe-identity", default=TDX + "sample_qeIdentity_response",
                    help="QE identity to serve, relative to the vectors")
    ap.add_argument("--fault", default="none", help="a status code, stall, swap or none")
    ap.add_argument("--count", type=int, default=0, help="requests that get the fault (0: all)")
    ap.add_argument("--retry-after", default="0", help="Retry-After of a 429")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--list", action="store_true", help="print the VCEK URLs served and exit")
    ap.add_argument("--vcek", action="append", default=[], help="one more VCEK to serve")
    ap.add_argument("--chain", nargs=3, action="append", default=[],
                    metavar=("KIND", "PRODUCT", "FILE"), help="a cert_chain to serve instead")
    ap.add_argument("--tdx-collateral", metavar="DIR",
                    help="the simulated TD's collateral (tsm_signer's STATE/collateral)")
    args = ap.parse_args()

    store = Store(args.vectors, args.qe_identity)
    for name in args.vcek:
        data = open(name, "rb").read()
        if data.startswith(b"-----BEGIN"):
            data = pem_blocks(data.decode(), "CERTIFICATE")[0]
        product, hwid, spl = vcek_index_key(data)
        store.vceks.append((product, hwid, spl, data, name))
    for kind, product, name in args.chain:
        store.chains[(kind, product)] = open(name, "rb").read()
    store.tdx_collateral = args.tdx_collateral
    if args.list:
        for product, hwid, spl, _, name in store.vceks:
            q = "&".join("%s=%d" % (k, spl[k]) for k in
                         ["fmcSPL", "blSPL", "teeSPL", "snpSPL", "ucodeSPL"] if k in spl)
            print("/vcek/v1/%s/%s?%s  %s" % (product, hwid, q, name))
        for fmspc in sorted(store.tdx()[0]):
            print("/tdx/certification/v4/tcb?fmspc=%s" % fmspc)
        return 0
    state = State(args.fault, args.count, args.retry_after, args.log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(store, state))
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("port %d" % port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        state.stop.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_kds and fuzz_pcs from the public vectors
(CONFAI_VECTORS, see tests/vectors) and of fuzz_ohttp_gateway from the
bhttp corpus. Run by hand from the repository root:

    CONFAI_VECTORS=/path/to/vectors tests/fuzz/make_corpus_endorsements.py

The input layouts are described at the top of each fuzz_<name>.c.
"""
import os
import subprocess
import sys
import urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
vectors = os.environ.get("CONFAI_VECTORS")
if not vectors:
    sys.exit("set CONFAI_VECTORS to the vectors folder")


def vec(*parts):
    with open(os.path.join(vectors, *parts), "rb") as f:
        return f.read()


def write(target, name, data):
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- fuzz_kds: mode bits 0-1 (0 chain, 1 VCEK, 2 URL), bits 2-3 product ---
MILAN, GENOA, TURIN = 1 << 2, 2 << 2, 3 << 2
write("kds", "chain-milan", bytes([MILAN]) + vec("sev-snp", "go-sev-guest", "ask_ark_milan.pem"))
write("kds", "chain-genoa", bytes([GENOA]) + vec("sev-snp", "go-sev-guest", "ask_ark_genoa.pem"))
write("kds", "chain-turin", bytes([TURIN]) + vec("sev-snp", "go-sev-guest", "ask_ark_turin_vcek.pem"))
write("kds", "chain-milan-vlek", bytes([MILAN]) + vec("sev-snp", "go-sev-guest", "ask_ark_milan_vlek.pem"))
write("kds", "chain-ark-ask-split",
      bytes([MILAN]) + vec("sev-snp", "virtee-sev", "milan_ask.pem") + vec("sev-snp", "virtee-sev", "milan_ark.pem"))
write("kds", "chain-wrong-product", bytes([GENOA]) + vec("sev-snp", "go-sev-guest", "ask_ark_milan.pem"))


def report_fields(report):
    # reported_tcb at 0x180 (8 bytes), chip_id at 0x1A0 (64 bytes)
    return report[0x1A0:0x1E0] + report[0x180:0x188]


milan = bytes.fromhex("".join(vec("sev-snp", "virtee-sev", "report_milan.hex").decode().split()))
write("kds", "vcek-milan", bytes([1 | MILAN]) + report_fields(milan) + vec("sev-snp", "virtee-sev", "vcek_milan.der"))
oak_milan = vec("sev-snp", "oak", "milan_oc_release_snp_report.bin")
write("kds", "vcek-milan-oak", bytes([1 | MILAN]) + report_fields(oak_milan) + vec("sev-snp", "oak", "milan_oc_release_vcek.der"))
oak_genoa = vec("sev-snp", "oak", "genoa_oc_snp_report.bin")
write("kds", "vcek-genoa-oak", bytes([1 | GENOA]) + report_fields(oak_genoa) + vec("sev-snp", "oak", "genoa_oc_vcek.der"))
write("kds", "vcek-other-chip", bytes([1 | MILAN]) + bytes(72) + vec("sev-snp", "virtee-sev", "vcek_milan.der"))
write("kds", "vcek-turin", bytes([1 | TURIN]) + bytes(72) + vec("sev-snp", "virtee-sev", "vcek_turin.der"))
write("kds", "url-milan", bytes([2 | MILAN]) + report_fields(milan) + b"https://kdsintf.amd.com/")
write("kds", "url-turin", bytes([2 | TURIN]) + report_fields(milan) + b"http://127.0.0.1:8080//")

# --- fuzz_pcs: mode bits 0-1 (0 CRL, 1 header, 2 cache entry, 3 document) ---
tdx = ("tdx", "go-tdx-guest")
pck_crl = vec(*tdx, "pckcrl")
root_crl = vec(*tdx, "rootcrl.der")
pem_crl = subprocess.run(["openssl", "crl", "-inform", "DER", "-outform", "PEM"],
                         input=root_crl, capture_output=True, check=True).stdout
write("pcs", "crl-der", bytes([0]) + pck_crl)
write("pcs", "crl-pem", bytes([0]) + pem_crl)
write("pcs", "crl-hex", bytes([0]) + root_crl.hex().encode() + b"\n")
chain = vec(*tdx, "tcb_info_issuer_chain.pem")
write("pcs", "header-chain", bytes([1]) + urllib.parse.quote(chain, safe="").encode())
write("pcs", "header-bad-escape", bytes([1]) + b"-----BEGIN%20CERT%2")


def frame(*parts):
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


tcb_info = vec("tdx", "trustee", "tcbInfo.json")
qe_identity = vec("tdx", "trustee", "enclaveIdentity.json")
write("pcs", "entry-tcb-info", bytes([2]) + frame(tcb_info, chain))
write("pcs", "entry-root-crl", bytes([2]) + frame(root_crl, b""))
write("pcs", "doc-tcb-info", bytes([3]) + bytes.fromhex("00A06D080000") + tcb_info)
write("pcs", "doc-tcb-info-other-fmspc", bytes([3]) + bytes(6) + tcb_info)
write("pcs", "doc-tcb-info-v5", bytes([3]) + bytes(6) + vec(*tdx, "sample_tcbinfo_response_v5"))
write("pcs", "doc-qe-identity", bytes([3 | 1 << 2]) + qe_identity)
write("pcs", "doc-qe-identity-sample", bytes([3 | 1 << 2]) + vec(*tdx, "sample_qeIdentity_response"))
write("pcs", "doc-pck-crl", bytes([3 | 2 << 2]) + pck_crl)
write("pcs", "doc-root-crl-hex", bytes([3 | 3 << 2]) + root_crl.hex().encode())

# --- fuzz_ohttp_gateway: flags bit 0 seal first, bits 1-3 the suite --------
bhttp = os.path.join(here, "corpus", "bhttp")
for name in sorted(os.listdir(bhttp)):
    if "request" not in name:
        continue
    with open(os.path.join(bhttp, name), "rb") as f:
        message = f.read()[2:]  # fuzz_bhttp's split seed and options bytes
    for suite in (0, 3, 5):
        write("ohttp_gateway", "sealed-%d-%s" % (suite, name), bytes([1 | suite << 1]) + message)
write("ohttp_gateway", "sealed-short-buffer", bytes([1 | 1 << 4]) + b"\x00\x03GET\x05https\x00\x01/")
rfc9458 = bytes.fromhex(
    "010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b4726374e469135906992e1268c594d2a10c695d858c40a026e7965e7d86b83dd440b2c0185204b4d63525")
write("ohttp_gateway", "rfc9458-request", bytes([0]) + rfc9458)
write("ohttp_gateway", "wrong-key-id", bytes([0]) + bytes([9]) + rfc9458[1:])

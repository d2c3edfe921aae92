#!/usr/bin/env python3
"""ABI checks on the built libconfai.so, run by meson (suite 'abi').

  abi_check.py symbols LIB HEADER_DIR [INSTALLED_HEADER ...]
      The dynamic symbols LIB defines are exactly the functions declared
      CONFAI_API in HEADER_DIR/*.h, all start with confai_, and those from
      stable headers carry the symbol version CONFAI_0. When installed header
      names are given, every header in HEADER_DIR must be one of them (a
      header that is not installed cannot be part of the API).

      A header given as -NAME (e.g. -client.h) belongs to a layer this build
      leaves out: its declarations are neither installed nor exported.

  abi_check.py soname LIB EXPECTED
      The DT_SONAME of LIB is EXPECTED.

Exit status: 0 pass, 1 fail, 77 skip (a tool is missing).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

STABLE_VERSION = "CONFAI_0"
# Headers with these words in their name hold experimental API, which is not
# in the stable symbol version (doc/ABI.md).
EXPERIMENTAL_MARKERS = ("experimental", "unstable")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def need(tool):
    path = shutil.which(tool)
    if path is None:
        print("SKIP: %s not found" % tool)
        sys.exit(77)
    return path


def strip_comments_and_preprocessor(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    # Join continued lines, then drop every preprocessor line, so the
    # `#define CONFAI_API ...` lines do not look like declarations.
    text = text.replace("\\\n", " ")
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def declared_api(header):
    """Names of the functions declared CONFAI_API in one header."""
    with open(header, encoding="utf-8") as f:
        code = strip_comments_and_preprocessor(f.read())
    names = []
    for decl in code.split(";"):
        if not re.search(r"\bCONFAI_API\b", decl):
            continue
        # The declared name is the identifier right before the first '('
        # (attributes come as macros without parentheses in our headers).
        m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", decl)
        if m is None:
            fail("%s: CONFAI_API without a function declaration: %s"
                 % (header, " ".join(decl.split())))
        names.append(m.group(1))
    return names


def exported_symbols(lib):
    """{name: version} of the symbols LIB defines in its dynamic table."""
    out = subprocess.run([need("nm"), "-D", "--defined-only", lib],
                         check=True, capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        if kind == "A":  # version definitions (CONFAI_0) are absolute symbols
            continue
        name, _, version = name.partition("@")
        symbols[name] = version.lstrip("@")
    return symbols


def check_symbols(lib, header_dir, names):
    left_out = {n[1:] for n in names if n.startswith("-")}
    installed = {n for n in names if not n.startswith("-")}
    headers = sorted(h for h in glob.glob(os.path.join(header_dir, "*.h"))
                     if os.path.basename(h) not in left_out)
    if not headers:
        fail("no headers in " + header_dir)
    if installed:
        stray = [os.path.basename(h) for h in headers
                 if os.path.basename(h) not in installed]
        if stray:
            fail("headers in %s that are not installed: %s"
                 % (header_dir, ", ".join(stray)))

    declared = {}  # name -> header
    for h in headers:
        for name in declared_api(h):
            if name in declared:
                fail("%s declared twice (%s, %s)" % (name, declared[name], h))
            declared[name] = os.path.basename(h)
    exported = exported_symbols(lib)

    problems = []
    for name in sorted(set(exported) - set(declared)):
        problems.append("exported but not declared CONFAI_API: " + name)
    for name in sorted(set(declared) - set(exported)):
        problems.append("declared CONFAI_API but not exported: %s (%s)"
                        % (name, declared[name]))
    for name in sorted(exported):
        if not name.startswith("confai_"):
            problems.append("exported symbol without the confai_ prefix: " + name)
    for name, header in sorted(declared.items()):
        stable = not any(m in header for m in EXPERIMENTAL_MARKERS)
        if stable and name in exported and exported[name] != STABLE_VERSION:
            problems.append("%s has symbol version '%s', expected %s"
                            % (name, exported[name], STABLE_VERSION))
    if problems:
        fail("symbol check of %s:\n  %s" % (lib, "\n  ".join(problems)))
    print("ok: %d symbols exported, all declared CONFAI_API in %s"
          % (len(exported), ", ".join(os.path.basename(h) for h in headers)))


def check_soname(lib, expected):
    out = subprocess.run([need("readelf"), "-d", lib],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    if m is None:
        fail("%s has no SONAME" % lib)
    if m.group(1) != expected:
        fail("SONAME of %s is %s, expected %s" % (lib, m.group(1), expected))
    print("ok: SONAME " + expected)


def main(argv):
    if len(argv) >= 3 and argv[0] == "symbols":
        check_symbols(argv[1], argv[2], set(argv[3:]))
    elif len(argv) == 3 and argv[0] == "soname":
        check_soname(argv[1], argv[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

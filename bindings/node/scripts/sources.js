#!/usr/bin/env node
// Prints what binding.gyp compiles of libconfai/ (see vendor.js): every C
// file of src/, with the HPKE backend meson would choose: OpenSSL's
// OSSL_HPKE from OpenSSL 3.2 on, the own RFC 9180 code before that
// (src/meson.build).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = path.resolve(__dirname, '..');

function cFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...cFiles(p));
    } else if (entry.name.endsWith('.c')) {
      files.push(p);
    }
  }
  return files;
}

function hpkeBackend() {
  const r = spawnSync('pkg-config', ['--atleast-version=3.2.0', 'libcrypto']);
  if (r.error) {
    throw new Error(`pkg-config: ${r.error.message}`);
  }
  return r.status === 0 ? 'openssl' : 'own';
}

const leftOut = hpkeBackend() === 'openssl' ? 'hpke_backend_own.c' : 'hpke_openssl.c';
const sources = cFiles(path.join(pkg, 'libconfai', 'src'))
  .filter((f) => path.basename(f) !== leftOut)
  .map((f) => path.relative(pkg, f).split(path.sep).join('/'))
  .sort();
process.stdout.write(sources.join('\n') + '\n');

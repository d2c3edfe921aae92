#!/usr/bin/env node
// Copies libconfai's C sources into libconfai/ of this package, so that the
// packed package builds its addon from them (binding.gyp) with nothing but
// the system's OpenSSL, libcurl and cJSON. Run by `npm pack` (prepack) and,
// inside the repository, before every build, so the copy follows the tree.
// The umbrella header is generated here as meson generates it from
// include/confai/confai.h.in, for a build with the client layer.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
// CONFAI_SOURCE_DIR: the checkout to copy from when the package being packed
// is a copy outside it (the test suite packs a copy in the build folder).
const repo = process.env.CONFAI_SOURCE_DIR
  ? path.resolve(process.env.CONFAI_SOURCE_DIR)
  : path.resolve(pkg, '..', '..');
const out = path.join(pkg, 'libconfai');

/** Whether this package is bindings/node of a libconfai checkout. */
function inRepository() {
  try {
    return (process.env.CONFAI_SOURCE_DIR ||
      fs.realpathSync(path.join(repo, 'bindings', 'node')) === fs.realpathSync(pkg)) &&
      fs.existsSync(path.join(repo, 'include', 'confai', 'confai.h.in')) &&
      fs.existsSync(path.join(repo, 'src', 'meson.build'));
  } catch {
    return false;
  }
}

function copyTree(from, to, keep) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    if (entry.isDirectory()) {
      copyTree(src, path.join(to, entry.name), keep);
    } else if (entry.isFile() && keep(entry.name)) {
      fs.copyFileSync(src, path.join(to, entry.name));
    }
  }
}

function vendor() {
  fs.rmSync(out, { recursive: true, force: true });
  const sourceFile = (name) => name.endsWith('.c') || name.endsWith('.h');
  copyTree(path.join(repo, 'src'), path.join(out, 'src'), sourceFile);
  copyTree(path.join(repo, 'include', 'confai'), path.join(out, 'include', 'confai'), (n) => n.endsWith('.h'));
  const template = fs.readFileSync(path.join(repo, 'include', 'confai', 'confai.h.in'), 'utf8');
  const clientInclude = '#include <confai/client.h>  /* attestation lease and sealed requests (libcurl) */\n';
  if (!template.includes('@CLIENT_INCLUDE@')) {
    throw new Error('include/confai/confai.h.in has no @CLIENT_INCLUDE@');
  }
  fs.writeFileSync(path.join(out, 'include', 'confai', 'confai.h'), template.replace('@CLIENT_INCLUDE@', clientInclude));
  fs.copyFileSync(path.join(repo, 'LICENSE'), path.join(out, 'LICENSE'));
}

module.exports = { inRepository, vendor, out };

if (require.main === module) {
  if (!inRepository()) {
    console.error('vendor.js: not inside a libconfai checkout (bindings/node); nothing to copy');
    process.exit(1);
  }
  vendor();
}

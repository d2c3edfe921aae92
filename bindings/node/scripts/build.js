#!/usr/bin/env node
// Builds the addon with node-gyp; the package's install script, so that
// `npm install` of the folder or of the packed tarball builds it with no
// environment variables. Nothing is downloaded: node-gyp builds against the
// Node headers installed with node (--nodedir), libconfai is compiled from
// libconfai/ (vendor.js), and OpenSSL, libcurl and cJSON are the system's,
// found with pkg-config.
//
// CONFAI_BUILD_DIR=<meson build> links the library of that build instead
// (pkg-config confai-uninstalled; the binding's test suite).
// --tests also builds the conformance runner's test support.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { inRepository, vendor, out: vendored } = require('./vendor');

const root = path.resolve(__dirname, '..');

function fail(message) {
  console.error(`confai: ${message}`);
  process.exit(1);
}

function nodeDir() {
  const candidates = [
    process.env.CONFAI_NODEDIR,
    path.resolve(process.execPath, '..', '..'), // the prefix node runs from
    '/usr',
    '/usr/local',
  ].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) &&
        fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) {
      return dir;
    }
  }
  return fail(`no Node headers (include/node/node_api.h, common.gypi) in ${candidates.join(', ')}; ` +
    'install the ones of this Node (Debian: nodejs with libnode-dev) or set CONFAI_NODEDIR');
}

// npm runs install scripts with npm_config_node_gyp naming its own
// node-gyp; a development checkout has node-gyp among its devDependencies.
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => { try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { return null; } })(),
    path.resolve(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  return found || fail(`node-gyp not found (npm_config_node_gyp, the package's devDependencies, npm's own)`);
}

function pkgConfig(...args) {
  return spawnSync('pkg-config', args, { encoding: 'utf8' });
}

const env = { ...process.env };
const gypArgs = [];
if (process.env.CONFAI_BUILD_DIR) {
  const pc = path.resolve(process.env.CONFAI_BUILD_DIR, 'pkgconfig');
  if (!fs.existsSync(path.join(pc, 'confai-uninstalled.pc'))) {
    fail(`${pc}/confai-uninstalled.pc not found: is CONFAI_BUILD_DIR a configured meson build?`);
  }
  env.PKG_CONFIG_PATH = [pc, process.env.PKG_CONFIG_PATH].filter(Boolean).join(path.delimiter);
  gypArgs.push('-Dconfai_library=meson');
} else {
  if (inRepository()) {
    vendor();
  }
  if (!fs.existsSync(path.join(vendored, 'include', 'confai', 'confai.h'))) {
    fail(`${vendored} is missing: run \`npm pack\` (prepack copies the C sources) or build inside the libconfai repository`);
  }
  const r = pkgConfig('--exists', '--print-errors', 'libcrypto >= 3.0.0', 'libcurl >= 7.85.0', 'libcjson');
  if (r.error || r.status !== 0) {
    fail('the addon needs OpenSSL >= 3.0, libcurl >= 7.85 and cJSON with pkg-config ' +
      '(Debian: apt-get install pkg-config libssl-dev libcurl4-openssl-dev libcjson-dev)\n' +
      (r.error ? r.error.message : r.stderr));
  }
}
if (process.argv.includes('--tests')) {
  gypArgs.push('-Dconfai_tests=1');
}
const args = [nodeGyp(), 'rebuild', `--nodedir=${nodeDir()}`, '--jobs=2'];
if (gypArgs.length > 0) {
  args.push('--', ...gypArgs);
}
const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
if (r.status !== 0) {
  process.exit(r.status === null ? 1 : r.status);
}

#!/usr/bin/env node
// Builds the addon with node-gyp against the Node headers installed on this
// machine (--nodedir: nothing is downloaded) and libconfai found with
// pkg-config; CONFAI_BUILD_DIR selects a meson build tree that is not
// installed. --tests also builds the conformance runner's test support.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

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
  throw new Error(`no Node headers (include/node/node_api.h, common.gypi) in ${candidates.join(', ')}`);
}

const env = { ...process.env };
if (process.env.CONFAI_BUILD_DIR) {
  const pc = path.resolve(process.env.CONFAI_BUILD_DIR, 'pkgconfig');
  if (!fs.existsSync(path.join(pc, 'confai-uninstalled.pc'))) {
    throw new Error(`${pc}/confai-uninstalled.pc not found: is CONFAI_BUILD_DIR a configured meson build?`);
  }
  env.PKG_CONFIG_PATH = [pc, process.env.PKG_CONFIG_PATH].filter(Boolean).join(path.delimiter);
}
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild', `--nodedir=${nodeDir()}`, '--jobs=2'];
if (process.argv.includes('--tests')) {
  args.push('--', '-Dconfai_tests=1');
}
const root = path.resolve(__dirname, '..');
const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
if (r.status !== 0) {
  process.exit(r.status === null ? 1 : r.status);
}

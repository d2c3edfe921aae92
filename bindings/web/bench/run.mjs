// WebAssembly against native in one run: tests/bench/bench_web.c built into
// a benchmark build of confai.wasm (tests/build-wasm.sh --bench) and
// natively (meson's bench_web), the same cases with the same inputs; prints
// both, their ratios, and the size of dist/confai.wasm raw and gzipped.
//
//   node bench/run.mjs BENCH_WASM NATIVE_EXE [SECONDS]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wasm } from '../src/wasm.js';

const [benchWasm, nativeExe, secondsArg] = process.argv.slice(2);
if (!benchWasm || !nativeExe) {
  console.error('usage: node bench/run.mjs BENCH_WASM NATIVE_EXE [SECONDS]');
  process.exit(2);
}
const seconds = Number(secondsArg || 1.5);
const here = path.dirname(fileURLToPath(import.meta.url));
const conformance = path.resolve(here, '../../../tests/conformance');
const manifest = JSON.parse(fs.readFileSync(path.join(conformance, 'manifest.json'), 'utf8'));
const c = manifest.cases.find((k) => k.name === 'bundle-accepted');
const policyFile = path.join(conformance, c.files.policy);
const bundleFile = path.join(conformance, c.files.bundle);
const NAMES = ['hpke-seal-1k', 'open-16k-chunks', 'snp-cold', 'snp-warm'];

// WebAssembly: the package's own loader and imports.
const w = await Wasm.instantiate(await WebAssembly.compile(fs.readFileSync(benchWasm)));
const policy = fs.readFileSync(policyFile);
const bundle = fs.readFileSync(bundleFile);
const nonce = Buffer.from(c.nonce, 'hex');
if (w.x.bench_web_setup(w.copyIn(policy), policy.length, w.copyIn(bundle), bundle.length,
  w.copyIn(nonce), BigInt(c.verify_time)) !== 0) {
  throw new Error('bench_web_setup failed in WebAssembly');
}
const wasm = {};
for (let i = 0; i < NAMES.length; i++) {
  const rate = w.x.bench_web_run(i, seconds);
  if (rate < 0) throw new Error(`${NAMES[i]} failed in WebAssembly`);
  wasm[NAMES[i]] = rate;
}

// Native: the same program, same inputs, in this run.
const native = {};
const out = execFileSync(nativeExe, [policyFile, bundleFile, c.nonce, String(c.verify_time), String(seconds)], { encoding: 'utf8' });
for (const line of out.trim().split('\n')) {
  const [name, value] = line.split(' ');
  native[name] = Number(value);
}

const fmt = (name, v) => (name === 'open-16k-chunks' ? `${(v / 2 ** 20).toFixed(1)} MiB/s` : `${v.toFixed(0)} ops/s`);
console.log('case               native            WebAssembly       wasm/native');
for (const name of NAMES) {
  console.log(`${name.padEnd(18)} ${fmt(name, native[name]).padEnd(17)} ${fmt(name, wasm[name]).padEnd(17)} ${(wasm[name] / native[name]).toFixed(2)}`);
}
const integrity = JSON.parse(fs.readFileSync(path.resolve(here, '../dist/integrity.json'), 'utf8'));
console.log(`confai.wasm: ${integrity.size} bytes, ${integrity.gzip_size} gzipped (gzip -9)`);

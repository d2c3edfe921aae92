// The conformance fixtures (tests/conformance, see its README) in the
// WebAssembly build: every case must reach exactly the status the C runner
// reaches, and on success the same plaintext and verdict.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWasm } from '../index.js';

const DIR = process.env.CONFAI_CONFORMANCE_DIR ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tests/conformance');
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8'));
const file = (rel) => new Uint8Array(fs.readFileSync(path.join(DIR, rel)));
const w = await loadWasm();
const x = w.x;
const FLAGS = { lenient_bundle: 1 };

// Runs the case's steps; returns [status name, result]. The first failing
// call decides the status.
class Stop extends Error {
  constructor(status) { super(status); this.statusName = status; }
}

function run(c) {
  const frees = [];
  const ok = (status) => {
    if (status !== 0) throw new Stop(w.string(x.confai_status_name(status)));
  };
  const alloc = (bytes) => { const p = w.copyIn(bytes); frees.push(() => x.free(p)); return p; };
  const slot = () => { const p = w.slot(); frees.push(() => x.free(p)); return p; };
  try {
    const policy = () => {
      const bytes = file(c.files.policy);
      const out = slot();
      ok(x.confai_policy_new(out, alloc(bytes), bytes.length, 0));
      const p = w.u32(out);
      frees.push(() => x.confai_policy_free(p));
      return p;
    };
    // The gateway's one configuration from its private key.
    const configs = () => {
      const key = file(c.files.gateway_key);
      const out = slot();
      ok(x.confai_hpke_key_import(out, c.gateway.kem_id, alloc(key), key.length, 0));
      const k = w.u32(out);
      frees.push(() => x.confai_hpke_key_free(k));
      const algs = c.gateway.algorithms;
      const pa = w.malloc(4 * algs.length);
      frees.push(() => x.free(pa));
      algs.forEach((a, i) => { w.dv.setUint16(pa + 4 * i, a.kdf_id, true); w.dv.setUint16(pa + 4 * i + 2, a.aead_id, true); });
      ok(x.confai_key_config_new(out, k, c.gateway.key_id, pa, algs.length, 0));
      const cfg = w.u32(out);
      frees.push(() => x.confai_key_config_free(cfg));
      const list = slot();
      w.setU32(list, cfg);
      return list;
    };
    const collector = () => {
      const col = x.confai_web_chunks_new();
      frees.push(() => x.confai_web_chunks_free(col));
      return col;
    };
    const collected = (col) => {
      const len = slot();
      const p = x.confai_web_chunks_data(col, len);
      return { plaintext: w.bytesOut(p, w.u32(len)), final: x.confai_web_chunks_state(col) === 1 };
    };
    switch (c.kind) {
      case 'policy':
        policy();
        return ['CONFAI_OK', {}];
      case 'bundle': {
        const p = policy();
        const bundle = file(c.files.bundle);
        const nonce = Uint8Array.from(Buffer.from(c.nonce, 'hex'));
        let flags = 0;
        for (const f of c.flags || []) {
          if (!(f in FLAGS)) throw new Error(`unknown flag ${f}`);
          flags |= FLAGS[f];
        }
        const out = slot();
        ok(x.confai_web_verify(out, p, 0, flags, BigInt(c.verify_time || 0), alloc(nonce), alloc(bundle), bundle.length, 0));
        const v = w.u32(out);
        frees.push(() => x.confai_verdict_free(v));
        const pj = slot();
        ok(x.confai_verdict_json(v, pj, 0, 0));
        const json = JSON.parse(w.string(w.u32(pj)));
        x.confai_free(w.u32(pj));
        return ['CONFAI_OK', { verdict: json }];
      }
      case 'sealed-request': {
        const list = configs();
        const request = file(c.files.request);
        const out = slot();
        if (c.mode === 'whole') {
          const plain = w.malloc(request.length);
          frees.push(() => x.free(plain));
          const plainLen = w.slot(request.length);
          frees.push(() => x.free(plainLen));
          ok(x.confai_ohttp_gateway_open_request(out, plain, plainLen, list, 1, alloc(request), request.length, 0));
          x.confai_ohttp_gateway_free(w.u32(out));
          return ['CONFAI_OK', { plaintext: w.bytesOut(plain, w.u32(plainLen)), final: true }];
        }
        if (c.mode !== 'chunked') throw new Error(`unknown mode ${c.mode}`);
        const col = collector();
        ok(x.confai_ohttp_gateway_new_chunked(out, list, 1, x.confai_web_chunks_fn(), col, 0));
        const g = w.u32(out);
        frees.push(() => x.confai_ohttp_gateway_free(g));
        ok(x.confai_ohttp_gateway_feed_request(g, alloc(request), request.length, 0));
        ok(x.confai_ohttp_gateway_finish_request(g, 0));
        return ['CONFAI_OK', collected(col)];
      }
      case 'sealed-response': {
        const list = configs();
        const request = file(c.files.request);
        const response = file(c.files.response);
        const out = slot();
        const chunked = c.mode === 'chunked';
        if (!chunked && c.mode !== 'whole') throw new Error(`unknown mode ${c.mode}`);
        const col = collector();
        ok(x.confai_ohttp_client_from_request(out, list, 1, alloc(request), request.length, chunked ? 1 : 0,
          chunked ? x.confai_web_chunks_fn() : 0, chunked ? col : 0, 0));
        const cl = w.u32(out);
        frees.push(() => x.confai_ohttp_client_free(cl));
        if (!chunked) {
          const plain = w.malloc(response.length);
          frees.push(() => x.free(plain));
          const plainLen = w.slot(response.length);
          frees.push(() => x.free(plainLen));
          ok(x.confai_ohttp_client_open_response(cl, plain, plainLen, alloc(response), response.length, 0));
          return ['CONFAI_OK', { plaintext: w.bytesOut(plain, w.u32(plainLen)), final: true }];
        }
        ok(x.confai_ohttp_client_feed_response(cl, alloc(response), response.length, 0));
        ok(x.confai_ohttp_client_finish_response(cl, 0));
        return ['CONFAI_OK', collected(col)];
      }
      default:
        throw new Error(`unknown kind ${c.kind}`);
    }
  } catch (e) {
    if (e instanceof Stop) return [e.statusName, null];
    throw e;
  } finally {
    for (const f of frees.reverse()) f();
  }
}

test('the manifest has cases', () => {
  assert.ok(manifest.cases.length >= 40, `${manifest.cases.length} cases`);
});

for (const c of manifest.cases) {
  test(`${c.kind}: ${c.name}`, () => {
    const [status, result] = run(c);
    assert.equal(status, c.expected, c.description);
    if (status !== 'CONFAI_OK') return;
    if (c.files.verdict) {
      assert.deepEqual(result.verdict, JSON.parse(fs.readFileSync(path.join(DIR, c.files.verdict), 'utf8')));
    }
    if (c.files.plaintext) {
      assert.deepEqual(result.plaintext, file(c.files.plaintext));
      assert.ok(result.final, 'the last chunk was the final one');
    }
  });
}

// request-shape.json: the one request-shaping rule, through the package's
// own path (Client's shaping is confai_http_request_shape, then the
// known-length encoding); the bytes must be the fixture's.
const shapes = JSON.parse(fs.readFileSync(path.join(DIR, 'request-shape.json'), 'utf8'));
test('request-shape.json has cases', () => {
  assert.ok(shapes.cases.length >= 4, `${shapes.cases.length} cases`);
});
for (const c of shapes.cases) {
  test(`request-shape: ${c.name}`, () => {
    const inner = w.shapeRequest({ method: c.method, path: c.path, headers: c.headers, body: c.body });
    assert.equal(inner.streamed, c.streamed, c.description);
    assert.equal(Buffer.from(inner.bytes).toString('hex'), c.inner, c.description);
  });
}

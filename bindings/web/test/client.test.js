// The web package in Node against confai-gateway --sim-snp: attestation,
// sealed requests (whole and streamed), the official openai client through
// createFetch, and every way the answer can be refused.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { OpenAI } from 'openai';
import { Client, ConfaiError, createFetch, loadWasm, OPENAI_BASE_URL } from '../index.js';
import { startGateway, SKIP } from './support/gateway.js';

const DIST = new URL('../dist/', import.meta.url);
const integrity = JSON.parse(fs.readFileSync(new URL('integrity.json', DIST), 'utf8'));
const PARAMS = { model: 'confai-demo', messages: [{ role: 'user', content: 'Say something about attestation.' }] };

async function client(t, g, options = {}) {
  const c = await Client.create(g.base, { policy: g.policy, ...options });
  t.after(() => c.close());
  return c;
}

function openai(g, c) {
  return new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused', fetch: createFetch(c), maxRetries: 0 });
}

function isStatus(status) {
  return (e) => {
    const cause = e instanceof ConfaiError ? e : e.cause;
    assert.ok(cause instanceof ConfaiError, `${e} (cause ${e.cause})`);
    assert.equal(cause.status, status, String(cause));
    return true;
  };
}

test('integrity.json names the SHA-256 of confai.wasm', async () => {
  const bytes = fs.readFileSync(new URL('confai.wasm', DIST));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  assert.equal(integrity.sha256, Buffer.from(digest).toString('hex'));
  assert.equal(integrity.integrity, `sha256-${Buffer.from(digest).toString('base64')}`);
  assert.equal(integrity.size, bytes.length);
  await loadWasm({ wasm: bytes, integrity: integrity.integrity });
});

test('a module with another digest is refused before it runs', async () => {
  const bytes = new Uint8Array(fs.readFileSync(new URL('confai.wasm', DIST)));
  bytes[bytes.length - 1] ^= 1;
  await assert.rejects(loadWasm({ wasm: bytes, integrity: integrity.integrity }), /integrity mismatch/);
});

test('attestation gives the verdict of the simulated platform', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = await client(t, g);
  const v = await c.attest();
  assert.equal(v.platform, 'sev-snp');
  assert.equal(v.json.result, 'accepted');
  assert.match(v.measurement, /^[0-9a-f]{96}$/);
  assert.equal(v.rootKind, 'custom');
  assert.match(v.rootWarning, /NOT an AMD root/);
  assert.ok(v.expiry.getTime() > Date.now());
  assert.equal(await c.attest(), v, 'the lease is kept');
  assert.notEqual(await c.attest({ force: true }), v);
});

test('a policy with another measurement refuses the service', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const policy = JSON.parse(g.policy);
  const measurement = JSON.stringify(policy).match(/"([0-9a-f]{96})"/)[1];
  const other = JSON.stringify(policy).replaceAll(measurement, '0'.repeat(96));
  const c = await client(t, { ...g, policy: other });
  await assert.rejects(c.attest(), isStatus('CONFAI_E_POLICY_MEASUREMENT'));
  await assert.rejects(c.request({ method: 'GET', path: '/v1/models' }), isStatus('CONFAI_E_POLICY_MEASUREMENT'));
});

test('an invalid policy is refused', async () => {
  const w = await loadWasm();
  assert.throws(() => new Client(w, 'http://127.0.0.1:1', { policy: '{"version": 1' }), isStatus('CONFAI_E_POLICY_INVALID'));
});

test('evidence for another nonce is refused', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  let first = null;
  // A replaying middlebox: the first evidence again for every later nonce.
  const replay = async (url, init) => {
    if (String(url).endsWith('/v1/attestation') && first) {
      return new Response(first, { status: 200, headers: { 'content-type': 'application/confai-evidence+json' } });
    }
    const r = await fetch(url, init);
    if (String(url).endsWith('/v1/attestation')) {
      first = new Uint8Array(await r.arrayBuffer());
      return new Response(first, { status: r.status, headers: r.headers });
    }
    return r;
  };
  const c = await client(t, g, { fetch: replay });
  await c.attest();
  await assert.rejects(c.attest({ force: true }), isStatus('CONFAI_E_NONCE_MISMATCH'));
});

test('an answer that is not sealed is refused', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const plain = async (url, init) => {
    if (String(url).endsWith('/v1/sealed')) {
      return new Response('{"choices":[{"message":{"content":"injected"}}]}', { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return fetch(url, init);
  };
  const c = await client(t, g, { fetch: plain });
  await assert.rejects(openai(g, c).chat.completions.create(PARAMS), isStatus('CONFAI_E_NOT_SEALED'));
  await assert.rejects(openai(g, c).chat.completions.create({ ...PARAMS, stream: true }), isStatus('CONFAI_E_NOT_SEALED'));
});

test('chat completion, models and embeddings through the openai client', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const sdk = openai(g, await client(t, g));
  const completion = await sdk.chat.completions.create(PARAMS);
  assert.equal(completion.model, 'confai-demo');
  assert.match(completion.choices[0].message.content, /Say something about attestation\./);
  const models = await sdk.models.list();
  assert.ok(models.data.some((m) => m.id === 'confai-demo'));
  const emb = await sdk.embeddings.create({ model: 'confai-demo', input: ['a', 'b'] });
  assert.equal(emb.data.length, 2);
});

test('streamed chat completion through the openai client', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const stream = await openai(g, await client(t, g)).chat.completions.create({ ...PARAMS, stream: true });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    chunks++;
  }
  assert.ok(chunks >= 2, `${chunks} chunks`);
  assert.match(text, /Say something about attestation\./);
});

test('Client.request streams the opened content as an async iterator', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = await client(t, g);
  const answer = await c.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: [['content-type', 'application/json'], ['user-agent', 'dropped']],
    body: JSON.stringify({ ...PARAMS, stream: true }),
  });
  assert.equal(answer.status, 200);
  assert.ok(answer.headers.some(([n, v]) => n === 'content-type' && v.startsWith('text/event-stream')));
  let text = '';
  let pieces = 0;
  for await (const piece of answer) { text += new TextDecoder().decode(piece); pieces++; }
  assert.ok(pieces >= 2);
  assert.match(text, /data: \[DONE\]/);
});

test('a rotated key costs one new attestation, for whole and streamed requests', { skip: SKIP }, async (t) => {
  const g = await startGateway(t, '--allow-rotate');
  let attestations = 0;
  const counting = (url, init) => {
    if (String(url).endsWith('/v1/attestation')) attestations++;
    return fetch(url, init);
  };
  const c = await client(t, g, { fetch: counting });
  const sdk = openai(g, c);
  const rotate = async () => {
    const r = await fetch(`${g.base}/v1/admin/rotate`, { method: 'POST' });
    assert.equal(r.status, 200);
  };
  await sdk.models.list();
  assert.equal(attestations, 1);
  await rotate();
  assert.match((await sdk.chat.completions.create(PARAMS)).choices[0].message.content, /attestation/);
  assert.equal(attestations, 2);
  await rotate();
  let text = '';
  for await (const chunk of await sdk.chat.completions.create({ ...PARAMS, stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.match(text, /attestation/);
  assert.equal(attestations, 3);
  await sdk.models.list();
  assert.equal(attestations, 3, 'the renewed lease serves the next request');
});

const TAMPER = {
  'flip-byte': 'CONFAI_E_DECRYPT',
  truncate: 'CONFAI_E_STREAM_TRUNCATED',
  'drop-chunk': 'CONFAI_E_CHUNK_REORDERED',
  'duplicate-chunk': 'CONFAI_E_CHUNK_REPLAYED',
};
for (const [mode, status] of Object.entries(TAMPER)) {
  test(`a tampered stream is an error and shows no injected text: ${mode}`, { skip: SKIP }, async (t) => {
    const g = await startGateway(t, '--tamper', mode);
    const sdk = openai(g, await client(t, g));
    let text = '';
    await assert.rejects(async () => {
      const stream = await sdk.chat.completions.create({ ...PARAMS, stream: true });
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }, isStatus(status));
    // Whatever came out before the error was authenticated: a prefix of the answer.
    assert.ok(!text.includes('[DONE]'));
  });
}

test('a tampered whole answer is refused', { skip: SKIP }, async (t) => {
  const g = await startGateway(t, '--tamper', 'flip-byte');
  await assert.rejects(openai(g, await client(t, g)).chat.completions.create(PARAMS), isStatus('CONFAI_E_DECRYPT'));
});

test('createFetch serves the sentinel and the service origin, and refuses any other', async (t) => {
  const g = await startGateway(t);
  if (g === SKIP) return;
  const c = await client(t, g);
  assert.equal(OPENAI_BASE_URL, 'http://confai.invalid/v1');
  assert.equal(c.baseURL, g.base);
  // the service's own origin works as a base URL too
  const direct = new OpenAI({ baseURL: `${g.base}/v1`, apiKey: 'unused', fetch: createFetch(c), maxRetries: 0 });
  const models = await direct.models.list();
  assert.ok(models.data.length > 0);
  const f = createFetch(c);
  for (const url of ['https://api.openai.com/v1/models', 'https://confai.invalid/v1/models',
                     'http://confai.invalid.example/v1/models']) {
    await assert.rejects(f(url), isStatus('CONFAI_E_ARGUMENT'), url);
  }
});

test('an OpenAI client that bypasses createFetch cannot reach anything with the sentinel', async () => {
  const plain = new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused', maxRetries: 0 });
  await assert.rejects(plain.chat.completions.create(PARAMS), (e) => e instanceof Error);
});

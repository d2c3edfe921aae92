'use strict';
// Loops of sealed requests (attested once, each request sealed and its
// answer opened; every tenth one streamed) must not grow the process:
// CONFAI_MEMORY_REQUESTS requests (default 300; the figures in
// doc/performance.md are for 10000) after a warm-up of 1000 (the addon's
// thread pool, libcurl and V8's compiled code settle within the first few
// thousand requests; after that RSS stays flat), RSS compared
// after full garbage collections, once through the binding's own API and
// once through createFetch.
//
// Run with node --expose-gc --max-semi-space-size=1: by design V8 grows its
// young generation (heapTotal, and so RSS) in steps up to tens of MiB under
// a high allocation rate, with or without this binding (Node's own Request
// and Response do it alone); capped, RSS shows what is really kept.
const test = require('node:test');
const assert = require('node:assert/strict');
const confai = require('..');
const { startGateway, client, SKIP } = require('./support/gateway');

const COUNT = Number(process.env.CONFAI_MEMORY_REQUESTS || 300);
const NEEDS_FLAGS = (typeof global.gc !== 'function' ||
  !process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) &&
  'needs node --expose-gc --max-semi-space-size=1 (npm run test:memory)';
const CHAT = { model: 'confai-demo', messages: [{ role: 'user', content: 'Say something about attestation.' }] };

function rssKiB() {
  for (let i = 0; i < 3; i++) {
    global.gc();
  }
  return Math.round(process.memoryUsage().rss / 1024);
}

function signed(n) {
  return `${n >= 0 ? '+' : ''}${n}`;
}

// Runs one() 1000 times, then COUNT times, and checks RSS.
async function measure(t, label, one, { total, secondHalf }) {
  assert.ok(Number.isInteger(COUNT) && COUNT > 0, `CONFAI_MEMORY_REQUESTS=${process.env.CONFAI_MEMORY_REQUESTS}`);
  for (let i = 0; i < 1000; i++) {
    await one(i);
  }
  const before = rssKiB();
  const start = process.hrtime.bigint();
  for (let i = 0; i < Math.floor(COUNT / 2); i++) {
    await one(i);
  }
  const half = rssKiB();
  for (let i = Math.floor(COUNT / 2); i < COUNT; i++) {
    await one(i);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const after = rssKiB();
  t.diagnostic(`Node ${label}: ${COUNT} sealed requests: RSS ${before} KiB before, ${half} KiB halfway, ` +
    `${after} KiB after (${signed(after - before)} KiB; second half ${signed(after - half)} KiB); ` +
    `${Math.round(COUNT / seconds)} requests/s`);
  // A leak grows with the count; allocator caches do not.
  assert.ok(after - before <= total, `RSS grew by ${after - before} KiB`);
  assert.ok(after - half <= secondHalf, `RSS grew by ${after - half} KiB in the second half`);
}

test(`RSS over ${COUNT} sealed requests, binding API`, { skip: SKIP || NEEDS_FLAGS }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  const request = (stream) => ({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: [['content-type', 'application/json']],
    body: JSON.stringify(stream ? { ...CHAT, stream: true } : CHAT),
  });
  await measure(t, 'Client.fetch/stream', async (i) => {
    if (i % 10 === 9) {
      const s = await c.stream(request(true));
      let n = 0;
      for await (const chunk of s) {
        n += chunk.length;
      }
      assert.ok(n > 0);
    } else {
      const r = await c.fetch(request(false));
      assert.equal(r.status, 200);
    }
  }, { total: 8 * 1024, secondHalf: 4 * 1024 });
});

test(`RSS over ${COUNT} sealed requests, createFetch`, { skip: SKIP || NEEDS_FLAGS }, async (t) => {
  const g = await startGateway(t);
  const fetch = confai.createFetch(client(t, g));
  await measure(t, 'createFetch', async (i) => {
    const r = await fetch(`${g.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(i % 10 === 9 ? { ...CHAT, stream: true } : CHAT),
    });
    const bytes = await r.arrayBuffer();
    assert.equal(r.status, 200);
    assert.ok(bytes.byteLength > 0);
  }, { total: 8 * 1024, secondHalf: 4 * 1024 });
});

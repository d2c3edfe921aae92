'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const confai = require('..');
const { startGateway, client, SKIP } = require('./support/gateway');

const CHAT = { model: 'confai-demo', messages: [{ role: 'user', content: 'Say something about attestation.' }] };

function chatRequest(g, stream) {
  return {
    method: 'POST',
    scheme: 'http',
    authority: new URL(g.base).host,
    path: '/v1/chat/completions',
    headers: [['content-type', 'application/json'], ['authorization', 'Bearer sealed-along']],
    body: JSON.stringify(stream ? { ...CHAT, stream: true } : CHAT),
  };
}

test('attest and lease', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  const v = await c.attest();
  assert.equal(v.platform, 'sev-snp');
  assert.equal(v.rootKind, 'custom');
  const lease = await c.verdict();
  assert.deepEqual(lease.keyConfigDigest, v.keyConfigDigest);
});

test('fetch a whole completion', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  const r = await c.fetch(chatRequest(g, false));
  assert.equal(r.status, 200, r.body.toString());
  const completion = JSON.parse(r.body.toString());
  assert.ok(completion.choices[0].message.content.length > 0);
  assert.ok(r.headers.some(([n, v]) => n === 'content-type' && v.includes('json')));
  const missing = await c.fetch({ method: 'GET', path: '/v1/no-such-thing' });
  assert.equal(missing.status, 404);
});

test('stream a completion as an async iterator', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  const s = await c.stream(chatRequest(g, true));
  assert.equal(s.status, 200);
  assert.ok(s.headers.some(([n, v]) => n === 'content-type' && v.includes('event-stream')));
  const parts = [];
  for await (const chunk of s) {
    parts.push(chunk);
  }
  assert.match(Buffer.concat(parts).toString(), /data: \[DONE\]/);
  await assert.rejects(s.read(), { code: 'CONFAI_E_ARGUMENT' });
});

test('cancelling a stream fails its read', { skip: SKIP }, async (t) => {
  const g = await startGateway(t, '--token-delay', '200');
  const c = client(t, g);
  const s = await c.stream(chatRequest(g, true));
  s.cancel();
  await assert.rejects(async () => {
    for (;;) {
      if (await s.read() === null) break;
    }
  }, (e) => e instanceof confai.TransportError && e.code === 'CONFAI_E_CANCELLED');
  s.close();
});

test('chat deltas', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  const deltas = [];
  for await (const d of c.chat(CHAT)) {
    deltas.push(d);
  }
  assert.ok(deltas.length >= 2);
  assert.equal(await c.chatText(CHAT), deltas.join(''));
  // Leaving the loop early stops the chat.
  for await (const d of c.chat(CHAT)) {
    assert.ok(d.length > 0);
    break;
  }
  await assert.rejects(c.chatText('[1]'), confai.ArgumentError);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(c.chatText(CHAT, { signal: ac.signal }), /stop/);
});

test('transport errors and closed clients', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = new confai.Client('http://127.0.0.1:1', g.policy, { attestRetries: 0 });
  await assert.rejects(c.attest(), confai.TransportError);
  c.close();
  await assert.rejects(c.attest(), { code: 'CONFAI_E_ARGUMENT' });
  assert.throws(() => new confai.Client('not a url', g.policy), confai.ArgumentError);
});

for (const mode of ['flip-byte', 'truncate', 'drop-chunk', 'duplicate-chunk']) {
  test(`tampered responses are errors: ${mode}`, { skip: SKIP }, async (t) => {
    const g = await startGateway(t, '--tamper', mode);
    const c = client(t, g);
    await c.attest();
    if (mode === 'flip-byte' || mode === 'truncate') {
      await assert.rejects(c.fetch(chatRequest(g, false)), (e) => e instanceof confai.CryptoError || e instanceof confai.ParseError);
    }
    await assert.rejects(async () => {
      const s = await c.stream(chatRequest(g, true));
      for await (const chunk of s) {
        assert.ok(chunk.length > 0);
      }
    }, (e) => e instanceof confai.CryptoError);
    await assert.rejects(c.chatText(CHAT), confai.ConfaiError);
  });
}

// A reader that stops at "data: [DONE]" still sees a stream cut off after
// it: the library hands on [DONE] only once the stream ended authenticated.
for (const tampered of [false, true]) {
  test(`createFetch holds [DONE] until the end (tampered: ${tampered})`, { skip: SKIP }, async (t) => {
    const g = await startGateway(t, '--token-delay', '20', ...(tampered ? ['--tamper', 'truncate'] : []));
    const fetch = confai.createFetch(client(t, g));
    let text = '';
    // The error may come with the head (the gateway sent everything at
    // once) or while reading; [DONE] never comes before it.
    const readUntilDone = async () => {
      const r = await fetch(`${g.base}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, stream: true }),
      });
      const failure = r.headers.get('confai-error');
      if (failure !== null) {
        // The library failed before the head opened: the fetch's own 502.
        assert.equal(r.status, 502);
        const { error } = await r.json();
        assert.equal(error.code, failure);
        assert.ok(error.message.startsWith(`${failure}: `), error.message);
        throw Object.assign(new Error(error.message), { code: failure });
      }
      const reader = r.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        text += Buffer.from(value).toString();
        if (/^data: \[DONE\]$/m.test(text)) {
          await reader.cancel();
          return true;
        }
      }
    };
    if (tampered) {
      const cryptoCodes = [...Array(1000).keys()].filter((st) => confai.statusGroup(st) === 'crypto').map(confai.statusName);
      await assert.rejects(readUntilDone(), (e) => {
        assert.ok(e instanceof confai.CryptoError || cryptoCodes.includes(e.code), `${e}`);
        return true;
      });
      assert.doesNotMatch(text, /\[DONE\]/);
    } else {
      assert.equal(await readUntilDone(), true);
    }
  });
}

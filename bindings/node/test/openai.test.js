'use strict';
// The official openai npm package, unchanged, with the binding's fetch:
// every request it makes is sealed to the attested gateway.
const test = require('node:test');
const assert = require('node:assert/strict');
const { OpenAI } = require('openai');
const confai = require('..');
const { startGateway, client, SKIP } = require('./support/gateway');

const PARAMS = { model: 'confai-demo', messages: [{ role: 'user', content: 'Say something about attestation.' }] };

function openai(g, c) {
  return new OpenAI({ baseURL: `${g.base}/v1`, apiKey: 'unused', fetch: confai.createFetch(c), maxRetries: 0 });
}

test('chat completion', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const completion = await openai(g, client(t, g)).chat.completions.create(PARAMS);
  assert.equal(completion.model, 'confai-demo');
  assert.ok(completion.choices[0].message.content.length > 0);
});

test('streamed chat completion', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const stream = await openai(g, client(t, g)).chat.completions.create({ ...PARAMS, stream: true });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    chunks++;
  }
  assert.ok(chunks >= 2);
  assert.ok(text.trim().length > 0);
});

test('an aborted streamed completion stops', { skip: SKIP }, async (t) => {
  const g = await startGateway(t, '--token-delay', '200');
  const ac = new AbortController();
  const stream = await openai(g, client(t, g)).chat.completions.create({ ...PARAMS, stream: true }, { signal: ac.signal });
  // The SDK ends the iteration quietly on an abort, without waiting for
  // the rest of the stream (about 25 tokens, one every 200 ms); what it had
  // buffered before the abort may still come out.
  let chunks = 0;
  for await (const chunk of stream) {
    assert.ok(chunk);
    chunks++;
    ac.abort();
  }
  assert.ok(chunks < 10, `${chunks} chunks after the abort`);
});

for (const mode of ['flip-byte', 'truncate', 'drop-chunk', 'duplicate-chunk']) {
  test(`tampered stream is an error in the SDK: ${mode}`, { skip: SKIP }, async (t) => {
    const g = await startGateway(t, '--tamper', mode);
    const sdk = openai(g, client(t, g));
    await assert.rejects(async () => {
      const stream = await sdk.chat.completions.create({ ...PARAMS, stream: true });
      for await (const chunk of stream) {
        assert.ok(chunk);
      }
    }, (e) => {
      const cause = e instanceof confai.ConfaiError ? e : e.cause;
      assert.ok(cause instanceof confai.CryptoError, `${e} (cause ${e.cause})`);
      return true;
    });
    if (mode === 'flip-byte' || mode === 'truncate') {
      await assert.rejects(sdk.chat.completions.create(PARAMS), (e) => {
        const cause = e instanceof confai.ConfaiError ? e : e.cause;
        assert.ok(cause instanceof confai.ConfaiError, `${e} (cause ${e.cause})`);
        return true;
      });
    }
  });
}

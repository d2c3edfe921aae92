'use strict';
// The official openai npm package, unchanged, with the binding's fetch:
// every request it makes is sealed to the attested gateway.
const test = require('node:test');
const assert = require('node:assert/strict');
const dns = require('node:dns');
const { OpenAI } = require('openai');
const confai = require('..');
const { startGateway, client, SKIP } = require('./support/gateway');

const PARAMS = { model: 'confai-demo', messages: [{ role: 'user', content: 'Say something about attestation.' }] };

// The documented way: the sentinel base URL, the confai fetch, and the
// SDK's own retries left as they are (a library failure is never retried).
function openai(g, c) {
  return new OpenAI({ baseURL: confai.OPENAI_BASE_URL, apiKey: 'unused', fetch: confai.createFetch(c) });
}

// The status names of the groups given.
function codesOf(...groups) {
  return [...Array(1000).keys()].filter((s) => groups.includes(confai.statusGroup(s))).map((s) => confai.statusName(s));
}
const CRYPTO_CODES = codesOf('crypto');
const PARSE_CODES = codesOf('parse');

// An error the SDK raises for a library failure: its message carries the
// status name and the library's reason.
function assertConfaiMessage(e, codes) {
  assert.match(e.message, /CONFAI_E_[A-Z_]+: \S/, `${e.constructor.name}: ${e.message}`);
  const code = /(CONFAI_E_[A-Z_]+): /.exec(e.message)[1];
  assert.ok(codes.includes(code), `${code} is not one of ${codes.join(', ')}: ${e.message}`);
  return code;
}

test('the sentinel base URL is on the reserved .invalid domain and does not resolve', async () => {
  const url = new URL(confai.OPENAI_BASE_URL);
  assert.equal(url.hostname, 'confai.invalid');
  assert.equal(url.pathname, '/v1');
  await assert.rejects(dns.promises.lookup(url.hostname));
});

test('an OpenAI client without the confai fetch fails at the sentinel', async () => {
  const plain = new OpenAI({ baseURL: confai.OPENAI_BASE_URL, apiKey: 'unused', maxRetries: 0 });
  await assert.rejects(plain.models.list(), (e) => {
    assert.ok(e instanceof OpenAI.APIConnectionError, `${e}`);
    return true;
  });
});

test('the base URL of the client itself also reaches the service', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const sdk = new OpenAI({ baseURL: `${g.base}/v1`, apiKey: 'unused', fetch: confai.createFetch(client(t, g)) });
  const completion = await sdk.chat.completions.create(PARAMS);
  assert.equal(completion.model, 'confai-demo');
});

test('a request for another origin is refused before anything is sent', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const c = client(t, g);
  for (const baseURL of ['https://api.openai.com/v1', 'http://confai.invalid.example/v1', 'https://confai.invalid/v1']) {
    const sdk = new OpenAI({ baseURL, apiKey: 'unused', fetch: confai.createFetch(c) });
    await assert.rejects(sdk.models.list(), (e) => {
      assert.ok(e instanceof OpenAI.InternalServerError, `${e}`);
      assert.equal(e.status, 502);
      assert.equal(e.headers.get('confai-error'), 'CONFAI_E_ARGUMENT');
      assertConfaiMessage(e, ['CONFAI_E_ARGUMENT']);
      assert.match(e.message, /not for the attested service/);
      return true;
    });
  }
  // Nothing was attested: no request went anywhere.
  const fetch = confai.createFetch(c);
  const r = await fetch('http://example.com/v1/models');
  assert.equal(r.status, 502);
  assert.equal((await r.json()).error.code, 'CONFAI_E_ARGUMENT');
});

test('a policy the service does not meet: the SDK error names the status', { skip: SKIP }, async (t) => {
  const g = await startGateway(t);
  const other = new confai.SimSNP({ measurement: Buffer.alloc(48, 0x5a) });
  t.after(() => other.close());
  const policy = new confai.Policy(other.policyJson('{}', 3600));
  t.after(() => policy.close());
  const c = new confai.Client(g.base, policy);
  t.after(() => c.close());
  for (const stream of [false, true]) {
    await assert.rejects(openai(g, c).chat.completions.create({ ...PARAMS, stream }), (e) => {
      assert.ok(e instanceof OpenAI.APIError, `${e}`);
      assert.equal(e.status, 502);
      const code = assertConfaiMessage(e, codesOf('attestation', 'policy'));
      assert.equal(e.headers.get('confai-error'), code);
      assert.equal(e.error?.code, code);
      return true;
    });
  }
});

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
      // Before the head opened: the SDK's error of the 502 answer; after:
      // the body stream's CryptoError itself.
      if (e instanceof confai.ConfaiError) {
        assert.ok(e instanceof confai.CryptoError, `${e}`);
      } else {
        assert.ok(e instanceof OpenAI.APIError, `${e}`);
      }
      assertConfaiMessage(e, CRYPTO_CODES);
      return true;
    });
    if (mode === 'flip-byte' || mode === 'truncate') {
      await assert.rejects(sdk.chat.completions.create(PARAMS), (e) => {
        assert.ok(e instanceof OpenAI.APIError, `${e}`);
        assert.equal(e.status, 502);
        assertConfaiMessage(e, CRYPTO_CODES.concat(PARSE_CODES));
        return true;
      });
    }
  });
}

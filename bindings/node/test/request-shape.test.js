'use strict';
// The Node runner of tests/conformance/request-shape.json: each case becomes
// a fetch Request as an HTTP client library makes it, goes through the
// path createFetch takes (shape.js: the library's confai_http_request_shape),
// and must give exactly the fixture's inner request bytes and "streamed".
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { shapeRequest } = require('../shape');
const native = require('../native');
const confai = require('..');

const DIR = process.env.CONFAI_CONFORMANCE_DIR || path.join(__dirname, '..', '..', '..', 'tests', 'conformance');
const fixture = JSON.parse(fs.readFileSync(path.join(DIR, 'request-shape.json'), 'utf8'));

test('the fixture has the cases the rule is about', () => {
  assert.equal(fixture.version, 1);
  const names = fixture.cases.map((c) => c.name);
  for (const name of ['chat-streamed', 'chat-whole', 'embeddings', 'models']) {
    assert.ok(names.includes(name), `${name} missing from ${names.join()}`);
  }
});

// A Request for the case at the sentinel origin. A GET with content cannot
// be a fetch Request at all: fetch refuses it before any shaping.
function requestOf(c) {
  const init = { method: c.method, headers: c.headers };
  if (c.body !== '') {
    init.body = Buffer.from(c.body, 'utf8');
  }
  return new Request(new URL(c.path, confai.OPENAI_BASE_URL), init);
}

for (const c of fixture.cases) {
  test(`request shape: ${c.name}`, async () => {
    if ((c.method === 'GET' || c.method === 'HEAD') && c.body !== '') {
      assert.throws(() => requestOf(c), TypeError);
      // The library's rule itself, as the addon gives it.
      const shaped = new native.ShapedRequest(c.method, c.path, c.headers, Buffer.from(c.body, 'utf8'));
      assert.equal(shaped.streamed, c.streamed, c.description);
      assert.equal(shaped.encode().toString('hex'), c.inner, c.description);
      return;
    }
    const shaped = await shapeRequest(requestOf(c));
    assert.equal(shaped.streamed, c.streamed, c.description);
    assert.equal(shaped.encode().toString('hex'), c.inner, c.description);
  });
}

test('a field value the rule refuses is an ArgumentError', () => {
  assert.throws(() => new native.ShapedRequest('POST', '/v1/chat/completions', [['authorization', ' Bearer x']], Buffer.alloc(0)),
    (e) => e.confai === true && e.code === 'CONFAI_E_ARGUMENT');
  assert.throws(() => new native.ShapedRequest('POST', 'no-slash', [], Buffer.alloc(0)),
    (e) => e.confai === true && e.code === 'CONFAI_E_ARGUMENT');
  assert.throws(() => new native.ShapedRequest('POST', '/', [['a', 'b', 'c']], Buffer.alloc(0)),
    (e) => e.confai === true && e.code === 'CONFAI_E_ARGUMENT');
});

test('createFetch: a service that cannot be reached is a 502 naming the status', async () => {
  const sim = new confai.SimSNP({ measurement: Buffer.alloc(48, 1) });
  const policy = new confai.Policy(sim.policyJson('{}', 60));
  const client = new confai.Client('http://127.0.0.1:1', policy, { attestRetries: 0 });
  try {
    const fetch = confai.createFetch(client);
    const r = await fetch(`${confai.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}',
    });
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    const code = r.headers.get('confai-error');
    const transport = [...Array(1000).keys()].filter((st) => confai.statusGroup(st) === 'transport').map(confai.statusName);
    assert.ok(transport.includes(code), code);
    const { error } = await r.json();
    assert.equal(error.code, code);
    assert.equal(error.type, 'confai_error');
    assert.ok(error.message.startsWith(`${code}: `) && error.message.length > code.length + 2, error.message);
  } finally {
    client.close();
    policy.close();
    sim.close();
  }
});

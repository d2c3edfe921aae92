'use strict';
// The Node runner of the conformance fixtures (tests/conformance/README.md):
// every case of the shared manifest must end in exactly the status the C,
// Python and Go runners reach.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const confai = require('..');

const DIR = process.env.CONFAI_CONFORMANCE_DIR || path.join(__dirname, '..', '..', '..', 'tests', 'conformance');
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8'));

// Test support built by `node scripts/build.js --tests`: opens sealed
// requests with the gateway side of the C library, and the responses of
// recorded exchanges with the client side rebuilt from the gateway's key
// (confai_ohttp_client_from_request).
const GATEWAY_OPEN = path.join(__dirname, '..', 'build', 'Release', 'confai_gateway_open.node');

function file(c, role) {
  assert.ok(role in c.files, `${c.name}: no file for role ${role}`);
  return fs.readFileSync(path.join(DIR, c.files[role]));
}

// 'CONFAI_OK' when fn returns, the status name when it throws a ConfaiError.
function statusOf(fn) {
  try {
    fn();
    return 'CONFAI_OK';
  } catch (e) {
    assert.ok(e instanceof confai.ConfaiError, `${e} is no ConfaiError`);
    assert.equal(e.code, confai.statusName(e.status));
    return e.code;
  }
}

function runPolicy(c) {
  return statusOf(() => new confai.Policy(file(c, 'policy')).close());
}

function runBundle(c) {
  return statusOf(() => {
    const policy = new confai.Policy(file(c, 'policy'));
    try {
      assert.match(c.nonce, /^[0-9a-f]{64}$/);
      for (const f of c.flags) {
        assert.equal(f, 'lenient_bundle', `unknown flag ${f}`);
      }
      const verdict = confai.verifyBundle(policy, Buffer.from(c.nonce, 'hex'), file(c, 'bundle'), {
        time: c.verify_time === null ? 0 : c.verify_time,
        lenientBundle: c.flags.includes('lenient_bundle'),
      });
      if ('verdict' in c.files) {
        assert.deepEqual(JSON.parse(verdict.json()), JSON.parse(file(c, 'verdict')));
        assert.equal(verdict.rootKind, 'custom');
        assert.equal(verdict.platform, 'sev-snp');
      }
      verdict.close();
    } finally {
      policy.close();
    }
  });
}

function gatewayArgs(c) {
  assert.ok(c.mode === 'whole' || c.mode === 'chunked', `mode ${c.mode}`);
  assert.ok(c.gateway, `${c.name}: no gateway`);
  return [c.mode === 'chunked', c.gateway.kem_id, c.gateway.key_id,
    c.gateway.algorithms.map((a) => [a.kdf_id, a.aead_id]), file(c, 'gateway_key')];
}

// The status name of an opened message; on success the chunks must have
// ended with the final one and the plaintext must be the expected one.
function sealedOutcome(c, r) {
  if (r.status !== 0) {
    assert.ok(r.message, `${confai.statusName(r.status)} without a message`);
    return confai.statusName(r.status);
  }
  if (c.mode === 'chunked') {
    assert.ok(r.finalSeen && !r.afterFinal, 'the final chunk must come last');
  }
  if ('plaintext' in c.files) {
    assert.deepEqual(r.plaintext, file(c, 'plaintext'));
  }
  return 'CONFAI_OK';
}

function runSealedRequest(c) {
  const { openRequest } = require(GATEWAY_OPEN);
  return sealedOutcome(c, openRequest(...gatewayArgs(c), file(c, 'request')));
}

function runSealedResponse(c) {
  const { openResponse } = require(GATEWAY_OPEN);
  return sealedOutcome(c, openResponse(...gatewayArgs(c), file(c, 'request'), file(c, 'response')));
}

const RUNNERS = {
  policy: runPolicy,
  bundle: runBundle,
  'sealed-request': runSealedRequest,
  'sealed-response': runSealedResponse,
};

test('manifest', () => {
  assert.equal(manifest.version, 1);
  const names = manifest.cases.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  for (const c of manifest.cases) {
    assert.ok(c.kind in RUNNERS, `${c.name}: unknown kind ${c.kind}`);
  }
});

for (const c of manifest.cases) {
  test(`conformance: ${c.name}`, () => {
    const run = RUNNERS[c.kind];
    assert.ok(run, `unknown kind ${c.kind}`);
    assert.equal(run(c), c.expected, `${c.name}: ${c.description}`);
  });
}

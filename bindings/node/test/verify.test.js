'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const confai = require('..');

// The KeyConfig of RFC 9458 appendix A.
const RFC_KEY_CONFIG = Buffer.from('01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003', 'hex');
const MANIFEST = Buffer.from('{"model":"confai-demo"}');
const NONCE = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xa0 + i));

function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let sim;
test.before(() => {
  sim = new confai.SimSNP({ measurement: Buffer.alloc(48, 0x11) });
});
test.after(() => sim.close());

function fixture() {
  const policy = new confai.Policy(sim.policyJson(MANIFEST, 600));
  const bundle = sim.bundle(NONCE, RFC_KEY_CONFIG, MANIFEST, rfc3339(new Date(Date.now() + 3600e3)));
  return { policy, bundle };
}

function assertStatus(fn, code, Cls) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Cls, `${e} is no ${Cls.name}`);
    assert.ok(e instanceof confai.ConfaiError);
    assert.equal(e.code, code, e.message);
    assert.equal(confai.statusName(e.status), code);
    assert.equal(e.group, confai.statusGroup(e.status));
    assert.ok(e.message.length > 0);
    return true;
  });
}

test('status names and groups come from the library', () => {
  assert.equal(confai.statusName(402), 'CONFAI_E_DECRYPT');
  assert.equal(confai.statusGroup(402), 'crypto');
  assert.equal(confai.statusGroup(610), 'policy');
  assert.equal(confai.statusGroup(700), 'transport');
  assert.ok(confai.statusString(402).length > 0);
  assert.match(confai.version, /^\d+\.\d+\.\d+/);
});

test('an invalid policy is a PolicyError', () => {
  assertStatus(() => new confai.Policy('{"version": 1}'), 'CONFAI_E_POLICY_INVALID', confai.PolicyError);
});

test('a bundle from the simulated platform verifies', () => {
  const { policy, bundle } = fixture();
  assert.equal(policy.maxAge, 600);
  const v = confai.verifyBundle(policy, NONCE, bundle);
  assert.equal(v.platform, 'sev-snp');
  assert.ok(v.product);
  assert.equal(v.rootKind, 'custom');
  assert.match(v.rootWarning, /^NOT an AMD root/);
  assert.deepEqual(v.measurement, Buffer.alloc(48, 0x11));
  assert.equal(v.keyConfigDigest.length, 32);
  assert.equal(v.manifestDigest.length, 32);
  assert.ok(v.expiry <= new Date(v.verifiedAt.getTime() + 600e3));
  assert.ok(v.checks.includes('binding.report_data'));
  assert.ok(v.checks.includes('policy.manifest'));
  assert.equal(typeof v.tcb('reported'), 'bigint');
  assert.equal(v.toJSON().result, 'accepted');
  v.close();
  assertStatus(() => v.platform, 'CONFAI_E_ARGUMENT', confai.ArgumentError);
  policy.close();
});

test('rejections carry the status of the failed check', () => {
  const { policy, bundle } = fixture();
  const other = Buffer.from(NONCE);
  other[0] ^= 1;
  assertStatus(() => confai.verifyBundle(policy, other, bundle), 'CONFAI_E_NONCE_MISMATCH', confai.AttestationError);
  assertStatus(() => confai.verifyBundle(policy, NONCE, '{"version":1'), 'CONFAI_E_MALFORMED', confai.ParseError);
  assertStatus(() => confai.verifyBundle(policy, NONCE, Buffer.concat([bundle, Buffer.from('x')])),
    'CONFAI_E_TRAILING_DATA', confai.ParseError);
  assertStatus(() => confai.verifyBundle(policy, NONCE, bundle, { time: new Date(Date.now() + 7200e3) }),
    'CONFAI_E_EVIDENCE_EXPIRED', confai.AttestationError);
  const lenient = Buffer.concat([Buffer.from('{"extra":1,'), bundle.subarray(1)]);
  assertStatus(() => confai.verifyBundle(policy, NONCE, lenient), 'CONFAI_E_MALFORMED', confai.ParseError);
  confai.verifyBundle(policy, NONCE, lenient, { lenientBundle: true }).close();
  const otherPolicy = new confai.Policy(sim.policyJson('another manifest', 60));
  assertStatus(() => confai.verifyBundle(otherPolicy, NONCE, bundle), 'CONFAI_E_POLICY_MANIFEST', confai.PolicyError);
  otherPolicy.close();
  assertStatus(() => confai.verifyBundle(otherPolicy, NONCE, bundle), 'CONFAI_E_ARGUMENT', confai.ArgumentError);
  assertStatus(() => confai.verifyBundle(policy, Buffer.alloc(31), bundle), 'CONFAI_E_ARGUMENT', confai.ArgumentError);
  policy.close();
});

test('saved keys restore the platform; bad keys are a CryptoError', () => {
  const keys = sim.saveKeys();
  assert.match(keys.toString(), /PRIVATE KEY/);
  new confai.SimSNP({ savedKeys: keys, measurement: Buffer.alloc(48) }).close();
  assertStatus(() => new confai.SimSNP({ savedKeys: 'not a key', measurement: Buffer.alloc(48) }),
    'CONFAI_E_BAD_KEY', confai.CryptoError);
});

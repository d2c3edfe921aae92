'use strict';
// Starts confai-gateway (examples/confai-gateway) on loopback for a test.
// CONFAI_GATEWAY names its executable; without it the tests that need one
// skip.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const confai = require('../..');

const EXE = process.env.CONFAI_GATEWAY || '';
const SKIP = EXE ? false : 'CONFAI_GATEWAY is not set (the path of confai-gateway); the meson suite \'bindings\' sets it';

// One --state folder (CONFAI_GATEWAY_STATE, else one per test file), so
// the simulated platform's keys are made once; gateways start one at a
// time.
let stateDir = null;
let queue = Promise.resolve();

function startGateway(t, ...extra) {
  const start = async () => {
    if (!fs.existsSync(EXE)) {
      throw new Error(`CONFAI_GATEWAY=${EXE} does not exist`);
    }
    if (stateDir === null && process.env.CONFAI_GATEWAY_STATE) {
      stateDir = process.env.CONFAI_GATEWAY_STATE;
    } else if (stateDir === null) {
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'confai-node-gateway-'));
      process.on('exit', () => fs.rmSync(stateDir, { recursive: true, force: true }));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confai-node-policy-'));
    const policyFile = path.join(dir, 'policy.json');
    const child = spawn(EXE, ['--listen', '127.0.0.1:0', '--sim-snp', '--state', stateDir,
      '--policy-out', policyFile, '--token-delay', '0', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const line = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('confai-gateway did not say where it listens within 60 s')), 60000);
      const rl = readline.createInterface({ input: child.stdout });
      rl.once('line', (l) => { clearTimeout(timer); resolve(l); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`confai-gateway exited with ${code}`)); });
    });
    const m = /^listening on (http:\/\/\S+)$/.exec(line);
    if (!m) {
      throw new Error(`confai-gateway said ${JSON.stringify(line)}`);
    }
    const policy = new confai.Policy(fs.readFileSync(policyFile));
    t.after(() => policy.close());
    return { base: m[1], policy };
  };
  const started = queue.then(start);
  queue = started.catch(() => {});
  return started;
}

function client(t, g) {
  const c = new confai.Client(g.base, g.policy, { requestTimeoutMs: 30000 });
  t.after(() => c.close());
  return c;
}

module.exports = { startGateway, client, SKIP };

// Starts confai-gateway (examples/confai-gateway) on loopback for a test.
// CONFAI_GATEWAY names its executable; without it the tests that need one
// skip (the meson suite 'bindings' sets it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const EXE = process.env.CONFAI_GATEWAY || '';
export const SKIP = EXE ? false : 'CONFAI_GATEWAY is not set (the path of confai-gateway)';

// One --state folder for the file, so the simulated platform's keys are made once.
let stateDir = null;

export async function startGateway(t, ...extra) {
  if (!fs.existsSync(EXE)) throw new Error(`CONFAI_GATEWAY=${EXE} does not exist`);
  if (stateDir === null) {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'confai-web-gateway-'));
    process.on('exit', () => fs.rmSync(stateDir, { recursive: true, force: true }));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confai-web-policy-'));
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
  if (!m) throw new Error(`confai-gateway said ${JSON.stringify(line)}`);
  return { base: m[1], policy: fs.readFileSync(policyFile, 'utf8') };
}

// Compiled by run-tests.sh (tsc --noEmit): the declarations of index.d.ts
// fit how the package is meant to be used.
import { Client, ConfaiError, createFetch, loadWasm, type Verdict } from '../index.js';

async function use(): Promise<string> {
  const wasm = await loadWasm({ integrity: 'sha256-AAAA' });
  const client = await Client.create('http://127.0.0.1:8080', { policy: '{}', instance: wasm });
  const verdict: Verdict = await client.attest();
  const answer = await client.request({ method: 'GET', path: '/v1/models', headers: [['accept', 'application/json']] });
  let n = 0;
  for await (const piece of answer) n += piece.length;
  const f: typeof fetch = createFetch(client);
  void f;
  try {
    await client.attest({ force: true });
  } catch (e) {
    if (e instanceof ConfaiError) return `${e.status} ${e.code} ${e.detail}`;
  }
  client.close();
  return `${verdict.platform} ${verdict.rootWarning ?? ''} ${verdict.expiry.toISOString()} ${n} ${answer.status}`;
}
void use;

// Compiled by test/types.test.js (tsc --noEmit): uses the declarations of
// index.d.ts the way an application would.
import OpenAI from 'openai';
import * as confai from '../..';

export async function demo(base: string, policyJson: string): Promise<string> {
  const policy = new confai.Policy(policyJson);
  const client = new confai.Client(base, policy, { requestTimeoutMs: 1000, verify: { lenientBundle: false } });
  const verdict: confai.Verdict = await client.attest();
  const warning: string | null = verdict.rootWarning;
  const tcb: bigint = verdict.tcb('reported');
  const r: confai.InnerResponse = await client.fetch({ method: 'GET', path: '/v1/models' });
  const s: confai.ConfaiStream = await client.stream({ method: 'POST', path: '/v1/chat/completions', body: '{}' });
  for await (const chunk of s) {
    chunk.byteLength.toFixed();
  }
  let text = '';
  for await (const delta of client.chat({ model: 'confai-demo', messages: [] })) {
    text += delta;
  }
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', fetch: confai.createFetch(client) });
  const completion = await openai.chat.completions.create({ model: 'confai-demo', messages: [{ role: 'user', content: 'hi' }] });
  try {
    confai.verifyBundle(policy, new Uint8Array(32), '{}', { time: new Date() });
  } catch (e) {
    if (e instanceof confai.AttestationError) {
      return `${e.code} ${e.status} ${e.group}`;
    }
  }
  client.close();
  return `${warning} ${tcb} ${r.status} ${text} ${completion.choices[0].message.content}`;
}

// node chat.mjs http://127.0.0.1:8080 policy.json: the official openai client, every request sealed.
// Its base URL is confai's sentinel (http://confai.invalid/v1): only the
// confai fetch knows where the attested service is.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { Client, Policy, createFetch, OPENAI_BASE_URL } from 'confai';

const [base, policyFile] = process.argv.slice(2);
const client = new Client(base, new Policy(readFileSync(policyFile)));
const verdict = await client.attest();
console.error(`attested ${verdict.platform}: ${verdict.rootWarning ?? 'vendor root'}`);
const openai = new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused', fetch: createFetch(client) });
const stream = await openai.chat.completions.create({
  model: 'confai-demo',
  messages: [{ role: 'user', content: 'What runs here?' }],
  stream: true,
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
process.stdout.write('\n');
client.close();

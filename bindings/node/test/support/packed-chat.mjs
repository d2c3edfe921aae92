// An application of the installed package (test/package-install.sh): ES
// module named imports, the sentinel base URL, a streamed chat through the
// official openai client. Prints the number of chunks and the answer.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { Client, Policy, createFetch, OPENAI_BASE_URL } from 'confai';

const [base, policyFile] = process.argv.slice(2);
const client = new Client(base, new Policy(readFileSync(policyFile)));
const openai = new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused', fetch: createFetch(client) });
const stream = await openai.chat.completions.create({
  model: 'confai-demo',
  messages: [{ role: 'user', content: 'What runs here?' }],
  stream: true,
});
let chunks = 0;
let text = '';
let model = '';
for await (const chunk of stream) {
  chunks++;
  model = chunk.model;
  text += chunk.choices[0]?.delta?.content ?? '';
}
if (chunks < 2 || text.trim() === '') {
  throw new Error(`a streamed answer was expected, got ${chunks} chunks: ${JSON.stringify(text)}`);
}
console.log(`chunks: ${chunks} model: ${model} ${text}`);
client.close();

// The demo page: attests the gateway, shows the verified claims, and streams
// a sealed chat answer through the official openai package. Served from the
// repository root (README.md here), so the package and openai load by path.
import { Client, createFetch, OPENAI_BASE_URL } from '../../bindings/web/index.js';
import OpenAI from '../../bindings/web/node_modules/openai/index.mjs';

const params = new URLSearchParams(location.search);
const gateway = params.get('gateway') || 'http://127.0.0.1:8080';
const $ = (id) => document.getElementById(id);

function showError(e) {
  // The library's status and message; the answer so far is withdrawn.
  const cause = e && e.status ? e : (e && e.cause && e.cause.status ? e.cause : null);
  $('error').textContent = cause ? `Refused: ${cause.status}: ${cause.detail}` : `Error: ${e && e.message ? e.message : e}`;
  $('error').hidden = false;
  $('answer').textContent = '';
  document.body.dataset.state = 'error';
  document.body.dataset.status = cause ? cause.status : 'error';
}

async function main() {
  // The policy comes with the page (the frontend's own files), never from the service.
  const policy = await (await fetch(params.get('policy') || 'policy.json', { cache: 'no-store' })).text();
  const integrity = (await (await fetch('../../bindings/web/dist/integrity.json')).json()).integrity;
  const client = await Client.create(gateway, { policy, integrity, wasm: new URL('../../bindings/web/dist/confai.wasm', import.meta.url) });
  const verdict = await client.attest();
  $('status').textContent = 'Service verified.';
  $('platform').textContent = `${verdict.platform}${verdict.json.product ? ` (${verdict.json.product})` : ''}`;
  $('measurement').textContent = verdict.measurement || '';
  $('root').textContent = verdict.rootKind;
  $('expiry').textContent = verdict.expiry.toISOString();
  document.querySelector('#claims dl').hidden = false;
  if (verdict.rootWarning) {
    $('root-warning').textContent = `Simulated or custom platform: ${verdict.rootWarning}`;
    $('root-warning').hidden = false;
  }
  const openai = new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused', dangerouslyAllowBrowser: true,
    fetch: createFetch(client), maxRetries: 0 });
  $('send').disabled = false;
  document.body.dataset.state = 'attested';

  $('chat').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('send').disabled = true;
    $('error').hidden = true;
    $('answer').textContent = '';
    document.body.dataset.state = 'streaming';
    try {
      const stream = await openai.chat.completions.create({
        model: 'confai-demo', stream: true,
        messages: [{ role: 'user', content: $('prompt').value }],
      });
      for await (const chunk of stream) {
        $('answer').textContent += chunk.choices[0]?.delta?.content ?? '';
      }
      document.body.dataset.state = 'done';
    } catch (e) {
      showError(e);
    } finally {
      $('send').disabled = false;
    }
  });
}

main().catch(showError);

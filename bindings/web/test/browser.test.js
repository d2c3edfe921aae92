// The demo page (examples/web) in a real headless Chromium (Debian's
// chromium, driven over the DevTools protocol by puppeteer-core): served
// from loopback, it attests confai-gateway --sim-snp --cors, shows the
// verified claims and streams a sealed answer through the openai package;
// against --tamper it shows the integrity error and no answer text.
// Screenshots go to CONFAI_LOGS.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { startGateway, SKIP as NO_GATEWAY } from './support/gateway.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHROMIUM = process.env.CONFAI_CHROMIUM || '/usr/bin/chromium';
const LOGS = process.env.CONFAI_LOGS || path.join(ROOT, 'build', 'logs');
const SKIP = NO_GATEWAY || (fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css' };
// What the page may load: the demo, the package, and the openai package.
const SERVED = ['examples/web/', 'bindings/web/index.js', 'bindings/web/src/', 'bindings/web/dist/',
  'bindings/web/node_modules/openai/'];

// A static server for the page on 127.0.0.1; policy.json is the gateway's.
async function servePage(t, policy) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    if (rel.endsWith('/')) rel += 'index.html';
    if (rel === 'examples/web/policy.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(policy);
      return;
    }
    const file = path.join(ROOT, rel);
    if (rel.includes('..') || !SERVED.some((p) => rel.startsWith(p)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

async function browser(t) {
  const b = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root (CI) Chromium needs --no-sandbox; the page is our own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  t.after(() => b.close());
  return b;
}

async function openDemo(t, b, pageOrigin, g) {
  const page = await b.newPage();
  await page.setViewport({ width: 900, height: 900 });
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(`${pageOrigin}/examples/web/?gateway=${encodeURIComponent(g.base)}`);
  try {
    await page.waitForFunction(() => ['attested', 'error'].includes(document.body.dataset.state), { timeout: 60000 });
  } catch (e) {
    throw new Error(`page did not attest: ${logs.join(' | ')}`);
  }
  return { page, logs };
}

const text = (page, id) => page.$eval(`#${id}`, (e) => (e.hidden ? '' : e.textContent));

test('the demo page attests, shows the claims and streams a sealed answer', { skip: SKIP }, async (t) => {
  const first = await startGateway(t); // for the policy only: the same --state keeps the keys
  const origin = await servePage(t, first.policy);
  const g = await startGateway(t, '--cors', origin);
  const b = await browser(t);
  const { page, logs } = await openDemo(t, b, origin, g);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'attested', `${await text(page, 'error')} ${logs.join(' | ')}`);
  assert.match(await text(page, 'platform'), /^sev-snp/);
  assert.match(await text(page, 'measurement'), /^[0-9a-f]{96}$/);
  assert.equal(await text(page, 'root'), 'custom');
  assert.match(await text(page, 'root-warning'), /NOT an AMD root/);
  await page.$eval('#prompt', (e) => { e.value = 'Is this prompt sealed in the browser?'; });
  await page.click('#send');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), { timeout: 60000 });
  assert.equal(await text(page, 'error'), '');
  const answer = await text(page, 'answer');
  assert.match(answer, /Hello from confai-demo/);
  assert.match(answer, /Is this prompt sealed in the browser\?/);
  fs.mkdirSync(LOGS, { recursive: true });
  await page.screenshot({ path: path.join(LOGS, 'web-demo.png'), fullPage: true });
});

test('the page refuses an answer from another origin without CORS', { skip: SKIP }, async (t) => {
  const first = await startGateway(t);
  const origin = await servePage(t, first.policy);
  const g = await startGateway(t, '--cors', 'http://127.0.0.1:1');
  const b = await browser(t);
  const { page } = await openDemo(t, b, origin, g);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'error');
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'CONFAI_E_NETWORK');
});

const TAMPER = {
  'flip-byte': 'CONFAI_E_DECRYPT',
  truncate: 'CONFAI_E_STREAM_TRUNCATED',
  'drop-chunk': 'CONFAI_E_CHUNK_REORDERED',
  'duplicate-chunk': 'CONFAI_E_CHUNK_REPLAYED',
};
for (const [mode, status] of Object.entries(TAMPER)) {
  test(`the page shows the integrity error and no answer text: --tamper ${mode}`, { skip: SKIP }, async (t) => {
    const first = await startGateway(t);
    const origin = await servePage(t, first.policy);
    const g = await startGateway(t, '--cors', origin, '--tamper', mode);
    const b = await browser(t);
    const { page } = await openDemo(t, b, origin, g);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'attested');
    await page.click('#send');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), { timeout: 60000 });
    assert.equal(await page.evaluate(() => document.body.dataset.status), status);
    assert.match(await text(page, 'error'), new RegExp(status));
    assert.equal(await text(page, 'answer'), '');
    if (mode === 'flip-byte') {
      await page.screenshot({ path: path.join(LOGS, 'web-demo-tampered.png'), fullPage: true });
    }
  });
}

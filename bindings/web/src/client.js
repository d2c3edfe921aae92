// The browser's (and Node's) libconfai client: attests the service with its
// own fetch, keeps the verified lease, seals requests and opens answers. All
// verification, sealing and opening is confai.wasm's; this file moves bytes
// and turns results into JavaScript objects.
import { ConfaiError, loadWasm } from './wasm.js';

const MEDIA_EVIDENCE = 'application/confai-evidence+json';
const MEDIA_REQ = 'message/ohttp-req';
const MEDIA_RES = 'message/ohttp-res';
const MEDIA_CHUNKED_REQ = 'message/ohttp-chunked-req';
const MEDIA_CHUNKED_RES = 'message/ohttp-chunked-res';
const MEDIA_PROBLEM = 'application/problem+json';
const PROBLEM_OHTTP_KEY = 'https://iana.org/assignments/http-problem-types#ohttp-key';
const HTTP_HEADERS = 0; // CONFAI_HTTP_HEADERS
const HTTP_RESPONSE = 2; // CONFAI_HTTP_RESPONSE
const E_NOT_SEALED = 704;
const E_HTTP_STATUS = 703;
const E_KEY_ID_UNKNOWN = 406;
const E_MALFORMED = 300;
const E_NETWORK = 700;

const te = new TextEncoder();

function mediaType(response) {
  return (response.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
}

function printable(bytes) {
  let s = '';
  for (const b of bytes.subarray(0, 200)) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

/** The error for an answer that is not the sealed one we asked for. */
async function unexpected(response, expected) {
  const type = mediaType(response);
  const body = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  const quote = printable(body);
  if (response.status === 400 && type === MEDIA_PROBLEM && quote.includes(PROBLEM_OHTTP_KEY)) {
    return new ConfaiError('CONFAI_E_KEY_ID_UNKNOWN', E_KEY_ID_UNKNOWN,
      `the service does not accept the attested key (key rotated?): ${quote}`);
  }
  if (response.status >= 200 && response.status < 300) {
    return new ConfaiError('CONFAI_E_NOT_SEALED', E_NOT_SEALED,
      `answer ${response.status} of type "${type}" where ${expected} was expected: refusing an answer that is not sealed`);
  }
  return new ConfaiError('CONFAI_E_HTTP_STATUS', E_HTTP_STATUS,
    `HTTP status ${response.status} (${type || 'no content type'}): ${quote}`);
}

async function post(fetchFn, url, type, accept, body, signal) {
  try {
    return await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': type, accept },
      body,
      signal,
      credentials: 'omit',
      redirect: 'error',
      cache: 'no-store',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ConfaiError('CONFAI_E_NETWORK', E_NETWORK, `${url}: ${e && e.message ? e.message : e}`);
  }
}

/** A verified attestation: what was proven, as the verdict JSON says it. */
export class Verdict {
  constructor(json, expiry) {
    /** The verdict as confai_verdict_json gives it (doc/protocol.md, "Verdict"). */
    this.json = json;
    /** When the lease ends (min of not_after, max_age, endorsements). */
    this.expiry = expiry;
  }
  get platform() { return this.json.platform; }
  get measurement() { return this.json.measurement; }
  get rootKind() { return this.json.root ? this.json.root.kind : undefined; }
  /** Set when the root is not a hardware vendor's (a simulated platform). */
  get rootWarning() { return this.json.root ? this.json.root.warning : undefined; }
}

/** The inner response of a sealed exchange. */
export class SealedResponse {
  constructor(status, headers, body) {
    /** The inner HTTP status. */
    this.status = status;
    /** The inner header fields, [name, value] in order. */
    this.headers = headers;
    /** The opened content as it authenticates: ReadableStream of Uint8Array. */
    this.body = body;
  }
  /** The content pieces, each only after it authenticated. */
  async *[Symbol.asyncIterator]() {
    const reader = this.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  async bytes() {
    const parts = [];
    let n = 0;
    for await (const p of this) { parts.push(p); n += p.length; }
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  async text() { return new TextDecoder().decode(await this.bytes()); }
}

export class Client {
  /**
   * baseURL: the service, e.g. "https://ai.example.com" (the client adds
   * /v1/attestation and /v1/sealed). options.policy: the policy document
   * (JSON text, bytes or object). options.fetch: the fetch to use (default
   * globalThis.fetch). options.wasm / options.integrity: see loadWasm.
   */
  static async create(baseURL, options = {}) {
    const w = options.instance || await loadWasm(options);
    return new Client(w, baseURL, options);
  }

  #w;
  #policy = 0;
  #cache = 0;
  #verdict = 0;
  #lease = null;
  #pending = null;
  #fetch;
  #baseURL;
  #attestURL;
  #sealedURL;

  /** The service's root URL, as given to create (without a trailing slash). */
  get baseURL() {
    return this.#baseURL;
  }

  constructor(w, baseURL, options = {}) {
    this.#w = w;
    const base = String(baseURL).replace(/\/+$/, '');
    if (/\/v1$/.test(base)) {
      throw new TypeError('baseURL is the service root: the client adds /v1/attestation and /v1/sealed itself');
    }
    this.#baseURL = base;
    this.#attestURL = `${base}/v1/attestation`;
    this.#sealedURL = `${base}/v1/sealed`;
    this.#fetch = options.fetch || globalThis.fetch.bind(globalThis);
    let policy = options.policy;
    if (policy === undefined) throw new TypeError('options.policy is required');
    if (typeof policy === 'object' && !ArrayBuffer.isView(policy) && !(policy instanceof ArrayBuffer)) {
      policy = JSON.stringify(policy);
    }
    const bytes = typeof policy === 'string' ? te.encode(policy) : new Uint8Array(policy);
    const out = w.slot();
    const p = w.copyIn(bytes);
    try {
      w.call((err) => w.x.confai_policy_new(out, p, bytes.length, err));
      this.#policy = w.u32(out);
      w.call((err) => w.x.confai_verify_cache_new(out, err));
      this.#cache = w.u32(out);
    } catch (e) {
      this.close();
      throw e;
    } finally {
      w.x.free(out);
      w.x.free(p);
    }
  }

  /** Releases the policy, the cache and the lease. */
  close() {
    const x = this.#w.x;
    this.#drop();
    x.confai_verify_cache_free(this.#cache);
    x.confai_policy_free(this.#policy);
    this.#cache = 0;
    this.#policy = 0;
  }

  #drop() {
    this.#w.x.confai_verdict_free(this.#verdict);
    this.#verdict = 0;
    this.#lease = null;
  }

  /**
   * The current lease's verdict, attesting first when there is none or it
   * expired. force: attest again now.
   */
  async attest({ force = false, signal } = {}) {
    if (!this.#policy) throw new ConfaiError('CONFAI_E_STATE', 103, 'client: closed');
    if (force) this.#drop();
    if (this.#lease && Date.now() < this.#lease.expiry.getTime()) return this.#lease;
    if (!this.#pending) {
      this.#pending = this.#attestOnce(signal).finally(() => { this.#pending = null; });
    }
    return this.#pending;
  }

  async #attestOnce(signal) {
    const w = this.#w;
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    let b64 = '';
    for (const b of nonce) b64 += String.fromCharCode(b);
    const response = await post(this.#fetch, this.#attestURL, 'application/json', MEDIA_EVIDENCE,
      JSON.stringify({ nonce: btoa(b64) }), signal);
    if (response.status !== 200 || mediaType(response) !== MEDIA_EVIDENCE) {
      const e = await unexpected(response, MEDIA_EVIDENCE);
      // Evidence is public: an answer in another type is just wrong.
      if (e.code === E_NOT_SEALED) {
        throw new ConfaiError('CONFAI_E_MALFORMED', E_MALFORMED,
          `attestation answer of type "${mediaType(response)}", expected ${MEDIA_EVIDENCE}`);
      }
      throw e;
    }
    const bundle = new Uint8Array(await response.arrayBuffer());
    const out = w.slot();
    const pn = w.copyIn(nonce);
    const pb = w.copyIn(bundle);
    const pj = w.slot();
    const pl = w.slot();
    try {
      w.call((err) => w.x.confai_web_verify(out, this.#policy, this.#cache, 0, 0n, pn, pb, bundle.length, err));
      const verdict = w.u32(out);
      try {
        w.call((err) => w.x.confai_verdict_json(verdict, pj, pl, err));
      } catch (e) {
        w.x.confai_verdict_free(verdict);
        throw e;
      }
      const json = JSON.parse(w.string(w.u32(pj)));
      w.x.confai_free(w.u32(pj));
      const expiry = new Date(Number(w.x.confai_verdict_expiry(verdict)) * 1000);
      this.#drop();
      this.#verdict = verdict;
      this.#lease = new Verdict(json, expiry);
      return this.#lease;
    } finally {
      for (const p of [out, pn, pb, pj, pl]) w.x.free(p);
    }
  }

  /**
   * Seals one inner request to the attested key and sends it; the answer's
   * content is opened as it arrives. request: { method, path, headers
   * ([name, value] pairs), body (Uint8Array or string) }. Which headers are
   * sealed and whether the answer is streamed is the library's request
   * shaping (confai_http_request_shape). A rotated key means one new
   * attestation and one retry.
   */
  async request(request, { signal } = {}) {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.attest({ signal });
      try {
        return await this.#sealed(request, signal);
      } catch (e) {
        if (e instanceof ConfaiError && e.code === E_KEY_ID_UNKNOWN && attempt === 0 && this.#lease === lease) {
          this.#drop();
          continue;
        }
        throw e;
      }
    }
  }

  async #sealed(request, signal) {
    const inner = this.#w.shapeRequest(request);
    try {
      return inner.streamed ? await this.#chunked(inner.bytes, signal)
        : await this.#whole(inner.bytes, signal);
    } finally {
      inner.bytes.fill(0);
    }
  }

  #keyConfig() {
    if (!this.#verdict) throw new ConfaiError('CONFAI_E_STATE', 103, 'client: no lease');
    return this.#w.x.confai_verdict_key_config(this.#verdict);
  }

  /** Inner response fields of a decoded message: [name, value] pairs. */
  #fields(msg) {
    const w = this.#w;
    const n = w.x.confai_http_message_field_count(msg, HTTP_HEADERS);
    const name = w.slot();
    const value = w.slot();
    const fields = [];
    try {
      for (let i = 0; i < n; i++) {
        w.call((err) => w.x.confai_http_message_field(msg, name, value, HTTP_HEADERS, i, err));
        fields.push([w.string(w.u32(name)), w.string(w.u32(value))]);
      }
    } finally {
      w.x.free(name);
      w.x.free(value);
    }
    return fields;
  }

  // RFC 9458 request and response: a plain request gets a plain answer.
  async #whole(plaintext, signal) {
    const w = this.#w;
    const cap = plaintext.length + w.x.confai_ohttp_max_request_header_size() + 64;
    const out = w.malloc(cap);
    const outLen = w.slot(cap);
    const client = w.slot();
    const pt = w.copyIn(plaintext);
    let sealed;
    try {
      w.call((err) => w.x.confai_ohttp_client_seal_request(client, out, outLen, this.#keyConfig(), pt, plaintext.length, err));
      sealed = w.bytesOut(out, w.u32(outLen));
    } finally {
      w.wipeFree(pt, plaintext.length);
      w.x.free(out);
      w.x.free(outLen);
    }
    const exchange = w.u32(client);
    w.x.free(client);
    try {
      const response = await post(this.#fetch, this.#sealedURL, MEDIA_REQ, MEDIA_RES, sealed, signal);
      if (response.status !== 200 || mediaType(response) !== MEDIA_RES) {
        throw await unexpected(response, MEDIA_RES);
      }
      const answer = new Uint8Array(await response.arrayBuffer());
      const pa = w.copyIn(answer);
      const plain = w.malloc(answer.length);
      const plainLen = w.slot(answer.length);
      const msg = w.slot();
      try {
        w.call((err) => w.x.confai_ohttp_client_open_response(exchange, plain, plainLen, pa, answer.length, err));
        w.call((err) => w.x.confai_http_message_decode(msg, plain, w.u32(plainLen), HTTP_RESPONSE, 0, err));
        const m = w.u32(msg);
        try {
          const status = w.x.confai_http_message_status(m);
          const headers = this.#fields(m);
          const len = w.slot();
          const p = w.x.confai_http_message_body(m, len);
          const body = w.bytesOut(p, w.u32(len));
          w.x.free(len);
          const stream = new ReadableStream({
            start(controller) {
              if (body.length) controller.enqueue(body);
              controller.close();
            },
          });
          return new SealedResponse(status, headers, stream);
        } finally {
          w.x.confai_http_message_free(m);
        }
      } finally {
        w.wipeFree(plain, answer.length);
        w.x.free(pa);
        w.x.free(plainLen);
        w.x.free(msg);
      }
    } finally {
      w.x.confai_ohttp_client_free(exchange);
    }
  }

  // Chunked OHTTP: the answer is opened chunk by chunk as it arrives.
  async #chunked(plaintext, signal) {
    const w = this.#w;
    const headerCap = w.x.confai_ohttp_max_request_header_size();
    const overhead = w.x.confai_ohttp_max_chunk_overhead();
    const ex = w.slot();
    const header = w.malloc(headerCap);
    const headerLen = w.slot(headerCap);
    let exchange = 0;
    let sealed;
    try {
      w.call((err) => w.x.confai_web_exchange_begin(ex, header, headerLen, this.#keyConfig(), err));
      exchange = w.u32(ex);
      const parts = [w.bytesOut(header, w.u32(headerLen))];
      const seal = (isFinal, bytes) => {
        const cap = bytes.length + overhead;
        const out = w.malloc(cap);
        const outLen = w.slot(cap);
        const pt = bytes.length ? w.copyIn(bytes) : 0;
        try {
          w.call((err) => w.x.confai_web_exchange_seal(exchange, isFinal ? 1 : 0, out, outLen, pt, bytes.length, err));
          parts.push(w.bytesOut(out, w.u32(outLen)));
        } finally {
          w.wipeFree(pt, bytes.length);
          w.x.free(out);
          w.x.free(outLen);
        }
      };
      if (plaintext.length) seal(false, plaintext);
      seal(true, new Uint8Array(0));
      const n = parts.reduce((a, p) => a + p.length, 0);
      sealed = new Uint8Array(n);
      let o = 0;
      for (const p of parts) { sealed.set(p, o); o += p.length; }
    } catch (e) {
      w.x.confai_web_exchange_free(exchange);
      throw e;
    } finally {
      w.x.free(ex);
      w.x.free(header);
      w.x.free(headerLen);
    }

    let response;
    try {
      response = await post(this.#fetch, this.#sealedURL, MEDIA_CHUNKED_REQ, MEDIA_CHUNKED_RES, sealed, signal);
      if (response.status !== 200 || mediaType(response) !== MEDIA_CHUNKED_RES) {
        throw await unexpected(response, MEDIA_CHUNKED_RES);
      }
    } catch (e) {
      w.x.confai_web_exchange_free(exchange);
      throw e;
    }
    return this.#open(exchange, response.body.getReader());
  }

  // Feeds the sealed answer into the exchange until the inner head is
  // decoded, then hands the rest on as a stream. The exchange is freed when
  // the stream ends, fails or is cancelled.
  async #open(exchange, reader) {
    const w = this.#w;
    const len = w.slot();
    let freed = false;
    const free = () => {
      if (!freed) { freed = true; w.x.free(len); w.x.confai_web_exchange_free(exchange); }
    };
    const take = () => {
      const p = w.x.confai_web_exchange_content(exchange, len);
      const n = w.u32(len);
      if (n === 0) return null;
      const bytes = w.bytesOut(p, n);
      w.x.confai_web_exchange_take(exchange, n);
      return bytes;
    };
    const feed = (bytes) => {
      const p = w.copyIn(bytes);
      try {
        w.call((err) => w.x.confai_web_exchange_feed(exchange, p, bytes.length, err));
      } finally {
        w.x.free(p);
      }
    };
    const finish = () => w.call((err) => w.x.confai_web_exchange_finish(exchange, err));
    // Reads one network piece; false at the end of the answer.
    const step = async () => {
      const { value, done } = await reader.read();
      if (done) { finish(); return false; }
      feed(value);
      return true;
    };
    try {
      let more = true;
      while (more && !w.x.confai_web_exchange_head(exchange)) more = await step();
      const head = w.x.confai_web_exchange_head(exchange);
      if (!head) throw new ConfaiError('CONFAI_E_TRUNCATED', 301, 'the sealed answer ended before its head');
      const status = w.x.confai_http_message_status(head);
      const headers = this.#fields(head);
      let ended = !more;
      const body = new ReadableStream({
        pull: async (controller) => {
          try {
            for (;;) {
              const piece = take();
              if (piece) { controller.enqueue(piece); return; }
              if (ended) { free(); controller.close(); return; }
              ended = !(await step());
            }
          } catch (e) {
            free();
            reader.cancel().catch(() => {});
            controller.error(e);
          }
        },
        cancel: () => {
          free();
          return reader.cancel();
        },
      });
      return new SealedResponse(status, headers, body);
    } catch (e) {
      free();
      reader.cancel().catch(() => {});
      throw e;
    }
  }
}

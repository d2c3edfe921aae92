'use strict';
// Node binding of libconfai. The addon (src/addon.cc) wraps the C handles;
// this file gives them their JavaScript shape: error classes, Promises,
// async iterators and a fetch-compatible function for HTTP client libraries
// (the official openai package among them). Every verdict and every byte of
// crypto comes from the C library.

const native = require('./native');
const { shapeRequest } = require('./shape');

// --- Errors -------------------------------------------------------------------

const GROUPS = ['ok', 'argument', 'resource', 'parse', 'crypto', 'attestation', 'policy', 'transport', 'platform'];

/**
 * A failure the C library reported: status, code (its name) and group. The
 * message is "<code>: <reason>" ("CONFAI_E_DECRYPT: ..."), so that the
 * status shows wherever only the message is.
 */
class ConfaiError extends Error {
  constructor(message, { status, code, group }) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.group = group;
  }
}
class ArgumentError extends ConfaiError {}    // 1xx
class ResourceError extends ConfaiError {}    // 2xx
class ParseError extends ConfaiError {}       // 3xx
class CryptoError extends ConfaiError {}      // 4xx
class AttestationError extends ConfaiError {} // 5xx
class PolicyError extends ConfaiError {}      // 6xx
class TransportError extends ConfaiError {}   // 7xx
class PlatformError extends ConfaiError {}    // 8xx

const GROUP_CLASSES = {
  argument: ArgumentError,
  resource: ResourceError,
  parse: ParseError,
  crypto: CryptoError,
  attestation: AttestationError,
  policy: PolicyError,
  transport: TransportError,
  platform: PlatformError,
};

// The addon throws plain Errors marked `confai`; they become the class of
// their group here.
function convert(e) {
  if (e instanceof ConfaiError || !e || e.confai !== true) {
    return e;
  }
  const group = GROUPS[e.group] || 'resource';
  const Cls = GROUP_CLASSES[group] || ConfaiError;
  return new Cls(`${e.code}: ${e.message}`, { status: e.status, code: e.code, group });
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw convert(e);
  }
}

async function acall(fn) {
  try {
    return await fn();
  } catch (e) {
    throw convert(e);
  }
}

/** The symbolic name of a status ("CONFAI_E_DECRYPT"). */
function statusName(status) {
  return native.statusName(status);
}

/** The library's short description of a status. */
function statusString(status) {
  return native.statusString(status);
}

/** The group of a status ("crypto"). */
function statusGroup(status) {
  return GROUPS[native.statusGroup(status)];
}

// --- Policy and verdicts ----------------------------------------------------------

/** A verification policy (doc/policy.md); immutable. */
class Policy {
  /** @param {Buffer|Uint8Array|string} document the policy JSON */
  constructor(document) {
    this._native = call(() => new native.Policy(document));
  }

  /** The policy's max_age in seconds. */
  get maxAge() {
    return call(() => this._native.maxAge());
  }

  /** Releases the policy; a Client made with it keeps its own reference. */
  close() {
    this._native.close();
  }

  [Symbol.dispose]() {
    this.close();
  }
}

function date(seconds) {
  return seconds === 0 ? null : new Date(seconds * 1000);
}

/** What a verification proved; immutable. */
class Verdict {
  constructor(nativeVerdict) {
    this._native = nativeVerdict;
  }

  get platform() { return call(() => this._native.platform()); }
  get product() { return call(() => this._native.product()); }
  get measurement() { return call(() => this._native.measurement()); }
  /** 'vendor' or 'custom' (a root the policy added: NOT a vendor root). */
  get rootKind() { return call(() => this._native.rootKind()); }
  /** For a custom root, the warning to show wherever the verdict is. */
  get rootWarning() { return call(() => this._native.rootWarning()); }
  get keyConfigDigest() { return call(() => this._native.keyConfigDigest()); }
  get manifestDigest() { return call(() => this._native.manifestDigest()); }
  get verifiedAt() { return date(call(() => this._native.verifiedAt())); }
  get notAfter() { return date(call(() => this._native.notAfter())); }
  /** After this the bound key must not be used without a new attestation. */
  get expiry() { return date(call(() => this._native.expiry())); }
  /** Names of the checks that passed, in order. */
  get checks() { return call(() => this._native.checks()); }
  /** Names of the checks the policy waived. */
  get waived() { return call(() => this._native.waived()); }

  /** A raw TCB_VERSION: kind 'current', 'reported', 'committed' or 'launch'. */
  tcb(kind) {
    const index = ['current', 'reported', 'committed', 'launch'].indexOf(kind);
    return call(() => this._native.tcb(index));
  }

  /** The verdict as the library's JSON text (doc/protocol.md). */
  json() {
    return call(() => this._native.json());
  }

  toJSON() {
    return JSON.parse(this.json());
  }

  close() {
    this._native.close();
  }

  [Symbol.dispose]() {
    this.close();
  }
}

/**
 * Verifies an evidence bundle that answers nonce against policy. Throws the
 * error of the first check that did not pass.
 */
function verifyBundle(policy, nonce, bundle, options) {
  if (!(policy instanceof Policy)) {
    throw new TypeError('policy must be a Policy');
  }
  const opts = options ? {
    time: options.time instanceof Date ? Math.floor(options.time.getTime() / 1000) : options.time,
    lenientBundle: !!options.lenientBundle,
  } : undefined;
  return new Verdict(call(() => native.verifyBundle(policy._native, nonce, bundle, opts)));
}

/** The library's simulated SEV-SNP platform, for development and tests. */
class SimSNP {
  /**
   * @param {{savedKeys?: Buffer|string|null, measurement: Uint8Array, now?: Date}} options
   */
  constructor({ savedKeys = null, measurement, now } = {}) {
    const secs = now instanceof Date ? Math.floor(now.getTime() / 1000) : 0;
    this._native = call(() => new native.SimSNP(savedKeys, measurement, secs));
  }

  saveKeys() { return call(() => this._native.saveKeys()); }

  /** A policy document that accepts exactly this platform. */
  policyJson(manifest, maxAgeSeconds) {
    return call(() => this._native.policyJson(manifest, maxAgeSeconds));
  }

  /** An evidence bundle binding nonce, keyConfig, manifest and notAfter. */
  bundle(nonce, keyConfig, manifest, notAfter) {
    return call(() => this._native.bundle(nonce, keyConfig, manifest, notAfter));
  }

  close() { this._native.close(); }

  [Symbol.dispose]() { this.close(); }
}

// --- Client ---------------------------------------------------------------------------

/**
 * A streamed response being opened: status, headers, and the content as an
 * async iterator of Buffers. Only authenticated bytes are returned; a
 * stream that does not authenticate throws at the first bad chunk.
 */
class ConfaiStream {
  constructor(nativeStream) {
    this._native = nativeStream;
    this.status = nativeStream.status;
    this.headers = nativeStream.headers;
  }

  /** The next content bytes (up to size), or null at the authenticated end. */
  read(size = 65536) {
    return acall(() => this._native.read(size));
  }

  /** Makes a pending or later read fail with CONFAI_E_CANCELLED. */
  cancel() {
    this._native.cancel();
  }

  /** Cancels if still running and releases the stream. */
  close() {
    this._native.close();
  }

  async *[Symbol.asyncIterator]() {
    try {
      for (;;) {
        const chunk = await this.read();
        if (chunk === null) {
          return;
        }
        yield chunk;
      }
    } finally {
      this.close();
    }
  }
}

/** Races promise against signal; a result that arrives late goes to release. */
function abortable(promise, signal, release) {
  if (!signal) {
    return promise;
  }
  if (signal.aborted) {
    promise.then(release, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      promise.then(release, () => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) {
        release(value);
      } else {
        resolve(value);
      }
    }, (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

/**
 * A client of one confidential service: attests it, keeps the verdict as a
 * lease and seals every request to the key the lease binds. Blocking work
 * runs on the libuv thread pool; every method returns a Promise.
 */
class Client {
  /**
   * @param {string} baseUrl e.g. "http://127.0.0.1:8080"
   * @param {Policy} policy
   * @param {object} [options] connectTimeoutMs, requestTimeoutMs,
   *   attestTimeoutMs, attestRetries, retryBackoffMs, caFile,
   *   pinnedPublicKey, userAgent, maxResponseSize, chunkSize,
   *   verify: {time, lenientBundle}
   */
  constructor(baseUrl, policy, options) {
    if (!(policy instanceof Policy)) {
      throw new TypeError('policy must be a Policy');
    }
    /** The attested service's URL, as given. */
    this.baseUrl = String(baseUrl);
    let opts = options;
    if (options && options.verify && options.verify.time instanceof Date) {
      opts = { ...options, verify: { ...options.verify, time: Math.floor(options.verify.time.getTime() / 1000) } };
    }
    this._native = call(() => new native.Client(baseUrl, policy._native, opts));
  }

  /** Attests now and makes the new verdict the lease. */
  async attest() {
    return new Verdict(await acall(() => this._native.attest()));
  }

  /** The lease's verdict, attesting first when there is none or it expired. */
  async verdict() {
    return new Verdict(await acall(() => this._native.verdict()));
  }

  /**
   * Sends a request sealed as a whole and resolves with the opened
   * response {status, headers, trailers, body}.
   * @param {{method: string, path: string, scheme?: string, authority?: string,
   *          headers?: [string, string][], body?: Buffer|Uint8Array|string}} request
   */
  fetch(request) {
    return acall(() => this._native.fetch(request));
  }

  /** Sends a request as a streamed exchange; resolves once the head is open. */
  async stream(request) {
    return new ConfaiStream(await acall(() => this._native.streamOpen(request)));
  }

  /**
   * A streamed chat completion: request is the body of POST
   * /v1/chat/completions (object or JSON text); yields each piece of the
   * answer as it arrives, authenticated, and ends once the stream ended
   * authenticated. Aborting signal (or leaving the loop) stops the chat at
   * the next piece.
   */
  async *chat(request, { signal } = {}) {
    const body = typeof request === 'string' || request instanceof Uint8Array
      ? request : JSON.stringify(request);
    const token = new native.CancelToken();
    const queue = [];
    let done = false;
    let failure = null;
    let wake = null;
    const notify = () => {
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    };
    const onAbort = () => token.cancel();
    if (signal) {
      if (signal.aborted) {
        throw signal.reason;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    acall(() => this._native.chat(body, (delta) => { queue.push(delta); notify(); }, token))
      .then(() => { done = true; notify(); }, (e) => { failure = e; done = true; notify(); });
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift();
        } else if (done) {
          if (failure) {
            throw signal && signal.aborted ? signal.reason : failure;
          }
          return;
        } else {
          await new Promise((resolve) => { wake = resolve; });
        }
      }
    } finally {
      if (signal) {
        signal.removeEventListener('abort', onAbort);
      }
      if (!done) {
        token.cancel();
      }
    }
  }

  /** Runs chat() and resolves with the whole answer. */
  async chatText(request, options) {
    let text = '';
    for await (const delta of this.chat(request, options)) {
      text += delta;
    }
    return text;
  }

  /** Releases the client once calls in flight and open streams are done. */
  close() {
    this._native.close();
  }

  [Symbol.dispose]() {
    this.close();
  }
}

// --- fetch ------------------------------------------------------------------------------

// Statuses whose Response must not have a body (Fetch standard).
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

// The body of a streamed response: the opened bytes as they arrive. (In a
// server-sent-events answer the library itself holds back "data: [DONE]"
// until the stream has ended authenticated, so a reader that stops at
// [DONE] still sees a stream cut off after it as an error.)
function streamResponse(stream, signal) {
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      signal.removeEventListener('abort', onAbort);
      stream.close();
    }
  };
  const onAbort = () => stream.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  const body = new ReadableStream({
    async pull(controller) {
      let chunk;
      try {
        chunk = await stream.read(65536);
      } catch (e) {
        finish();
        controller.error(signal.aborted ? signal.reason : e);
        return;
      }
      if (chunk === null) {
        finish();
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    },
    cancel() {
      finish();
    },
  });
  return new Response(NULL_BODY_STATUS.has(stream.status) ? null : body,
    { status: stream.status, headers: stream.headers });
}

/**
 * The base URL to give an OpenAI client whose fetch is createFetch(client):
 * a host on the reserved ".invalid" domain (RFC 6761), which no resolver
 * answers. The confai fetch sends its requests to the attested service; a
 * client that was built without it fails to resolve the host instead of
 * sending the prompt in the clear to wherever the name might lead.
 */
const OPENAI_BASE_URL = 'http://confai.invalid/v1';
const SENTINEL_ORIGIN = new URL(OPENAI_BASE_URL).origin;
const STATUS_ARGUMENT = 100; // CONFAI_E_ARGUMENT (include/confai/common.h)

// A library failure before a response was opened, as the response an HTTP
// client library reports with its message: status 502, generated here and
// marked so (header confai-error: the status name), never retried
// (x-should-retry: false, honoured by the official openai package), and an
// OpenAI-style error body whose message is "<STATUS_NAME>: <reason>". No
// byte of it came from the network.
function errorResponse(e) {
  const code = e.code || 'CONFAI_E_INTERNAL';
  const body = JSON.stringify({
    error: { message: e.message, type: 'confai_error', code, param: null },
  });
  return new Response(body, {
    status: 502,
    statusText: code,
    headers: { 'content-type': 'application/json', 'confai-error': code, 'x-should-retry': 'false' },
  });
}

/**
 * A fetch-compatible function (input, init) => Promise<Response> that sends
 * every request sealed to client's attested service:
 *
 *   const openai = new OpenAI({ baseURL: confai.OPENAI_BASE_URL, apiKey: 'unused',
 *                               fetch: confai.createFetch(client) });
 *
 * It takes requests for OPENAI_BASE_URL's origin (http://confai.invalid)
 * and for the origin of the client's own base URL; a request for any other
 * origin was meant for another service and is refused (CONFAI_E_ARGUMENT).
 *
 * The library shapes each request (shape.js): only the allowlisted header
 * fields go in, and a POST whose JSON body has "stream": true is a streamed
 * exchange whose Response body is a ReadableStream of the opened content as
 * it arrives; any other request is sealed and opened as a whole. A failure of
 * the library before the response was opened (attestation, policy,
 * transport, a response that does not authenticate) resolves to a 502
 * Response generated here (errorResponse above), so that an HTTP client
 * library reports "<STATUS_NAME>: <reason>" in its error message; a failure
 * while the body streams errors the body stream with the ConfaiError. No
 * unauthenticated byte reaches the caller, and an event stream's
 * terminating "data: [DONE]" only once the stream ended authenticated.
 */
function createFetch(client) {
  if (!(client instanceof Client)) {
    throw new TypeError('client must be a Client');
  }
  const serviceOrigin = new URL(client.baseUrl).origin;
  return async function confaiFetch(input, init) {
    const request = new Request(input, init);
    const signal = request.signal;
    if (signal.aborted) {
      throw signal.reason;
    }
    try {
      const origin = new URL(request.url).origin;
      if (origin !== SENTINEL_ORIGIN && origin !== serviceOrigin) {
        throw new ArgumentError(`CONFAI_E_ARGUMENT: a request for ${origin} is not for the attested service ` +
          `(use the base URL ${OPENAI_BASE_URL} or ${serviceOrigin})`,
        { status: STATUS_ARGUMENT, code: 'CONFAI_E_ARGUMENT', group: 'argument' });
      }
      const inner = await shapeRequest(request);
      if (inner.streamed) {
        const stream = await abortable(client.stream(inner), signal, (s) => s.close());
        return streamResponse(stream, signal);
      }
      const r = await abortable(client.fetch(inner), signal, () => {});
      return new Response(NULL_BODY_STATUS.has(r.status) ? null : r.body,
        { status: r.status, headers: r.headers });
    } catch (e) {
      const failure = convert(e);
      if (signal.aborted || !(failure instanceof ConfaiError)) {
        throw failure;
      }
      return errorResponse(failure);
    }
  };
}

module.exports = {
  version: native.version(),
  nonceSize: native.nonceSize,
  statusName,
  statusString,
  statusGroup,
  ConfaiError,
  ArgumentError,
  ResourceError,
  ParseError,
  CryptoError,
  AttestationError,
  PolicyError,
  TransportError,
  PlatformError,
  Policy,
  Verdict,
  verifyBundle,
  SimSNP,
  Client,
  ConfaiStream,
  createFetch,
  OPENAI_BASE_URL,
};

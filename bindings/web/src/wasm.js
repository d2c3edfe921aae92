// Loads confai.wasm (libconfai's core, crypto, seal and attest layers built
// by tests/build-wasm.sh) and gives the rest of the package typed access to
// its exports: memory in and out, statuses turned into ConfaiError.
//
// The module is standalone: it imports getentropy (served from
// crypto.getRandomValues, the only source OpenSSL seeds from) and WASI's
// clock_time_get (Date.now()). The few other system calls that OpenSSL's
// file, environment and user-id code links in get "not available": the
// library does no I/O below its client layer, so the host gives it no files,
// no environment and no identity.

const WASM_URL = new URL('../dist/confai.wasm', import.meta.url);

/** A libconfai status other than CONFAI_OK, with the library's message. */
export class ConfaiError extends Error {
  constructor(status, code, message) {
    super(`${status}: ${message}`);
    this.name = 'ConfaiError';
    /** The status name, e.g. "CONFAI_E_DECRYPT" (confai_status_name). */
    this.status = status;
    /** The numeric status. */
    this.code = code;
    /** The library's message without the status name. */
    this.detail = message;
  }
}

const ENOSYS = 52; // emscripten's errno values
const WASI_EBADF = 8;
const KNOWN_LENGTH = 0; // CONFAI_HTTP_KNOWN_LENGTH

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: false });

async function sha256Base64(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let s = '';
  for (const b of digest) s += String.fromCharCode(b);
  return btoa(s);
}

async function readDefaultWasm() {
  if (typeof process === 'object' && process.versions && process.versions.node &&
      WASM_URL.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(WASM_URL));
  }
  const response = await fetch(WASM_URL);
  if (!response.ok) throw new Error(`confai.wasm: HTTP ${response.status} from ${WASM_URL}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads and instantiates confai.wasm.
 * options.wasm: the module's bytes (ArrayBuffer or view), a URL or a string
 * URL to fetch, or a compiled WebAssembly.Module; default: dist/confai.wasm
 * next to this package.
 * options.integrity: "sha256-<base64>" (dist/integrity.json); when given,
 * bytes with another digest are refused before they are compiled.
 */
export async function loadWasm(options = {}) {
  let source = options.wasm;
  let module;
  if (source instanceof WebAssembly.Module) {
    if (options.integrity) throw new Error('integrity needs the bytes, not a compiled module');
    module = source;
  } else {
    let bytes;
    if (source === undefined) {
      bytes = await readDefaultWasm();
    } else if (typeof source === 'string' || source instanceof URL) {
      const response = await fetch(source, options.integrity ? { integrity: options.integrity } : {});
      if (!response.ok) throw new Error(`confai.wasm: HTTP ${response.status} from ${source}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } else if (source instanceof ArrayBuffer) {
      bytes = new Uint8Array(source);
    } else if (ArrayBuffer.isView(source)) {
      bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    } else {
      throw new TypeError('options.wasm: bytes, a URL or a WebAssembly.Module');
    }
    if (options.integrity) {
      const want = String(options.integrity);
      if (!want.startsWith('sha256-')) throw new Error('integrity: only sha256-<base64> is supported');
      const got = `sha256-${await sha256Base64(bytes)}`;
      if (got !== want) throw new Error(`confai.wasm integrity mismatch: got ${got}, pinned ${want}`);
    }
    module = await WebAssembly.compile(bytes);
  }
  return Wasm.instantiate(module);
}

/** One instance of confai.wasm: its exports and the memory helpers. */
export class Wasm {
  static async instantiate(module) {
    const w = new Wasm();
    const instance = await WebAssembly.instantiate(module, w.#imports());
    w.x = instance.exports;
    w.x._initialize();
    if (w.x.confai_web_init() !== 0) {
      throw new Error('confai.wasm: no randomness from crypto.getRandomValues');
    }
    w.errorSize = w.x.confai_error_size();
    return w;
  }

  #imports() {
    const u8 = () => new Uint8Array(this.x.memory.buffer);
    const dv = () => new DataView(this.x.memory.buffer);
    return {
      env: {
        // OpenSSL's only seed source; getentropy allows at most 256 bytes.
        getentropy: (ptr, len) => {
          if (len > 256) return -1;
          crypto.getRandomValues(u8().subarray(ptr, ptr + len));
          return 0;
        },
        emscripten_notify_memory_growth: () => {},
        // Negative errno: no such facility (ENOSYS).
        __syscall_stat64: () => -ENOSYS,
        __syscall_getdents64: () => -ENOSYS,
        __syscall_getuid32: () => 0,
        __syscall_geteuid32: () => 0,
        __syscall_getgid32: () => 0,
        __syscall_getegid32: () => 0,
      },
      wasi_snapshot_preview1: {
        clock_time_get: (clockId, precision, ptr) => {
          // The wall clock (time(): certificate validity, expiry) from
          // Date.now(); a monotonic clock from performance.now().
          const ns = clockId === 1 ? BigInt(Math.round(performance.now() * 1e6))
            : BigInt(Date.now()) * 1000000n;
          dv().setBigUint64(ptr, ns, true);
          return 0;
        },
        // No environment: an empty list.
        environ_sizes_get: (countPtr, sizePtr) => {
          dv().setUint32(countPtr, 0, true);
          dv().setUint32(sizePtr, 0, true);
          return 0;
        },
        environ_get: () => 0,
        // No files, not even standard output.
        fd_write: () => WASI_EBADF,
        fd_read: () => WASI_EBADF,
        fd_seek: () => WASI_EBADF,
        fd_close: () => WASI_EBADF,
        proc_exit: (code) => { throw new Error(`confai.wasm called exit(${code})`); },
      },
    };
  }

  get u8() { return new Uint8Array(this.x.memory.buffer); }
  get dv() { return new DataView(this.x.memory.buffer); }

  malloc(n) {
    const p = this.x.malloc(Math.max(1, n));
    if (p === 0) throw new ConfaiError('CONFAI_E_NO_MEMORY', 200, 'wasm: out of memory');
    return p;
  }

  /** Copies bytes into fresh wasm memory; returns the pointer. */
  copyIn(bytes) {
    const p = this.malloc(bytes.length);
    this.u8.set(bytes, p);
    return p;
  }

  /** A NUL-terminated UTF-8 copy of a string; returns the pointer. */
  stringIn(s) {
    const b = te.encode(s);
    const p = this.malloc(b.length + 1);
    const m = this.u8;
    m.set(b, p);
    m[p + b.length] = 0;
    return p;
  }

  /** Frees wasm memory after wiping it (it may have held plaintext). */
  wipeFree(p, n) {
    if (p) {
      this.u8.fill(0, p, p + n);
      this.x.free(p);
    }
  }

  bytesOut(p, n) { return this.u8.slice(p, p + n); }

  string(p) {
    if (!p) return null;
    const m = this.u8;
    let end = p;
    while (m[end] !== 0) end++;
    return td.decode(m.subarray(p, end));
  }

  u32(p) { return this.dv.getUint32(p, true); }
  setU32(p, v) { this.dv.setUint32(p, v, true); }

  /**
   * Runs fn(err) with a fresh confai_error and throws ConfaiError unless it
   * returned CONFAI_OK (0).
   */
  call(fn) {
    const err = this.malloc(this.errorSize);
    try {
      this.u8.fill(0, err, err + this.errorSize);
      const status = fn(err);
      if (status !== 0) throw this.error(status, err);
    } finally {
      this.x.free(err);
    }
  }

  /** The ConfaiError of a status and its confai_error. */
  error(status, err) {
    const name = this.string(this.x.confai_status_name(status));
    const message = err ? this.string(err + 4) : '';
    return new ConfaiError(name, status, message || name);
  }

  /** An out-parameter slot of 4 bytes (pointer or size_t), zeroed. */
  slot(value = 0) {
    const p = this.malloc(4);
    this.setU32(p, value);
    return p;
  }

  /**
   * The inner request that request ({method, path, headers, body}) becomes
   * when sealed (confai_http_request_shape), as Binary HTTP with known
   * lengths, and whether its answer is asked for as a stream.
   */
  shapeRequest(request) {
    const w = this;
    const method = request.method || 'GET';
    const path = request.path || '/';
    const headers = request.headers || [];
    let body = request.body === undefined || request.body === null ? new Uint8Array(0) : request.body;
    if (typeof body === 'string') body = te.encode(body);
    body = new Uint8Array(body);
    const allocated = [];
    const keep = (p) => { allocated.push(p); return p; };
    try {
      const names = keep(w.malloc(4 * headers.length));
      const values = keep(w.malloc(4 * headers.length));
      headers.forEach(([n, v], i) => {
        w.setU32(names + 4 * i, keep(w.stringIn(String(n))));
        w.setU32(values + 4 * i, keep(w.stringIn(String(v))));
      });
      const msg = keep(w.slot());
      const streamed = keep(w.slot());
      const pm = keep(w.stringIn(method));
      const pp = keep(w.stringIn(path));
      const pb = body.length ? w.copyIn(body) : 0;
      try {
        w.call((err) => w.x.confai_http_request_shape(msg, streamed, pm, pp, names, values,
          headers.length, pb, body.length, err));
      } finally {
        w.wipeFree(pb, body.length);
      }
      const m = w.u32(msg);
      const out = keep(w.slot());
      const outLen = keep(w.slot());
      try {
        w.call((err) => w.x.confai_http_message_encode(m, out, outLen, KNOWN_LENGTH, 0, err));
      } finally {
        w.x.confai_http_message_free(m);
      }
      const p = w.u32(out);
      const n = w.u32(outLen);
      const bytes = w.bytesOut(p, n);
      w.u8.fill(0, p, p + n);
      w.x.confai_free(p);
      return { bytes, streamed: w.u32(streamed) !== 0 };
    } finally {
      for (const p of allocated) w.x.free(p);
    }
  }
}

/** The library's version, e.g. "0.1.0". */
export function version(w) {
  return w.string(w.x.confai_version());
}

// Types of @confai/web (index.js).

/** A libconfai status other than CONFAI_OK, with the library's message. */
export class ConfaiError extends Error {
  /** The status name, e.g. "CONFAI_E_DECRYPT". */
  readonly status: string;
  /** The numeric status (include/confai/common.h). */
  readonly code: number;
  /** The library's message without the status name. */
  readonly detail: string;
}

export interface LoadOptions {
  /** The module: bytes, a URL to fetch, or a compiled module. Default: dist/confai.wasm. */
  wasm?: ArrayBuffer | ArrayBufferView | string | URL | WebAssembly.Module;
  /** "sha256-<base64>" from dist/integrity.json: other bytes are refused. */
  integrity?: string;
}

/** One instance of confai.wasm (opaque). */
export interface Wasm {}

export function loadWasm(options?: LoadOptions): Promise<Wasm>;

/** The verdict JSON of confai_verdict_json (doc/protocol.md, "Verdict"). */
export interface VerdictJson {
  result: string;
  platform: string;
  product?: string;
  root?: { kind: string; spki_sha256?: string; warning?: string };
  measurement?: string;
  [member: string]: unknown;
}

export class Verdict {
  readonly json: VerdictJson;
  /** When the lease ends. */
  readonly expiry: Date;
  readonly platform: string;
  readonly measurement: string | undefined;
  readonly rootKind: string | undefined;
  /** Set when the root is not a hardware vendor's (a simulated platform). */
  readonly rootWarning: string | undefined;
}

export interface InnerRequest {
  method?: string;
  /** Path with query, e.g. "/v1/chat/completions". */
  path?: string;
  /** Header fields in order; only the allowlisted ones are sealed. */
  headers?: Array<[string, string]>;
  body?: Uint8Array | ArrayBuffer | string | null;
}

export class SealedResponse implements AsyncIterable<Uint8Array> {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  /** The opened content, each piece only after it authenticated. */
  readonly body: ReadableStream<Uint8Array>;
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
}

export interface ClientOptions extends LoadOptions {
  /** The policy document: JSON text, its bytes, or the object. */
  policy: string | Uint8Array | ArrayBuffer | object;
  /** The fetch that reaches the service (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** An instance from loadWasm to share between clients. */
  instance?: Wasm;
}

export class Client {
  /** baseURL: the service root; the client adds /v1/attestation and /v1/sealed. */
  static create(baseURL: string | URL, options: ClientOptions): Promise<Client>;
  /** The service root as given to create, without a trailing slash. */
  readonly baseURL: string;
  /** The lease's verdict, attesting first when there is none or it expired. */
  attest(options?: { force?: boolean; signal?: AbortSignal }): Promise<Verdict>;
  /** Seals one inner request and opens its answer as it arrives. */
  request(request: InnerRequest, options?: { signal?: AbortSignal }): Promise<SealedResponse>;
  close(): void;
}

/**
 * The base URL for an OpenAI client that uses createFetch: on the reserved
 * .invalid domain, so a request that bypasses createFetch cannot resolve.
 */
export const OPENAI_BASE_URL: 'http://confai.invalid/v1';

/**
 * A fetch that sends every request sealed to client's service (for the
 * openai package). Takes requests for OPENAI_BASE_URL's origin and the
 * client's own; any other origin is refused with CONFAI_E_ARGUMENT.
 */
export function createFetch(client: Client): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

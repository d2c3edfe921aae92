// Type declarations of the Node binding of libconfai (index.js).

/// <reference types="node" />

export type Bytes = Buffer | Uint8Array | string;
export type StatusGroup =
  | 'ok' | 'argument' | 'resource' | 'parse' | 'crypto' | 'attestation' | 'policy' | 'transport';

/** The C library's version ("0.1.0"). */
export const version: string;
/** Size of the client's attestation nonce (32). */
export const nonceSize: number;
/** The symbolic name of a status ("CONFAI_E_DECRYPT"). */
export function statusName(status: number): string;
/** The library's short description of a status. */
export function statusString(status: number): string;
/** The group of a status. */
export function statusGroup(status: number): StatusGroup;

/** A failure the C library reported; its message is "<code>: <reason>". */
export class ConfaiError extends Error {
  /** The confai_status (e.g. 402). */
  readonly status: number;
  /** Its symbolic name (e.g. "CONFAI_E_DECRYPT"). */
  readonly code: string;
  readonly group: StatusGroup;
}
/** 1xx: the caller passed something the library cannot use. */
export class ArgumentError extends ConfaiError {}
/** 2xx: memory and internal failures. */
export class ResourceError extends ConfaiError {}
/** 3xx: input bytes that do not parse. */
export class ParseError extends ConfaiError {}
/** 4xx: cryptographic rejections (tampered or truncated messages and streams). */
export class CryptoError extends ConfaiError {}
/** 5xx: evidence that does not prove what it claims. */
export class AttestationError extends ConfaiError {}
/** 6xx: verified evidence the policy does not accept. */
export class PolicyError extends ConfaiError {}
/** 7xx: the transport to the service failed. */
export class TransportError extends ConfaiError {}
export class PlatformError extends ConfaiError {}

/** A verification policy (doc/policy.md); immutable. */
export class Policy {
  constructor(document: Bytes);
  /** max_age in seconds. */
  readonly maxAge: number;
  /** Releases the policy; clients made with it keep their own reference. */
  close(): void;
  [Symbol.dispose](): void;
}

export type TcbKind = 'current' | 'reported' | 'committed' | 'launch';

/** What a verification proved; immutable. Accessors throw after close(). */
export class Verdict {
  readonly platform: string;
  readonly product: string;
  readonly measurement: Buffer;
  /** 'custom' means a root the policy added: NOT a hardware vendor root. */
  readonly rootKind: 'vendor' | 'custom' | 'none';
  /** For a custom root, the warning to show wherever the verdict is. */
  readonly rootWarning: string | null;
  readonly keyConfigDigest: Buffer;
  readonly manifestDigest: Buffer;
  readonly verifiedAt: Date | null;
  readonly notAfter: Date | null;
  /** After this the bound key must not be used without a new attestation. */
  readonly expiry: Date | null;
  readonly checks: string[];
  readonly waived: string[];
  /** A raw 64-bit TCB_VERSION. */
  tcb(kind: TcbKind): bigint;
  /** The library's verdict JSON (doc/protocol.md). */
  json(): string;
  toJSON(): Record<string, unknown>;
  close(): void;
  [Symbol.dispose](): void;
}

export interface VerifyOptions {
  /** Verification time: a Date or seconds since 1970; default now. */
  time?: Date | number;
  /** Ignore unknown bundle members (migrations only). */
  lenientBundle?: boolean;
}

/** Verifies an evidence bundle answering nonce (32 bytes) against policy; throws the first failed check's error. */
export function verifyBundle(policy: Policy, nonce: Uint8Array, bundle: Bytes, options?: VerifyOptions): Verdict;

/** The library's simulated SEV-SNP platform, for development and tests only. */
export class SimSNP {
  constructor(options: { savedKeys?: Bytes | null; measurement: Uint8Array; now?: Date });
  saveKeys(): Buffer;
  policyJson(manifest: Bytes, maxAgeSeconds: number): Buffer;
  bundle(nonce: Uint8Array, keyConfig: Uint8Array, manifest: Bytes, notAfter: string): Buffer;
  close(): void;
  [Symbol.dispose](): void;
}

export type HeaderList = [string, string][];

/** An inner request, sealed whole. */
export interface InnerRequest {
  method: string;
  path: string;
  scheme?: string;
  authority?: string;
  headers?: HeaderList;
  body?: Bytes;
}

/** An opened whole response. */
export interface InnerResponse {
  status: number;
  headers: HeaderList;
  trailers: HeaderList;
  body: Buffer;
}

/** A streamed response being opened; iterating yields authenticated content. */
export class ConfaiStream implements AsyncIterable<Buffer> {
  readonly status: number;
  readonly headers: HeaderList;
  /** The next content bytes, or null at the authenticated end. */
  read(size?: number): Promise<Buffer | null>;
  /** Makes a pending or later read fail with CONFAI_E_CANCELLED. */
  cancel(): void;
  close(): void;
  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined>;
}

export interface ClientOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  attestTimeoutMs?: number;
  attestRetries?: number;
  retryBackoffMs?: number;
  caFile?: string;
  pinnedPublicKey?: string;
  userAgent?: string;
  maxResponseSize?: number;
  chunkSize?: number;
  verify?: VerifyOptions;
}

/** A client of one confidential service; blocking work runs on the libuv thread pool. */
export class Client {
  /** The attested service's URL, as given. */
  readonly baseUrl: string;
  constructor(baseUrl: string, policy: Policy, options?: ClientOptions);
  /** Attests now; the verdict becomes the lease. */
  attest(): Promise<Verdict>;
  /** The lease's verdict, attesting first when needed. */
  verdict(): Promise<Verdict>;
  fetch(request: InnerRequest): Promise<InnerResponse>;
  stream(request: InnerRequest): Promise<ConfaiStream>;
  /** A streamed chat completion: yields each authenticated piece of the answer. */
  chat(request: object | string | Uint8Array, options?: { signal?: AbortSignal }): AsyncGenerator<string, void, undefined>;
  chatText(request: object | string | Uint8Array, options?: { signal?: AbortSignal }): Promise<string>;
  close(): void;
  [Symbol.dispose](): void;
}

/**
 * The base URL for an OpenAI client whose fetch is createFetch(client):
 * "http://confai.invalid/v1", on the reserved .invalid domain (RFC 6761), so
 * that a client built without the confai fetch fails to resolve it.
 */
export const OPENAI_BASE_URL: string;

/**
 * A fetch-compatible function that seals every request to the client's
 * attested service. It takes requests for OPENAI_BASE_URL's origin and the
 * client's own; a library failure before the response opened resolves to a
 * 502 Response marked "confai-error: <STATUS_NAME>" whose OpenAI-style error
 * message is "<STATUS_NAME>: <reason>".
 */
export function createFetch(client: Client): (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

// createFetch(client): a fetch for the official openai npm package (or any
// fetch user) that sends every request sealed to the client's attested
// service. The request goes, sealed, to the client's service; its method,
// path and query, allowlisted header fields and body become the inner
// request (confai_http_request_shape).
import { Client } from './client.js';
import { ConfaiError } from './wasm.js';

/**
 * The base URL to give an OpenAI client that uses createFetch: a name on the
 * reserved .invalid domain (RFC 6761), which no resolver answers. A client
 * that was meant to go through createFetch but does not (a second HTTP path
 * in a framework, a forgotten option) then fails to resolve instead of
 * sending the prompt in plaintext to a real host.
 */
export const OPENAI_BASE_URL = 'http://confai.invalid/v1';
const SENTINEL_ORIGIN = new URL(OPENAI_BASE_URL).origin;
const E_ARGUMENT = 100; // CONFAI_E_ARGUMENT

// Responses to these statuses have no body (the Response constructor refuses one).
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 *   const openai = new OpenAI({ baseURL: OPENAI_BASE_URL, apiKey: 'unused',
 *                               dangerouslyAllowBrowser: true,
 *                               fetch: createFetch(client) });
 *
 * It takes requests for OPENAI_BASE_URL's origin (http://confai.invalid) and
 * for the origin of the client's own base URL; a request for any other
 * origin was meant for another service and is refused (CONFAI_E_ARGUMENT)
 * before anything is sent.
 * A JSON body with "stream": true is a streamed exchange: the Response body
 * gives the opened content as it authenticates. Every failure of the library
 * rejects the Promise or errors the body stream; no unauthenticated byte
 * reaches the caller, and an event stream's "data: [DONE]" only once the
 * answer ended authenticated.
 */
export function createFetch(client) {
  if (!(client instanceof Client)) throw new TypeError('client must be a Client');
  const serviceOrigin = new URL(client.baseURL).origin;
  return async function confaiFetch(input, init) {
    const request = new Request(input, init);
    const signal = request.signal;
    if (signal.aborted) throw signal.reason;
    const url = new URL(request.url);
    if (url.origin !== SENTINEL_ORIGIN && url.origin !== serviceOrigin) {
      throw new ConfaiError('CONFAI_E_ARGUMENT', E_ARGUMENT,
        `a request for ${url.origin} is not for the attested service ` +
        `(use the base URL ${OPENAI_BASE_URL} or ${serviceOrigin})`);
    }
    const headers = [...request.headers];
    const body = request.body === null ? new Uint8Array(0) : new Uint8Array(await request.arrayBuffer());
    const answer = await client.request({
      method: request.method,
      path: url.pathname + url.search,
      headers,
      body,
    }, { signal });
    return new Response(NULL_BODY_STATUS.has(answer.status) ? null : answer.body,
      { status: answer.status, headers: answer.headers });
  };
}

// createFetch(client): a fetch for the official openai npm package (or any
// fetch user) that sends every request sealed to the client's attested
// service. The outer URL's host is not used: the request goes, sealed, to
// the client's service; its method, path and query, allowlisted header
// fields and body become the inner request (confai_http_request_shape).
import { Client } from './client.js';

// Responses to these statuses have no body (the Response constructor refuses one).
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 *   const openai = new OpenAI({ baseURL: base + '/v1', apiKey: 'unused',
 *                               dangerouslyAllowBrowser: true,
 *                               fetch: createFetch(client) });
 *
 * A JSON body with "stream": true is a streamed exchange: the Response body
 * gives the opened content as it authenticates. Every failure of the library
 * rejects the Promise or errors the body stream; no unauthenticated byte
 * reaches the caller, and an event stream's "data: [DONE]" only once the
 * answer ended authenticated.
 */
export function createFetch(client) {
  if (!(client instanceof Client)) throw new TypeError('client must be a Client');
  return async function confaiFetch(input, init) {
    const request = new Request(input, init);
    const signal = request.signal;
    if (signal.aborted) throw signal.reason;
    const url = new URL(request.url);
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

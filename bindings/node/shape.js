'use strict';
// The inner request of a fetch Request. Which header fields go into the
// sealed request and whether the call is a streamed exchange are decided by
// the library's one rule for every binding and the proxy
// (confai_http_request_shape in confai/bhttp.h): an allowlist of fields in
// a fixed order, and "streamed" for a POST whose JSON object body has
// "stream": true.
const native = require('./native');

/** A Request as the library shapes it: an object with .streamed, sent once. */
async function shapeRequest(request) {
  const url = new URL(request.url);
  const body = request.body === null ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
  return new native.ShapedRequest(request.method, url.pathname + url.search, [...request.headers], body);
}

module.exports = { shapeRequest };

// @confai/web: libconfai's verify, bind, seal and open layers compiled to
// WebAssembly (dist/confai.wasm, its SHA-256 in dist/integrity.json), with a
// Client that attests, keeps the lease, seals requests and opens streamed
// answers, and createFetch for the official openai package. Works in
// browsers and in Node >= 20.17.
export { ConfaiError, loadWasm } from './src/wasm.js';
export { Client, Verdict, SealedResponse } from './src/client.js';
export { createFetch, OPENAI_BASE_URL } from './src/fetch.js';

// The ES module entry of the Node binding: the names of index.js (the
// CommonJS entry, which loads the addon) as named exports, the same ones
// index.d.ts declares (test/exports.test.js checks both against it).
import confai from './index.js';

export const {
  version,
  nonceSize,
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
} = confai;

// The CommonJS module object, as Node's own import of a CommonJS module
// gives it (`import confai from 'confai'`).
export default confai;

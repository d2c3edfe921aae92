// Package confai is the Go binding of libconfai, the client half of
// confidential AI: it attests a service that runs inside a trusted execution
// environment, verifies the evidence against a policy, and seals every
// request to the key the evidence binds (doc/protocol.md of libconfai).
//
// The package is a thin cgo wrapper: every verdict and every byte of
// cryptography comes from the C library, so Go accepts and rejects exactly
// what C, Python and Node do. It is built against libconfai with pkg-config
// (`#cgo pkg-config: confai`); to use a build tree that is not installed,
// point PKG_CONFIG_PATH at <build>/pkgconfig, whose confai-uninstalled.pc
// pkg-config prefers, and give that build its own GOCACHE: Go's build cache
// does not see the library behind pkg-config, so after a switch it can reuse
// cgo objects of the previous one (README.md here).
//
// The module path, libconfai.invalid/confai, is on the reserved .invalid
// domain: the module is not published, an application points at a checkout
// or a copy with a replace directive, and a missing replace is an error
// rather than a download of someone else's module (README.md here).
//
// With the OpenAI Go SDK, the base URL is the sentinel OpenAIBaseURL and
// the transport a RoundTripper: only the RoundTripper knows where the
// attested service is.
//
// Errors are *Error values carrying the library's status; errors.Is matches
// them against the group sentinels (ErrParse, ErrCrypto, ErrAttestation,
// ErrPolicy, ErrTransport, ...) and against another *Error of the same
// status.
//
// Handles (Policy, Verdict, Client, Stream, SimSNP) hold C memory. Close
// releases it at once; a handle that is dropped without Close is released
// by the garbage collector.
package confai

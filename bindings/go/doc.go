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
// pkg-config prefers.
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

package confai

/*
#cgo pkg-config: confai
#include <confai/confai.h>
*/
import "C"

import (
	"fmt"
)

// Status is a libconfai status code (confai_status). The values are those of
// the C enum; they are never renumbered or reused.
type Status int

// The status codes of include/confai/common.h.
const (
	StatusOK Status = C.CONFAI_OK

	StatusArgument       Status = C.CONFAI_E_ARGUMENT
	StatusBufferTooSmall Status = C.CONFAI_E_BUFFER_TOO_SMALL
	StatusUnsupported    Status = C.CONFAI_E_UNSUPPORTED
	StatusState          Status = C.CONFAI_E_STATE

	StatusNoMemory Status = C.CONFAI_E_NO_MEMORY
	StatusInternal Status = C.CONFAI_E_INTERNAL

	StatusMalformed    Status = C.CONFAI_E_MALFORMED
	StatusTruncated    Status = C.CONFAI_E_TRUNCATED
	StatusTrailingData Status = C.CONFAI_E_TRAILING_DATA
	StatusLimit        Status = C.CONFAI_E_LIMIT

	StatusBadKey            Status = C.CONFAI_E_BAD_KEY
	StatusBadEncapsulation  Status = C.CONFAI_E_BAD_ENCAPSULATION
	StatusDecrypt           Status = C.CONFAI_E_DECRYPT
	StatusSequenceExhausted Status = C.CONFAI_E_SEQUENCE_EXHAUSTED
	StatusExportOnly        Status = C.CONFAI_E_EXPORT_ONLY
	StatusBadPSK            Status = C.CONFAI_E_BAD_PSK
	StatusKeyIDUnknown      Status = C.CONFAI_E_KEY_ID_UNKNOWN
	StatusStreamTruncated   Status = C.CONFAI_E_STREAM_TRUNCATED
	StatusStreamTrailing    Status = C.CONFAI_E_STREAM_TRAILING
	StatusChunkReplayed     Status = C.CONFAI_E_CHUNK_REPLAYED
	StatusChunkReordered    Status = C.CONFAI_E_CHUNK_REORDERED

	StatusBadSignature    Status = C.CONFAI_E_BAD_SIGNATURE
	StatusCertChain       Status = C.CONFAI_E_CERT_CHAIN
	StatusUnknownRoot     Status = C.CONFAI_E_UNKNOWN_ROOT
	StatusCertExpired     Status = C.CONFAI_E_CERT_EXPIRED
	StatusCertRevoked     Status = C.CONFAI_E_CERT_REVOKED
	StatusTCBMismatch     Status = C.CONFAI_E_TCB_MISMATCH
	StatusBinding         Status = C.CONFAI_E_BINDING
	StatusNonceMismatch   Status = C.CONFAI_E_NONCE_MISMATCH
	StatusEvidenceExpired Status = C.CONFAI_E_EVIDENCE_EXPIRED
	StatusCollateral      Status = C.CONFAI_E_COLLATERAL
	StatusTokenAlgorithm  Status = C.CONFAI_E_TOKEN_ALGORITHM
	StatusTokenKey        Status = C.CONFAI_E_TOKEN_KEY
	StatusTokenExpired    Status = C.CONFAI_E_TOKEN_EXPIRED
	StatusTokenClaim      Status = C.CONFAI_E_TOKEN_CLAIM
	StatusTokenDetached   Status = C.CONFAI_E_TOKEN_DETACHED

	StatusPolicyInvalid     Status = C.CONFAI_E_POLICY_INVALID
	StatusPolicyPlatform    Status = C.CONFAI_E_POLICY_PLATFORM
	StatusPolicyMeasurement Status = C.CONFAI_E_POLICY_MEASUREMENT
	StatusPolicyTCB         Status = C.CONFAI_E_POLICY_TCB
	StatusPolicyDebug       Status = C.CONFAI_E_POLICY_DEBUG
	StatusPolicyVMPL        Status = C.CONFAI_E_POLICY_VMPL
	StatusPolicyGuest       Status = C.CONFAI_E_POLICY_GUEST
	StatusPolicyIdentity    Status = C.CONFAI_E_POLICY_IDENTITY
	StatusPolicyChip        Status = C.CONFAI_E_POLICY_CHIP
	StatusPolicyFirmware    Status = C.CONFAI_E_POLICY_FIRMWARE
	StatusPolicyManifest    Status = C.CONFAI_E_POLICY_MANIFEST
	StatusPolicyCollateral  Status = C.CONFAI_E_POLICY_COLLATERAL
	StatusPolicyGPUCount    Status = C.CONFAI_E_POLICY_GPU_COUNT
	StatusPolicyGPUVersion  Status = C.CONFAI_E_POLICY_GPU_VERSION
	StatusPolicyToken       Status = C.CONFAI_E_POLICY_TOKEN

	StatusNetwork    Status = C.CONFAI_E_NETWORK
	StatusTimeout    Status = C.CONFAI_E_TIMEOUT
	StatusTLS        Status = C.CONFAI_E_TLS
	StatusHTTPStatus Status = C.CONFAI_E_HTTP_STATUS
	StatusNotSealed  Status = C.CONFAI_E_NOT_SEALED
	StatusCancelled  Status = C.CONFAI_E_CANCELLED
)

// Name is the status's symbolic name ("CONFAI_E_DECRYPT"), from
// confai_status_name.
func (s Status) Name() string {
	return C.GoString(C.confai_status_name(C.confai_status(s)))
}

// String is the library's short description (confai_status_str).
func (s Status) String() string {
	return C.GoString(C.confai_status_str(C.confai_status(s)))
}

// Group is the status's group (confai_status_group_of).
func (s Status) Group() Group {
	return Group(C.confai_status_group_of(C.confai_status(s)))
}

// Group is a group of status codes (confai_status_group): the hundreds of
// the code. Each group has a sentinel error for errors.Is.
type Group int

// The groups of include/confai/common.h.
const (
	GroupOK          Group = C.CONFAI_GROUP_OK
	GroupArgument    Group = C.CONFAI_GROUP_ARGUMENT
	GroupResource    Group = C.CONFAI_GROUP_RESOURCE
	GroupParse       Group = C.CONFAI_GROUP_PARSE
	GroupCrypto      Group = C.CONFAI_GROUP_CRYPTO
	GroupAttestation Group = C.CONFAI_GROUP_ATTESTATION
	GroupPolicy      Group = C.CONFAI_GROUP_POLICY
	GroupTransport   Group = C.CONFAI_GROUP_TRANSPORT
	GroupPlatform    Group = C.CONFAI_GROUP_PLATFORM
)

var groupNames = map[Group]string{
	GroupOK:          "ok",
	GroupArgument:    "argument",
	GroupResource:    "resource",
	GroupParse:       "parse",
	GroupCrypto:      "crypto",
	GroupAttestation: "attestation",
	GroupPolicy:      "policy",
	GroupTransport:   "transport",
	GroupPlatform:    "platform",
}

// String is the group's lowercase name ("crypto").
func (g Group) String() string {
	if name, ok := groupNames[g]; ok {
		return name
	}
	return fmt.Sprintf("group(%d)", int(g))
}

// groupError is the sentinel of one group.
type groupError struct{ group Group }

func (e *groupError) Error() string { return "confai: " + e.group.String() + " error" }

// Sentinels, one per group: errors.Is(err, confai.ErrCrypto) is true for
// every *Error whose status is in the 4xx group.
var (
	ErrArgument    error = &groupError{GroupArgument}    // 1xx: the caller passed something unusable
	ErrResource    error = &groupError{GroupResource}    // 2xx: memory, internal failures
	ErrParse       error = &groupError{GroupParse}       // 3xx: input bytes that do not parse
	ErrCrypto      error = &groupError{GroupCrypto}      // 4xx: cryptographic rejections
	ErrAttestation error = &groupError{GroupAttestation} // 5xx: evidence that does not prove its claim
	ErrPolicy      error = &groupError{GroupPolicy}      // 6xx: verified evidence the policy rejects
	ErrTransport   error = &groupError{GroupTransport}   // 7xx: the transport to the service failed
	ErrPlatform    error = &groupError{GroupPlatform}    // 8xx: the server's platform produced no evidence
)

var groupSentinels = map[Group]error{
	GroupArgument:    ErrArgument,
	GroupResource:    ErrResource,
	GroupParse:       ErrParse,
	GroupCrypto:      ErrCrypto,
	GroupAttestation: ErrAttestation,
	GroupPolicy:      ErrPolicy,
	GroupTransport:   ErrTransport,
	GroupPlatform:    ErrPlatform,
}

// Error is a failure the C library reported: its status, the status's name
// and group, and the per-call message.
type Error struct {
	Status  Status // the confai_status
	Name    string // its symbolic name ("CONFAI_E_DECRYPT")
	Group   Group  // its group
	Message string // the library's detail for this call
}

// Error formats the error as "confai: CONFAI_E_DECRYPT: <message>".
func (e *Error) Error() string {
	return "confai: " + e.Name + ": " + e.Message
}

// Is reports whether target is the sentinel of e's group, or an *Error
// with the same status.
func (e *Error) Is(target error) bool {
	if t, ok := target.(*Error); ok {
		return t.Status == e.Status
	}
	if sentinel, ok := groupSentinels[e.Group]; ok {
		return target == sentinel
	}
	return false
}

// newError makes the Go error of a failed call from its confai_error.
func newError(status C.confai_status, cerr *C.confai_error) error {
	s := Status(status)
	msg := ""
	if cerr != nil && Status(cerr.status) == s {
		msg = C.GoString(&cerr.message[0])
	}
	if msg == "" {
		msg = s.String()
	}
	return &Error{Status: s, Name: s.Name(), Group: s.Group(), Message: msg}
}

// check turns a returned status into nil or an *Error.
func check(status C.confai_status, cerr *C.confai_error) error {
	if status == C.CONFAI_OK {
		return nil
	}
	return newError(status, cerr)
}

// Version is the C library's version ("0.1.0").
func Version() string {
	return C.GoString(C.confai_version())
}

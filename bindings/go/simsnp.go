package confai

/*
#include <stdlib.h>
#include <confai/confai.h>
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// SimSNP is the simulated SEV-SNP platform of the library (confai_sim_snp),
// for the server half during development and tests: its evidence verifies
// with the production code, but only under a policy that pins its root
// (PolicyJSON), and every verdict then says the root is not AMD's. Never
// use it where confidentiality matters. Immutable: may be shared.
type SimSNP struct {
	h       *handle
	cleanup runtime.Cleanup
}

func freeSimSNP(s unsafe.Pointer) { C.confai_sim_snp_free((*C.confai_sim_snp)(s)) }

// NewSimSNP creates the platform from saved keys (SaveKeys' text) or, when
// savedKeys is nil, fresh keys (a few seconds). Certificates are valid from
// a day before now (the zero Time: the current time); reports carry
// measurement.
func NewSimSNP(savedKeys []byte, measurement [48]byte, now time.Time) (*SimSNP, error) {
	var unix C.int64_t
	if !now.IsZero() {
		unix = C.int64_t(now.Unix())
	}
	keys := charPtr(savedKeys)
	var cerr C.confai_error
	var s *C.confai_sim_snp
	st := C.confai_sim_snp_new(&s, keys, C.size_t(len(savedKeys)),
		(*C.uint8_t)(unsafe.Pointer(&measurement[0])), unix, &cerr)
	runtime.KeepAlive(savedKeys)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	sim := &SimSNP{h: newHandle(unsafe.Pointer(s), freeSimSNP)}
	sim.cleanup = runtime.AddCleanup(sim, (*handle).close, sim.h)
	return sim, nil
}

// Close releases the platform and wipes its keys.
func (s *SimSNP) Close() error {
	s.cleanup.Stop()
	s.h.close()
	return nil
}

func (s *SimSNP) acquire() (*C.confai_sim_snp, error) {
	if s == nil {
		return nil, usageError("simulated platform is nil")
	}
	ptr := (*C.confai_sim_snp)(s.h.acquire())
	if ptr == nil {
		return nil, usageError("simulated platform is closed")
	}
	return ptr, nil
}

// SaveKeys returns the platform's private keys as PEM text (sensitive).
func (s *SimSNP) SaveKeys() ([]byte, error) {
	ptr, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	var cerr C.confai_error
	var text *C.char
	var n C.size_t
	if err := check(C.confai_sim_snp_save_keys(ptr, &text, &n, &cerr), &cerr); err != nil {
		return nil, err
	}
	return takeBytes(unsafe.Pointer(text), n), nil
}

// PolicyJSON returns a policy document that accepts exactly this platform,
// with the digest of manifest and maxAge (whole seconds, > 0).
func (s *SimSNP) PolicyJSON(manifest []byte, maxAge time.Duration) ([]byte, error) {
	ptr, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	var cerr C.confai_error
	var json *C.char
	var n C.size_t
	st := C.confai_sim_snp_policy_json(ptr, &json, &n, bytesPtr(manifest), C.size_t(len(manifest)),
		C.int64_t(maxAge/time.Second), &cerr)
	runtime.KeepAlive(manifest)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	return takeBytes(unsafe.Pointer(json), n), nil
}

// Bundle answers an attestation request: an evidence bundle whose report
// binds nonce, keyConfig (one serialized KeyConfig), manifest and notAfter
// (RFC 3339, "2026-01-01T00:00:00Z").
func (s *SimSNP) Bundle(nonce [32]byte, keyConfig, manifest []byte, notAfter string) ([]byte, error) {
	ptr, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	cNotAfter := C.CString(notAfter)
	defer C.free(unsafe.Pointer(cNotAfter))
	var cerr C.confai_error
	var json *C.char
	var n C.size_t
	st := C.confai_sim_snp_bundle(ptr, &json, &n, (*C.uint8_t)(unsafe.Pointer(&nonce[0])),
		bytesPtr(keyConfig), C.size_t(len(keyConfig)), bytesPtr(manifest), C.size_t(len(manifest)),
		cNotAfter, &cerr)
	runtime.KeepAlive(keyConfig)
	runtime.KeepAlive(manifest)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	return takeBytes(unsafe.Pointer(json), n), nil
}

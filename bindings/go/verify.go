package confai

/*
#include <confai/confai.h>
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// VerifyOptions are the options of one verification
// (confai_verify_options). The zero value means strict parsing at the
// current time.
type VerifyOptions struct {
	// Time is the verification time; the zero Time means now.
	Time time.Time
	// LenientBundle ignores unknown members of the evidence bundle
	// (CONFAI_VERIFY_LENIENT_BUNDLE), for migrations to a newer service.
	LenientBundle bool
}

// fill writes o into a C options struct initialised with the defaults.
func (o *VerifyOptions) fill(c *C.confai_verify_options) error {
	var cerr C.confai_error
	st := C.confai_verify_options_init(c, C.confai_verify_options_version(), &cerr)
	if err := check(st, &cerr); err != nil {
		return err
	}
	if o == nil {
		return nil
	}
	if !o.Time.IsZero() {
		c.verify_time = C.int64_t(o.Time.Unix())
	}
	if o.LenientBundle {
		c.flags |= C.CONFAI_VERIFY_LENIENT_BUNDLE
	}
	return nil
}

// NonceSize is the size of the client's attestation nonce.
var NonceSize = int(C.confai_attestation_nonce_size())

// VerifyBundle verifies an evidence bundle (doc/protocol.md) that answers
// nonce, against policy (confai_attestation_verify). On success the verdict
// says what was proven; on failure the error carries the status of the first
// check that did not pass and there is no verdict. opts may be nil.
func VerifyBundle(policy *Policy, nonce [32]byte, bundle []byte, opts *VerifyOptions) (*Verdict, error) {
	var copts C.confai_verify_options
	if err := opts.fill(&copts); err != nil {
		return nil, err
	}
	p, err := policy.acquire()
	if err != nil {
		return nil, err
	}
	defer policy.h.release()
	var cerr C.confai_error
	var v *C.confai_verdict
	st := C.confai_attestation_verify(&v, p, &copts,
		(*C.uint8_t)(unsafe.Pointer(&nonce[0])), charPtr(bundle), C.size_t(len(bundle)), &cerr)
	runtime.KeepAlive(bundle)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	return newVerdict(v), nil
}

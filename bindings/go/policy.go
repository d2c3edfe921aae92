package confai

/*
#include <stdlib.h>
#include <confai/confai.h>
*/
import "C"

import (
	"os"
	"runtime"
	"time"
	"unsafe"
)

// bytesPtr is the C view of a Go byte slice: NULL when it is empty. The
// memory stays Go's; cgo pins it for the duration of the call.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// charPtr is bytesPtr for functions that take const char *.
func charPtr(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// takeBytes copies library-allocated memory into Go and releases it with
// confai_free (which wipes it).
func takeBytes(p unsafe.Pointer, n C.size_t) []byte {
	if p == nil {
		return nil
	}
	out := C.GoBytes(p, C.int(n))
	C.confai_free(p)
	return out
}

// usageError is an *Error with StatusArgument for a Go-side misuse (a nil or
// closed handle) that never reaches the library.
func usageError(msg string) error {
	return &Error{Status: StatusArgument, Name: StatusArgument.Name(),
		Group: GroupArgument, Message: msg}
}

// Policy is a verification policy (doc/policy.md), parsed and validated by
// the library. It is immutable and may be shared between goroutines.
type Policy struct {
	h       *handle
	cleanup runtime.Cleanup
}

func freePolicy(p unsafe.Pointer) { C.confai_policy_free((*C.confai_policy)(p)) }

// NewPolicy parses a policy document (JSON). Errors: StatusPolicyInvalid
// naming the field, StatusLimit, StatusNoMemory.
func NewPolicy(document []byte) (*Policy, error) {
	var cerr C.confai_error
	var p *C.confai_policy
	st := C.confai_policy_new(&p, charPtr(document), C.size_t(len(document)), &cerr)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	policy := &Policy{h: newHandle(unsafe.Pointer(p), freePolicy)}
	policy.cleanup = runtime.AddCleanup(policy, (*handle).close, policy.h)
	return policy, nil
}

// ReadPolicy reads a policy document from a file and parses it.
func ReadPolicy(path string) (*Policy, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return NewPolicy(doc)
}

// acquire returns the C policy for a call or a client; release with
// p.h.release().
func (p *Policy) acquire() (*C.confai_policy, error) {
	if p == nil {
		return nil, usageError("policy is nil")
	}
	ptr := (*C.confai_policy)(p.h.acquire())
	if ptr == nil {
		return nil, usageError("policy is closed")
	}
	return ptr, nil
}

// MaxAge is the policy's max_age (0 once closed).
func (p *Policy) MaxAge() time.Duration {
	ptr, err := p.acquire()
	if err != nil {
		return 0
	}
	defer p.h.release()
	return time.Duration(C.confai_policy_max_age(ptr)) * time.Second
}

// Close releases the policy. A Client made with it holds its own reference
// and goes on working. Closing twice is harmless.
func (p *Policy) Close() error {
	p.cleanup.Stop()
	p.h.close()
	return nil
}

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

// RootKind says which kind of root the evidence chains to.
type RootKind int

// The kinds of confai_root_kind.
const (
	RootNone   RootKind = C.CONFAI_ROOT_NONE   // only for a closed verdict
	RootVendor RootKind = C.CONFAI_ROOT_VENDOR // a built-in hardware vendor root
	RootCustom RootKind = C.CONFAI_ROOT_CUSTOM // a root the policy added: NOT a vendor root
)

// TCBKind selects one of the TCB values an SEV-SNP report carries.
type TCBKind int

// The kinds of confai_tcb_kind.
const (
	TCBCurrent   TCBKind = C.CONFAI_TCB_CURRENT
	TCBReported  TCBKind = C.CONFAI_TCB_REPORTED
	TCBCommitted TCBKind = C.CONFAI_TCB_COMMITTED
	TCBLaunch    TCBKind = C.CONFAI_TCB_LAUNCH
)

// Verdict is the result of a successful verification: what was proven. It
// is immutable and may be shared between goroutines. After Close every
// accessor returns the zero value.
type Verdict struct {
	h       *handle
	cleanup runtime.Cleanup
}

func freeVerdict(v unsafe.Pointer) { C.confai_verdict_free((*C.confai_verdict)(v)) }

// newVerdict takes over one reference to v.
func newVerdict(v *C.confai_verdict) *Verdict {
	verdict := &Verdict{h: newHandle(unsafe.Pointer(v), freeVerdict)}
	verdict.cleanup = runtime.AddCleanup(verdict, (*handle).close, verdict.h)
	return verdict
}

// with runs f on the C verdict unless the verdict is closed.
func (v *Verdict) with(f func(*C.confai_verdict)) {
	if v == nil {
		return
	}
	ptr := (*C.confai_verdict)(v.h.acquire())
	if ptr == nil {
		return
	}
	defer v.h.release()
	f(ptr)
}

// Close releases this reference to the verdict. Closing twice is harmless.
func (v *Verdict) Close() error {
	v.cleanup.Stop()
	v.h.close()
	return nil
}

func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// Platform is the platform ("sev-snp").
func (v *Verdict) Platform() (s string) {
	v.with(func(p *C.confai_verdict) { s = goString(C.confai_verdict_platform(p)) })
	return
}

// Product is the product ("milan", "genoa", "turin").
func (v *Verdict) Product() (s string) {
	v.with(func(p *C.confai_verdict) { s = goString(C.confai_verdict_product(p)) })
	return
}

// Measurement is the launch measurement.
func (v *Verdict) Measurement() (b []byte) {
	v.with(func(p *C.confai_verdict) {
		var n C.size_t
		m := C.confai_verdict_measurement(p, &n)
		if m != nil {
			b = C.GoBytes(unsafe.Pointer(m), C.int(n))
		}
	})
	return
}

// RootKind is the kind of root the evidence chains to.
func (v *Verdict) RootKind() (k RootKind) {
	v.with(func(p *C.confai_verdict) { k = RootKind(C.confai_verdict_root_kind(p)) })
	return
}

// RootWarning is, for a custom root, the warning for humans ("NOT an AMD
// root: ...") to be shown wherever the verdict is; "" for a vendor root.
func (v *Verdict) RootWarning() (s string) {
	v.with(func(p *C.confai_verdict) { s = goString(C.confai_verdict_root_warning(p)) })
	return
}

func digest(p *C.uint8_t) []byte {
	if p == nil {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(C.confai_verdict_digest_size()))
}

// KeyConfigDigest is the SHA-256 of the bound KeyConfig.
func (v *Verdict) KeyConfigDigest() (b []byte) {
	v.with(func(p *C.confai_verdict) { b = digest(C.confai_verdict_key_config_digest(p)) })
	return
}

// ManifestDigest is the SHA-256 of the manifest.
func (v *Verdict) ManifestDigest() (b []byte) {
	v.with(func(p *C.confai_verdict) { b = digest(C.confai_verdict_manifest_digest(p)) })
	return
}

func unixTime(s C.int64_t) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// VerifiedAt is when the evidence was verified.
func (v *Verdict) VerifiedAt() (t time.Time) {
	v.with(func(p *C.confai_verdict) { t = unixTime(C.confai_verdict_verified_at(p)) })
	return
}

// NotAfter is the bundle's not_after.
func (v *Verdict) NotAfter() (t time.Time) {
	v.with(func(p *C.confai_verdict) { t = unixTime(C.confai_verdict_not_after(p)) })
	return
}

// Expiry is when the verdict expires: min(not_after, verified_at + max_age,
// end of the endorsement chain's validity).
func (v *Verdict) Expiry() (t time.Time) {
	v.with(func(p *C.confai_verdict) { t = unixTime(C.confai_verdict_expiry(p)) })
	return
}

// TCB is a TCB value as its raw 64-bit TCB_VERSION.
func (v *Verdict) TCB(kind TCBKind) (raw uint64) {
	v.with(func(p *C.confai_verdict) { raw = uint64(C.confai_verdict_tcb(p, C.confai_tcb_kind(kind))) })
	return
}

// Checks are the names of the checks that passed, in the order they ran.
func (v *Verdict) Checks() (names []string) {
	v.with(func(p *C.confai_verdict) {
		n := C.confai_verdict_check_count(p)
		for i := C.size_t(0); i < n; i++ {
			names = append(names, goString(C.confai_verdict_check(p, i)))
		}
	})
	return
}

// Waived are the names of the checks the policy waived.
func (v *Verdict) Waived() (names []string) {
	v.with(func(p *C.confai_verdict) {
		n := C.confai_verdict_waived_count(p)
		for i := C.size_t(0); i < n; i++ {
			names = append(names, goString(C.confai_verdict_waived(p, i)))
		}
	})
	return
}

// JSON is the whole verdict as JSON (doc/protocol.md, "Verdict").
func (v *Verdict) JSON() ([]byte, error) {
	if v == nil {
		return nil, usageError("verdict is nil")
	}
	ptr := (*C.confai_verdict)(v.h.acquire())
	if ptr == nil {
		return nil, usageError("verdict is closed")
	}
	defer v.h.release()
	var cerr C.confai_error
	var json *C.char
	var n C.size_t
	st := C.confai_verdict_json(ptr, &json, &n, &cerr)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	return takeBytes(unsafe.Pointer(json), n), nil
}

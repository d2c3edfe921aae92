package confai

import (
	"sync"
	"unsafe"
)

// handle owns one C object and counts its users, so that Close (or the
// garbage collector) never frees it while a call or a dependent object (a
// client's policy, a stream's client) still uses it. It starts with one
// reference, the owner's, which close drops.
type handle struct {
	mu     sync.Mutex
	ptr    unsafe.Pointer
	refs   int
	closed bool
	free   func(unsafe.Pointer)
}

func newHandle(ptr unsafe.Pointer, free func(unsafe.Pointer)) *handle {
	return &handle{ptr: ptr, refs: 1, free: free}
}

// acquire returns the C object and adds a reference; nil once closed.
func (h *handle) acquire() unsafe.Pointer {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.ptr == nil {
		return nil
	}
	h.refs++
	return h.ptr
}

// release drops a reference taken by acquire (or the owner's, via close);
// the last one frees the C object.
func (h *handle) release() {
	h.mu.Lock()
	h.refs--
	var ptr unsafe.Pointer
	if h.refs == 0 {
		ptr, h.ptr = h.ptr, nil
	}
	h.mu.Unlock()
	if ptr != nil {
		h.free(ptr)
	}
}

// close drops the owner's reference once; later acquires fail.
func (h *handle) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	h.release()
}

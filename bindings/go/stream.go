package confai

/*
#include <confai/confai.h>
*/
import "C"

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Stream is a streamed exchange (confai_stream): the request went out as a
// chunked OHTTP request and the response is opened chunk by chunk. Read
// returns only authenticated content bytes and io.EOF at the authenticated
// end of the response; a truncated, reordered, replayed or altered stream
// fails with an *Error at the first bad chunk and returns nothing after it.
// Read is for one goroutine at a time; Close may be called from any.
type Stream struct {
	// StatusCode and Header are the inner response's status and header
	// fields.
	StatusCode int
	Header     http.Header

	readMu  sync.Mutex // serializes Read and the final free
	ptrMu   sync.Mutex // guards s against cancel racing the free
	s       *C.confai_stream
	client  *Client
	err     error // sticky: the first failure or io.EOF
	ended   atomic.Bool
	stopCtx func() bool
	closed  atomic.Bool
	cleanup runtime.Cleanup
}

// streamRef is what the garbage collector needs to release an unclosed
// stream: the C stream, then the client reference it holds.
type streamRef struct {
	s      *C.confai_stream
	client *handle
}

// Stream sends req as a streamed exchange and returns once the inner
// response's head has been opened. Ending req's context cancels the stream
// (a blocked or later Read fails with StatusCancelled). Stream reads and
// closes req.Body; the caller closes the Stream.
func (c *Client) Stream(req *http.Request) (*Stream, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	msg, err := newRequestMessage(req, body)
	if err != nil {
		return nil, err
	}
	return c.stream(req, msg)
}

// stream sends msg, the inner request of req, as a streamed exchange and
// frees it.
func (c *Client) stream(req *http.Request, msg *httpMessage) (*Stream, error) {
	var owner atomic.Int32
	defer func() {
		if owner.CompareAndSwap(0, 2) {
			msg.free()
		}
	}()
	var s *C.confai_stream
	ctx := req.Context()
	err := c.blocking(ctx, func(p *C.confai_client) error {
		if !owner.CompareAndSwap(0, 1) {
			return context.Canceled
		}
		defer msg.free()
		var cerr C.confai_error
		return check(C.confai_client_stream_open(p, &s, msg.m, &cerr), &cerr)
	}, func(err error) {
		if err == nil {
			C.confai_stream_free(s)
		}
	})
	if err != nil {
		return nil, err
	}
	status, header, err := responseHead(C.confai_stream_response(s))
	if err != nil {
		C.confai_stream_free(s)
		return nil, err
	}
	// The stream holds a reference to the client: the C client must
	// outlive its streams.
	if c.h.acquire() == nil {
		C.confai_stream_free(s)
		return nil, usageError("client is closed")
	}
	st := &Stream{StatusCode: status, Header: header, s: s, client: c}
	st.cleanup = runtime.AddCleanup(st, func(r streamRef) {
		C.confai_stream_free(r.s)
		r.client.release()
	}, streamRef{s, c.h})
	if ctx.Done() != nil {
		st.stopCtx = context.AfterFunc(ctx, st.cancel)
	}
	return st, nil
}

// cancel makes a blocked or later Read fail with StatusCancelled.
func (st *Stream) cancel() {
	st.ptrMu.Lock()
	defer st.ptrMu.Unlock()
	if st.s != nil {
		C.confai_stream_cancel(st.s)
	}
}

// Read reads opened content bytes.
func (st *Stream) Read(p []byte) (int, error) {
	st.readMu.Lock()
	defer st.readMu.Unlock()
	if st.s == nil {
		return 0, usageError("read on a closed stream")
	}
	if st.err != nil {
		return 0, st.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var cerr C.confai_error
	n := C.size_t(len(p)) // in: the capacity; out: the bytes read, 0 at the end
	status := C.confai_stream_read(st.s, (*C.uint8_t)(unsafe.Pointer(&p[0])), &n, &cerr)
	if err := check(status, &cerr); err != nil {
		st.err = err
		st.ended.Store(true)
		return 0, err
	}
	if n == 0 {
		st.err = io.EOF
		st.ended.Store(true)
		return 0, io.EOF
	}
	return int(n), nil
}

// Close cancels the stream if it is still running, waits for a Read in
// progress to return, closes the connection and wipes what the stream
// holds. Closing twice is harmless.
func (st *Stream) Close() error {
	if st.closed.Swap(true) {
		return nil
	}
	if st.stopCtx != nil {
		st.stopCtx()
	}
	if !st.ended.Load() {
		st.cancel()
	}
	st.readMu.Lock()
	defer st.readMu.Unlock()
	st.ptrMu.Lock()
	s := st.s
	st.s = nil
	st.ptrMu.Unlock()
	st.cleanup.Stop()
	C.confai_stream_free(s)
	st.client.h.release()
	return nil
}

var _ io.ReadCloser = (*Stream)(nil)

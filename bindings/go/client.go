package confai

/*
#include <stdlib.h>
#include <string.h>
#include <confai/confai.h>
*/
import "C"

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"
)

// ClientOptions are the options of a Client (confai_client_options). A zero
// field takes the library's default.
type ClientOptions struct {
	ConnectTimeout time.Duration // per connection attempt (10 s)
	RequestTimeout time.Duration // whole sealed request (no limit)
	AttestTimeout  time.Duration // one attestation fetch (30 s)
	// AttestRetries is the number of retries of a failed attestation
	// fetch: 0 takes the default (2), a negative value means none.
	AttestRetries   int
	RetryBackoff    time.Duration // first retry delay, doubled each time (250 ms)
	CAFile          string        // PEM CA bundle for https ("" = system)
	PinnedPublicKey string        // libcurl's "sha256//<base64>;..." form
	UserAgent       string        // "" = "libconfai/<version>"
	MaxResponseSize int           // whole response or bundle (64 MiB)
	ChunkSize       int           // chunk size of a streamed request (16 KiB)
	Verify          *VerifyOptions
}

// Client talks to one confidential service: it attests the service, keeps
// the verdict as a lease and seals every request to the key the lease binds
// (confai_client). A Client may be shared between goroutines.
type Client struct {
	h       *handle
	cleanup runtime.Cleanup
	service *url.URL // the base URL as given, for RoundTripper's destination check
}

// clientState is what the C client needs to stay alive: its policy.
func freeClientWith(policy *Policy) func(unsafe.Pointer) {
	return func(c unsafe.Pointer) {
		C.confai_client_free((*C.confai_client)(c))
		policy.h.release()
	}
}

func millis(d time.Duration) C.int64_t { return C.int64_t(d / time.Millisecond) }

// NewClient creates a client for baseURL ("https://llm.example.com",
// "http://127.0.0.1:8080") that verifies the service against policy.
// Nothing is sent before the first call that needs the service. The client
// keeps its own reference to policy. opts may be nil.
func NewClient(baseURL string, policy *Policy, opts *ClientOptions) (*Client, error) {
	service, err := url.Parse(baseURL)
	if err != nil {
		return nil, usageError("base URL: " + err.Error())
	}
	var cerr C.confai_error
	copts := (*C.confai_client_options)(C.calloc(1, C.sizeof_confai_client_options))
	defer C.free(unsafe.Pointer(copts))
	if err := check(C.confai_client_options_init(copts, C.confai_client_options_version(), &cerr), &cerr); err != nil {
		return nil, err
	}
	var strs []*C.char
	defer func() {
		for _, s := range strs {
			C.free(unsafe.Pointer(s))
		}
	}()
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		c := C.CString(s)
		strs = append(strs, c)
		return c
	}
	if opts != nil {
		copts.connect_timeout_ms = millis(opts.ConnectTimeout)
		copts.request_timeout_ms = millis(opts.RequestTimeout)
		copts.attest_timeout_ms = millis(opts.AttestTimeout)
		if opts.AttestRetries > 0 {
			copts.attest_retries = C.uint32_t(opts.AttestRetries)
		} else if opts.AttestRetries < 0 {
			copts.attest_retries = 0
		}
		copts.retry_backoff_ms = C.uint32_t(opts.RetryBackoff / time.Millisecond)
		copts.ca_file = cstr(opts.CAFile)
		copts.pinned_public_key = cstr(opts.PinnedPublicKey)
		copts.user_agent = cstr(opts.UserAgent)
		copts.max_response_size = C.size_t(opts.MaxResponseSize)
		copts.chunk_size = C.size_t(opts.ChunkSize)
		if opts.Verify != nil {
			vopts := (*C.confai_verify_options)(C.calloc(1, C.sizeof_confai_verify_options))
			defer C.free(unsafe.Pointer(vopts))
			if err := opts.Verify.fill(vopts); err != nil {
				return nil, err
			}
			copts.verify = vopts
		}
	}
	p, err := policy.acquire()
	if err != nil {
		return nil, err
	}
	cURL := C.CString(baseURL)
	defer C.free(unsafe.Pointer(cURL))
	var c *C.confai_client
	if err := check(C.confai_client_new(&c, cURL, p, copts, &cerr), &cerr); err != nil {
		policy.h.release()
		return nil, err
	}
	client := &Client{h: newHandle(unsafe.Pointer(c), freeClientWith(policy)), service: service}
	client.cleanup = runtime.AddCleanup(client, (*handle).close, client.h)
	return client, nil
}

// Close releases the client once the calls in flight and its open streams
// are done. Closing twice is harmless.
func (c *Client) Close() error {
	c.cleanup.Stop()
	c.h.close()
	return nil
}

func (c *Client) acquire() (*C.confai_client, error) {
	if c == nil {
		return nil, usageError("client is nil")
	}
	ptr := (*C.confai_client)(c.h.acquire())
	if ptr == nil {
		return nil, usageError("client is closed")
	}
	return ptr, nil
}

// blocking runs call, a blocking C call on the client, and returns its
// error. When ctx ends first, blocking returns ctx's error at once; the call
// finishes in the background (the client stays alive until then) and
// abandon, when not nil, receives its error to release what it produced.
// call is never run when ctx has ended before.
func (c *Client) blocking(ctx context.Context, call func(*C.confai_client) error, abandon func(error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ptr, err := c.acquire()
	if err != nil {
		return err
	}
	if ctx.Done() == nil {
		defer c.h.release()
		return call(ptr)
	}
	done := make(chan error, 1)
	go func() {
		defer c.h.release()
		done <- call(ptr)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		go func() {
			err := <-done
			if abandon != nil {
				abandon(err)
			}
		}()
		return ctx.Err()
	}
}

// Attest attests the service now, whatever the lease, and returns the new
// verdict, which becomes the lease. On failure the old lease is dropped too.
// The C call cannot be interrupted: when ctx ends first, Attest returns and
// the attestation completes in the background.
func (c *Client) Attest(ctx context.Context) (*Verdict, error) {
	return c.verdictCall(ctx, func(p *C.confai_client, v **C.confai_verdict, cerr *C.confai_error) C.confai_status {
		return C.confai_client_attest(p, v, cerr)
	})
}

// Verdict returns the current lease's verdict, attesting first when there
// is none or it has expired.
func (c *Client) Verdict(ctx context.Context) (*Verdict, error) {
	return c.verdictCall(ctx, func(p *C.confai_client, v **C.confai_verdict, cerr *C.confai_error) C.confai_status {
		return C.confai_client_verdict(p, v, cerr)
	})
}

func (c *Client) verdictCall(ctx context.Context, f func(*C.confai_client, **C.confai_verdict, *C.confai_error) C.confai_status) (*Verdict, error) {
	var v *C.confai_verdict
	err := c.blocking(ctx, func(p *C.confai_client) error {
		var out *C.confai_verdict
		var cerr C.confai_error
		if err := check(f(p, &out, &cerr), &cerr); err != nil {
			return err
		}
		v = out
		return nil
	}, func(err error) {
		if err == nil {
			C.confai_verdict_free(v)
		}
	})
	if err != nil {
		return nil, err
	}
	return newVerdict(v), nil
}

// readBody reads and closes a request body.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

// Fetch sends req sealed as a whole and returns the opened response, whose
// Body holds the whole content. The request's scheme and host are sealed
// along but the service is addressed by the path. On failure there is no
// response: an answer that does not authenticate is never partly returned.
// Fetch reads and closes req.Body.
func (c *Client) Fetch(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	msg, err := newRequestMessage(req, body)
	if err != nil {
		return nil, err
	}
	return c.fetch(req, msg)
}

// fetch sends msg, the inner request of req, and frees it.
func (c *Client) fetch(req *http.Request, msg *httpMessage) (*http.Response, error) {
	// The C call frees the message once it has started; when it never
	// starts (ctx ended first), this function does.
	var owner atomic.Int32
	defer func() {
		if owner.CompareAndSwap(0, 2) {
			msg.free()
		}
	}()
	type result struct {
		status  int
		header  http.Header
		trailer http.Header
		body    []byte
	}
	var res result
	err := c.blocking(req.Context(), func(p *C.confai_client) error {
		if !owner.CompareAndSwap(0, 1) {
			return context.Canceled
		}
		defer msg.free()
		var cerr C.confai_error
		var resp *C.confai_http_message
		if err := check(C.confai_client_fetch(p, &resp, msg.m, &cerr), &cerr); err != nil {
			return err
		}
		defer C.confai_http_message_free(resp)
		status, header, err := responseHead(resp)
		if err != nil {
			return err
		}
		trailer, err := fields(resp, C.CONFAI_HTTP_TRAILERS)
		if err != nil {
			return err
		}
		res = result{status, header, trailer, responseBody(resp)}
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	resp := newResponse(req, res.status, res.header)
	resp.Body = io.NopCloser(bytes.NewReader(res.body))
	resp.ContentLength = int64(len(res.body))
	if len(res.trailer) > 0 {
		resp.Trailer = res.trailer
	}
	return resp, nil
}

func newResponse(req *http.Request, status int, header http.Header) *http.Response {
	return &http.Response{
		Status:     strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Request:    req,
	}
}

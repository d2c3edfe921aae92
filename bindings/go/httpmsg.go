package confai

/*
#include <stdlib.h>
#include <confai/confai.h>
*/
import "C"

import (
	"net/http"
	"strconv"
	"strings"
	"unsafe"
)

// Header fields that describe one hop of the outer connection and so do
// not belong in the sealed inner request (RFC 9110 section 7.6.1).
var hopByHop = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Host":                true,
	"Content-Length":      true,
}

// httpMessage owns a confai_http_message.
type httpMessage struct{ m *C.confai_http_message }

func (h *httpMessage) free() {
	C.confai_http_message_free(h.m)
	h.m = nil
}

// newRequestMessage builds the inner Binary HTTP request (method, scheme,
// authority, path with query, header fields and content) of req. The
// library checks every part; a part it refuses is an error.
func newRequestMessage(req *http.Request, body []byte) (*httpMessage, error) {
	if req.URL == nil {
		return nil, usageError("request has no URL")
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	cMethod := C.CString(method)
	defer C.free(unsafe.Pointer(cMethod))
	cScheme := C.CString(req.URL.Scheme)
	defer C.free(unsafe.Pointer(cScheme))
	cAuthority := C.CString(authority)
	defer C.free(unsafe.Pointer(cAuthority))
	cPath := C.CString(req.URL.RequestURI())
	defer C.free(unsafe.Pointer(cPath))

	var cerr C.confai_error
	msg := &httpMessage{}
	st := C.confai_http_message_new_request(&msg.m, cMethod, cScheme, cAuthority, cPath, &cerr)
	if err := check(st, &cerr); err != nil {
		return nil, err
	}
	add := func(name, value string) error {
		cName := C.CString(name)
		defer C.free(unsafe.Pointer(cName))
		cValue := C.CString(value)
		defer C.free(unsafe.Pointer(cValue))
		return check(C.confai_http_message_add_field(msg.m, C.CONFAI_HTTP_HEADERS, cName, cValue, &cerr), &cerr)
	}
	for name, values := range req.Header {
		if hopByHop[http.CanonicalHeaderKey(name)] {
			continue
		}
		for _, value := range values {
			// Leading and trailing whitespace is not part of a field
			// value (RFC 9110 section 5.5).
			if err := add(name, strings.Trim(value, " \t")); err != nil {
				msg.free()
				return nil, err
			}
		}
	}
	if len(body) > 0 || req.ContentLength > 0 || (method != http.MethodGet && method != http.MethodHead) {
		if err := add("content-length", strconv.Itoa(len(body))); err != nil {
			msg.free()
			return nil, err
		}
	}
	if len(body) > 0 {
		st = C.confai_http_message_set_body(msg.m, bytesPtr(body), C.size_t(len(body)), &cerr)
		if err := check(st, &cerr); err != nil {
			msg.free()
			return nil, err
		}
	}
	return msg, nil
}

// fields reads a section of a message into an http.Header.
func fields(m *C.confai_http_message, section C.confai_http_section) (http.Header, error) {
	h := http.Header{}
	n := C.confai_http_message_field_count(m, section)
	for i := C.size_t(0); i < n; i++ {
		var cerr C.confai_error
		var name, value *C.char
		if err := check(C.confai_http_message_field(m, &name, &value, section, i, &cerr), &cerr); err != nil {
			return nil, err
		}
		h.Add(C.GoString(name), C.GoString(value))
	}
	return h, nil
}

// responseHead is the status and the header fields of a response message.
func responseHead(m *C.confai_http_message) (int, http.Header, error) {
	header, err := fields(m, C.CONFAI_HTTP_HEADERS)
	if err != nil {
		return 0, nil, err
	}
	return int(C.confai_http_message_status(m)), header, nil
}

// responseBody copies the content of a response message.
func responseBody(m *C.confai_http_message) []byte {
	var n C.size_t
	p := C.confai_http_message_body(m, &n)
	if p == nil || n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

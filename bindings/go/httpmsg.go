package confai

/*
#include <stdlib.h>
#include <confai/confai.h>
*/
import "C"

import (
	"net/http"
	"sort"
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

// newShapedMessage builds the inner request of req as the library's one
// rule shapes it (confai_http_request_shape): method and path with query as
// given, only the allowlisted header fields, the body; and whether it is
// sent as a streamed exchange.
func newShapedMessage(req *http.Request, body []byte) (*httpMessage, bool, error) {
	if req.URL == nil {
		return nil, false, usageError("request has no URL")
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	cMethod := C.CString(method)
	defer C.free(unsafe.Pointer(cMethod))
	cPath := C.CString(req.URL.RequestURI())
	defer C.free(unsafe.Pointer(cPath))
	var names, values []*C.char
	defer func() {
		for i := range names {
			C.free(unsafe.Pointer(names[i]))
			C.free(unsafe.Pointer(values[i]))
		}
	}()
	// Sorted names: the rule orders the fields it keeps, and a name that
	// appears under two spellings keeps one order from call to call.
	keys := make([]string, 0, len(req.Header))
	for name := range req.Header {
		keys = append(keys, name)
	}
	sort.Strings(keys)
	for _, name := range keys {
		for _, v := range req.Header[name] {
			names = append(names, C.CString(name))
			values = append(values, C.CString(v))
		}
	}
	// C arrays of the pointers: cgo does not let C keep Go memory that
	// holds pointers to C memory, so the arrays live in C memory too.
	n := len(names)
	cNames := (**C.char)(C.calloc(C.size_t(n+1), C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(cNames))
	cValues := (**C.char)(C.calloc(C.size_t(n+1), C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(cValues))
	copy(unsafe.Slice(cNames, n+1), names)
	copy(unsafe.Slice(cValues, n+1), values)

	var cerr C.confai_error
	var streamed C.int
	msg := &httpMessage{}
	st := C.confai_http_request_shape(&msg.m, &streamed, cMethod, cPath, cNames, cValues, C.size_t(n),
		bytesPtr(body), C.size_t(len(body)), &cerr)
	if err := check(st, &cerr); err != nil {
		return nil, false, err
	}
	return msg, streamed != 0, nil
}

// encode is the message as Binary HTTP, known length, no padding (the form
// of tests/conformance/request-shape.json).
func (h *httpMessage) encode() ([]byte, error) {
	var cerr C.confai_error
	var out *C.uint8_t
	var n C.size_t
	if err := check(C.confai_http_message_encode(h.m, &out, &n, C.CONFAI_HTTP_KNOWN_LENGTH, 0, &cerr), &cerr); err != nil {
		return nil, err
	}
	return takeBytes(unsafe.Pointer(out), n), nil
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

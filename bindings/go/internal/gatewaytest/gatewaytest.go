// Package gatewaytest opens sealed requests with the gateway side of the C
// library (confai_hpke_key_import, confai_key_config_new,
// confai_ohttp_gateway_*), and the responses of recorded exchanges with the
// client side rebuilt from the gateway's key
// (confai_ohttp_client_from_request, confai_ohttp_client_*), for the
// conformance runner's sealed-request and sealed-response cases. It is test
// support, not part of the binding's API: a client never opens requests nor
// rebuilds an exchange.
package gatewaytest

/*
#cgo pkg-config: confai
#include <stdlib.h>
#include <string.h>
#include <confai/confai.h>

typedef struct sink {
    uint8_t *data;
    size_t len, cap;
    int final_seen, after_final, no_memory;
} sink;

static void sink_chunk(void *user, const uint8_t *pt, size_t n, int is_final)
{
    sink *s = user;
    if (s->final_seen)
        s->after_final = 1;
    if (n > 0 && !s->no_memory) {
        if (s->len + n > s->cap) {
            size_t cap = (s->len + n) * 2;
            uint8_t *p = realloc(s->data, cap);
            if (p == NULL) {
                s->no_memory = 1;
                return;
            }
            s->data = p;
            s->cap = cap;
        }
        memcpy(s->data + s->len, pt, n);
        s->len += n;
    }
    s->final_seen = is_final != 0;
}

// The one configuration of a gateway, made from its private key.
static confai_status make_config(confai_key_config **config, uint16_t kem_id, uint8_t key_id,
                                 const confai_ohttp_algorithms *algs, size_t nalgs,
                                 const uint8_t *sk, size_t sk_len, confai_error *err)
{
    confai_hpke_key *key = NULL;
    confai_status st = confai_hpke_key_import(&key, kem_id, sk, sk_len, err);
    if (st == CONFAI_OK)
        st = confai_key_config_new(config, key, key_id, algs, nalgs, err);
    confai_hpke_key_free(key);
    return st;
}

// Opens a request with one configuration made from a private key: whole
// (out gets the plaintext) or chunked (the chunks go to out).
static confai_status open_request(int chunked, uint16_t kem_id, uint8_t key_id,
                                  const confai_ohttp_algorithms *algs, size_t nalgs,
                                  const uint8_t *sk, size_t sk_len,
                                  const uint8_t *req, size_t req_len, sink *out,
                                  confai_error *err)
{
    confai_key_config *config = NULL;
    confai_ohttp_gateway *gw = NULL;
    confai_status st = make_config(&config, kem_id, key_id, algs, nalgs, sk, sk_len, err);
    const confai_key_config *configs[1] = {config};
    if (st == CONFAI_OK && !chunked) {
        out->cap = req_len + 1;
        out->data = malloc(out->cap);
        out->len = out->cap;
        if (out->data == NULL)
            st = CONFAI_E_NO_MEMORY;
        else
            st = confai_ohttp_gateway_open_request(&gw, out->data, &out->len, configs, 1,
                                                   req, req_len, err);
        if (st != CONFAI_OK)
            out->len = 0;
    } else if (st == CONFAI_OK) {
        st = confai_ohttp_gateway_new_chunked(&gw, configs, 1, sink_chunk, out, err);
        if (st == CONFAI_OK)
            st = confai_ohttp_gateway_feed_request(gw, req, req_len, err);
        if (st == CONFAI_OK)
            st = confai_ohttp_gateway_finish_request(gw, err);
        if (st == CONFAI_OK && out->no_memory)
            st = CONFAI_E_NO_MEMORY;
    }
    confai_ohttp_gateway_free(gw);
    confai_key_config_free(config);
    return st;
}

// Opens the response of a recorded exchange: the client side is rebuilt
// from the configuration of a private key and the request, then opens the
// response whole (out gets the plaintext) or chunked (the chunks go to out).
static confai_status open_response(int chunked, uint16_t kem_id, uint8_t key_id,
                                   const confai_ohttp_algorithms *algs, size_t nalgs,
                                   const uint8_t *sk, size_t sk_len,
                                   const uint8_t *req, size_t req_len,
                                   const uint8_t *res, size_t res_len, sink *out,
                                   confai_error *err)
{
    confai_key_config *config = NULL;
    confai_ohttp_client *client = NULL;
    confai_status st = make_config(&config, kem_id, key_id, algs, nalgs, sk, sk_len, err);
    const confai_key_config *configs[1] = {config};
    if (st == CONFAI_OK)
        st = confai_ohttp_client_from_request(&client, configs, 1, req, req_len, chunked,
                                              sink_chunk, out, err);
    if (st == CONFAI_OK && !chunked) {
        out->cap = res_len + 1;
        out->data = malloc(out->cap);
        out->len = out->cap;
        if (out->data == NULL)
            st = CONFAI_E_NO_MEMORY;
        else
            st = confai_ohttp_client_open_response(client, out->data, &out->len, res, res_len,
                                                   err);
        if (st != CONFAI_OK)
            out->len = 0;
    } else if (st == CONFAI_OK) {
        st = confai_ohttp_client_feed_response(client, res, res_len, err);
        if (st == CONFAI_OK)
            st = confai_ohttp_client_finish_response(client, err);
        if (st == CONFAI_OK && out->no_memory)
            st = CONFAI_E_NO_MEMORY;
    }
    confai_ohttp_client_free(client);
    confai_key_config_free(config);
    return st;
}
*/
import "C"

import (
	"unsafe"
)

// Algorithms is one (KDF, AEAD) pair of a key configuration.
type Algorithms struct{ KDF, AEAD uint16 }

// Result is what opening a request gave.
type Result struct {
	Status     int    // the confai_status
	Message    string // the library's message on failure
	Plaintext  []byte
	FinalSeen  bool // chunked: the last chunk delivered was the final one
	AfterFinal bool // chunked: a chunk was delivered after the final one
}

func ptr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// cAlgorithms is a C array of the pairs; the caller frees it.
func cAlgorithms(algorithms []Algorithms) *C.confai_ohttp_algorithms {
	algs := (*C.confai_ohttp_algorithms)(C.calloc(C.size_t(len(algorithms)+1), C.sizeof_confai_ohttp_algorithms))
	for i, a := range algorithms {
		unsafe.Slice(algs, len(algorithms))[i] = C.confai_ohttp_algorithms{
			kdf_id: C.uint16_t(a.KDF), aead_id: C.uint16_t(a.AEAD)}
	}
	return algs
}

// run calls open_request or open_response with a fresh sink and makes the
// Result.
func run(chunked bool, call func(flag C.int, out *C.sink, cerr *C.confai_error) C.confai_status) Result {
	out := (*C.sink)(C.calloc(1, C.sizeof_sink))
	defer func() {
		C.free(unsafe.Pointer(out.data))
		C.free(unsafe.Pointer(out))
	}()
	var cerr C.confai_error
	flag := C.int(0)
	if chunked {
		flag = 1
	}
	st := call(flag, out, &cerr)
	r := Result{Status: int(st), FinalSeen: out.final_seen != 0, AfterFinal: out.after_final != 0}
	if st != C.CONFAI_OK {
		if cerr.status == st {
			r.Message = C.GoString(&cerr.message[0])
		}
		return r
	}
	r.Plaintext = C.GoBytes(unsafe.Pointer(out.data), C.int(out.len))
	return r
}

// OpenRequest opens a sealed request with the configuration (kemID, keyID,
// algorithms) of the private key sk.
func OpenRequest(chunked bool, kemID uint16, keyID uint8, algorithms []Algorithms, sk, request []byte) Result {
	algs := cAlgorithms(algorithms)
	defer C.free(unsafe.Pointer(algs))
	return run(chunked, func(flag C.int, out *C.sink, cerr *C.confai_error) C.confai_status {
		return C.open_request(flag, C.uint16_t(kemID), C.uint8_t(keyID), algs, C.size_t(len(algorithms)),
			ptr(sk), C.size_t(len(sk)), ptr(request), C.size_t(len(request)), out, cerr)
	})
}

// OpenResponse opens the response of a recorded exchange: the client side
// is rebuilt (confai_ohttp_client_from_request) from the configuration
// (kemID, keyID, algorithms) of the private key sk and the exchange's
// request.
func OpenResponse(chunked bool, kemID uint16, keyID uint8, algorithms []Algorithms, sk, request, response []byte) Result {
	algs := cAlgorithms(algorithms)
	defer C.free(unsafe.Pointer(algs))
	return run(chunked, func(flag C.int, out *C.sink, cerr *C.confai_error) C.confai_status {
		return C.open_response(flag, C.uint16_t(kemID), C.uint8_t(keyID), algs, C.size_t(len(algorithms)),
			ptr(sk), C.size_t(len(sk)), ptr(request), C.size_t(len(request)),
			ptr(response), C.size_t(len(response)), out, cerr)
	})
}

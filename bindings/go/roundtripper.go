package confai

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// RoundTripper is an http.RoundTripper that sends every request sealed to
// the attested service of Client, so an HTTP client library (the official
// OpenAI Go SDK, for one) works unchanged:
//
//	httpClient := &http.Client{Transport: &confai.RoundTripper{Client: client}}
//
// A request whose JSON body has "stream": true goes out as a streamed
// exchange and its response Body reads the opened content as it arrives
// (Client.Stream); any other request is sealed and opened as a whole
// (Client.Fetch). Every failure of the library, including a stream that
// does not authenticate, is an error of RoundTrip or of Body.Read; no
// unauthenticated byte reaches the caller. In a server-sent-events answer
// the library hands on the terminating "data: [DONE]" event only once the
// stream has ended authenticated, so a client that stops reading there
// still sees a stream cut off after it as an error.
type RoundTripper struct {
	Client *Client
}

// RoundTrip implements http.RoundTripper.
func (rt *RoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	if !wantsStream(body) {
		return rt.Client.fetch(req, body)
	}
	st, err := rt.Client.stream(req, body)
	if err != nil {
		return nil, err
	}
	resp := newResponse(req, st.StatusCode, st.Header)
	resp.Body = st
	resp.ContentLength = -1
	return resp, nil
}

// wantsStream tells whether a request body is a JSON object whose member
// "stream" is true (an OpenAI-compatible streamed call).
func wantsStream(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	var probe struct {
		Stream json.RawMessage `json:"stream"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	return bytes.Equal(bytes.TrimSpace(probe.Stream), []byte("true"))
}

var _ http.RoundTripper = (*RoundTripper)(nil)

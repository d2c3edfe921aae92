package confai

import (
	"fmt"
	"net/http"
	"strings"
)

// OpenAIBaseURL is the base URL to give the OpenAI Go SDK (or any HTTP
// client) whose transport is a RoundTripper: a host on the reserved
// ".invalid" domain (RFC 6761), which no resolver answers. The RoundTripper
// sends its requests to the attested service; a client built without it
// fails to resolve the host instead of sending a prompt in the clear to
// wherever a real name might lead.
const OpenAIBaseURL = "http://" + sentinelHost + "/v1/"

const sentinelHost = "confai.invalid"

// RoundTripper is an http.RoundTripper that sends every request sealed to
// the attested service of Client, so an HTTP client library (the official
// OpenAI Go SDK, for one) works unchanged:
//
//	client := openai.NewClient(
//		option.WithBaseURL(confai.OpenAIBaseURL),
//		option.WithHTTPClient(&http.Client{Transport: &confai.RoundTripper{Client: c}}))
//
// It takes requests for OpenAIBaseURL's host (http://confai.invalid) and
// for the host of the Client's own base URL; a request for any other host
// was meant for another service and is refused with CONFAI_E_ARGUMENT
// before anything is sent.
//
// The library shapes each request (confai_http_request_shape, the one rule
// of every binding and the proxy): only the allowlisted header fields go
// into the sealed request, and a POST whose JSON object body has "stream":
// true goes out as a streamed exchange whose response Body reads the opened
// content as it arrives; any other request is sealed and opened as a whole. Every failure of the library, including a stream that
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
	if err := rt.Client.checkDestination(req); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on errors
		}
		return nil, err
	}
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	msg, streamed, err := newShapedMessage(req, body)
	if err != nil {
		return nil, err
	}
	if !streamed {
		return rt.Client.fetch(req, msg)
	}
	st, err := rt.Client.stream(req, msg)
	if err != nil {
		return nil, err
	}
	resp := newResponse(req, st.StatusCode, st.Header)
	resp.Body = st
	resp.ContentLength = -1
	return resp, nil
}

// checkDestination refuses a request that is neither for the sentinel
// origin nor for the client's own service.
func (c *Client) checkDestination(req *http.Request) error {
	if c == nil {
		return usageError("client is nil")
	}
	if req.URL == nil {
		return usageError("request has no URL")
	}
	if req.URL.Scheme == "http" && req.URL.Host == sentinelHost {
		return nil
	}
	if c.service != nil && strings.EqualFold(req.URL.Scheme, c.service.Scheme) &&
		strings.EqualFold(req.URL.Host, c.service.Host) {
		return nil
	}
	return usageError(fmt.Sprintf("a request for %s://%s is not for the attested service (use the base URL %s or %s://%s)",
		req.URL.Scheme, req.URL.Host, OpenAIBaseURL, c.service.Scheme, c.service.Host))
}

var _ http.RoundTripper = (*RoundTripper)(nil)

package confai_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	confai "libconfai.invalid/confai"
)

const chatBody = `{"model":"confai-demo","messages":[{"role":"user","content":"Say something about attestation."}]}`

func chatRequest(t testing.TB, base string, stream bool) *http.Request {
	t.Helper()
	body := chatBody
	if stream {
		body = strings.Replace(body, `{"model"`, `{"stream":true,"model"`, 1)
	}
	req, err := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sealed-along")
	return req
}

func TestClientAttestAndVerdict(t *testing.T) {
	g := startGateway(t)
	c := g.client(t)
	v, err := c.Attest(context.Background())
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	defer v.Close()
	if v.Platform() != "sev-snp" || v.RootKind() != confai.RootCustom {
		t.Errorf("verdict %s %v", v.Platform(), v.RootKind())
	}
	lease, err := c.Verdict(context.Background())
	if err != nil {
		t.Fatalf("Verdict: %v", err)
	}
	defer lease.Close()
	if !bytes.Equal(lease.KeyConfigDigest(), v.KeyConfigDigest()) {
		t.Errorf("the lease is not the attested verdict")
	}
}

func TestClientFetch(t *testing.T) {
	g := startGateway(t)
	c := g.client(t)
	resp, err := c.Fetch(chatRequest(t, g.base, false))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var completion struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &completion); err != nil || len(completion.Choices) == 0 ||
		completion.Choices[0].Message.Content == "" {
		t.Fatalf("completion %s (%v)", body, err)
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	// Unknown path: the inner status comes back as it is.
	req, _ := http.NewRequest("GET", g.base+"/v1/no-such-thing", nil)
	resp, err = c.Fetch(req)
	if err != nil {
		t.Fatalf("Fetch 404: %v", err)
	}
	if resp.StatusCode != 404 {
		t.Errorf("status %d for an unknown path", resp.StatusCode)
	}
}

func TestClientStream(t *testing.T) {
	g := startGateway(t)
	c := g.client(t)
	st, err := c.Stream(chatRequest(t, g.base, true))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	defer st.Close()
	if st.StatusCode != 200 || !strings.Contains(st.Header.Get("Content-Type"), "event-stream") {
		t.Fatalf("head %d %v", st.StatusCode, st.Header)
	}
	events, err := io.ReadAll(st)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Contains(events, []byte("data: [DONE]")) {
		t.Fatalf("stream without [DONE]: %s", events)
	}
	if n, err := st.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("read after the end: %d %v", n, err)
	}
	st.Close()
	st.Close()
	if _, err := st.Read(make([]byte, 8)); !errors.Is(err, confai.ErrArgument) {
		t.Errorf("read after close: %v", err)
	}
}

func TestClientStreamCancel(t *testing.T) {
	g := startGateway(t, "--token-delay", "200")
	c := g.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	req := chatRequest(t, g.base, true).WithContext(ctx)
	st, err := c.Stream(req)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	defer st.Close()
	cancel()
	_, err = io.ReadAll(st)
	if !errors.Is(err, &confai.Error{Status: confai.StatusCancelled}) {
		t.Fatalf("read after cancel: %v", err)
	}
}

func TestClientChat(t *testing.T) {
	g := startGateway(t)
	c := g.client(t)
	var deltas []string
	err := c.Chat(context.Background(), []byte(chatBody), func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(deltas) < 2 {
		t.Fatalf("deltas %q", deltas)
	}
	text, err := c.ChatText(context.Background(), []byte(chatBody))
	if err != nil || text != strings.Join(deltas, "") {
		t.Fatalf("ChatText %q %v", text, err)
	}
	stop := errors.New("enough")
	err = c.Chat(context.Background(), []byte(chatBody), func(string) error { return stop })
	if err != stop {
		t.Fatalf("a callback's error comes back: %v", err)
	}
	err = c.Chat(context.Background(), []byte(`[1]`), nil)
	if !errors.Is(err, confai.ErrArgument) {
		t.Fatalf("not an object: %v", err)
	}
}

func TestClientTransportErrors(t *testing.T) {
	g := startGateway(t)
	c, err := confai.NewClient("http://127.0.0.1:1", g.policy, &confai.ClientOptions{AttestRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Attest(context.Background())
	if !errors.Is(err, confai.ErrTransport) {
		t.Fatalf("closed port: %v", err)
	}
	_, err = confai.NewClient("not a url", g.policy, nil)
	if !errors.Is(err, confai.ErrArgument) {
		t.Fatalf("bad URL: %v", err)
	}
	c.Close()
	if _, err := c.Attest(context.Background()); !errors.Is(err, confai.ErrArgument) {
		t.Fatalf("closed client: %v", err)
	}
}

// Every tampering of the gateway's sealed responses is an error, for whole
// and for streamed answers, and no byte of a tampered stream's content is
// ever returned after the first bad chunk.
func TestClientTamper(t *testing.T) {
	for _, mode := range []string{"flip-byte", "truncate", "drop-chunk", "duplicate-chunk"} {
		t.Run(mode, func(t *testing.T) {
			g := startGateway(t, "--tamper", mode)
			c := g.client(t)
			if _, err := c.Attest(context.Background()); err != nil {
				t.Fatalf("attestation is not tampered: %v", err)
			}
			resp, err := c.Fetch(chatRequest(t, g.base, false))
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				t.Logf("mode %s leaves whole responses alone: %d %d bytes", mode, resp.StatusCode, len(body))
				if mode == "flip-byte" || mode == "truncate" {
					t.Fatalf("a tampered whole response was accepted")
				}
			} else if !errors.Is(err, confai.ErrCrypto) && !errors.Is(err, confai.ErrParse) {
				t.Fatalf("whole response: %v", err)
			}
			st, err := c.Stream(chatRequest(t, g.base, true))
			if err == nil {
				_, err = io.ReadAll(st)
				st.Close()
			}
			if err == nil {
				t.Fatalf("a tampered stream was accepted")
			}
			var e *confai.Error
			if !errors.As(err, &e) || (e.Group != confai.GroupCrypto && e.Group != confai.GroupParse) {
				t.Fatalf("stream: %v", err)
			}
			t.Logf("%s: %s", mode, e.Name)
			if err := c.Chat(context.Background(), []byte(chatBody), nil); err == nil {
				t.Fatalf("a tampered chat was accepted")
			}
		})
	}
}

// A client that stops reading an event stream at "data: [DONE]" still sees
// a stream cut off after it: the library hands on [DONE] only once the
// stream has ended authenticated.
func TestRoundTripperHoldsDoneUntilTheEnd(t *testing.T) {
	// Tokens 20 ms apart: the head comes back before the stream ends.
	for _, extra := range [][]string{nil, {"--tamper", "truncate"}} {
		tampered := extra != nil
		g := startGateway(t, append([]string{"--token-delay", "20"}, extra...)...)
		hc := &http.Client{Transport: &confai.RoundTripper{Client: g.client(t)}}
		resp, err := hc.Do(chatRequest(t, g.base, true))
		if err != nil {
			// The gateway sent everything at once: the stream failed
			// before its head came back.
			if !tampered || !errors.Is(err, confai.ErrCrypto) {
				t.Fatalf("tampered %v: %v", tampered, err)
			}
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sawDone := false
		for sc.Scan() {
			if sc.Text() == "data: [DONE]" {
				sawDone = true
				break
			}
		}
		resp.Body.Close()
		switch {
		case !tampered && (!sawDone || sc.Err() != nil):
			t.Fatalf("untampered: [DONE] %v, %v", sawDone, sc.Err())
		case tampered && (sawDone || !errors.Is(sc.Err(), confai.ErrCrypto)):
			t.Fatalf("truncated: [DONE] %v, %v", sawDone, sc.Err())
		}
	}
}

// A client keeps its policy, a stream its client: closing (or dropping)
// them in any order is safe, and the garbage collector releases what was
// not closed.
func TestHandleLifetimes(t *testing.T) {
	g := startGateway(t)
	doc, err := testSim(t).PolicyJSON(nil, time.Minute) // any valid policy to close
	if err != nil {
		t.Fatal(err)
	}
	spare, _ := confai.NewPolicy(doc)
	c, err := confai.NewClient(g.base, spare, nil)
	if err != nil {
		t.Fatal(err)
	}
	spare.Close()
	if _, err := c.Attest(context.Background()); !errors.Is(err, confai.ErrAttestation) && !errors.Is(err, confai.ErrPolicy) {
		t.Fatalf("a client whose policy was closed still verifies with it: %v", err)
	}
	c.Close()

	c = g.client(t)
	st, err := c.Stream(chatRequest(t, g.base, true))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := io.ReadAll(st); err != nil {
		t.Fatalf("a stream outlives its closed client: %v", err)
	}
	st.Close()
	for i := 0; i < 20; i++ {
		if _, err := c.Stream(chatRequest(t, g.base, true)); err == nil {
			t.Fatal("a closed client opened a stream")
		}
		other := g.client(t)
		if _, err := other.Stream(chatRequest(t, g.base, true)); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Verdict(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

package confai

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// The Go runner of tests/conformance/request-shape.json: each case becomes
// an *http.Request as an HTTP client library makes it, goes through the
// RoundTripper's shaping path (readBody, newShapedMessage: the library's
// confai_http_request_shape), and must give exactly the fixture's inner
// request bytes and "streamed".
type shapeCase struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Headers     [][2]string `json:"headers"`
	Body        string      `json:"body"`
	Streamed    bool        `json:"streamed"`
	Inner       string      `json:"inner"`
}

func shapeFixture(t *testing.T) []shapeCase {
	t.Helper()
	dir := os.Getenv("CONFAI_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "tests", "conformance")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "request-shape.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version int         `json:"version"`
		Cases   []shapeCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || len(f.Cases) < 4 {
		t.Fatalf("request-shape.json: version %d, %d cases", f.Version, len(f.Cases))
	}
	return f.Cases
}

func TestRequestShapeConformance(t *testing.T) {
	for _, c := range shapeFixture(t) {
		t.Run(c.Name, func(t *testing.T) {
			var body *bytes.Reader
			if c.Body != "" {
				body = bytes.NewReader([]byte(c.Body))
			}
			var req *http.Request
			var err error
			if body != nil {
				req, err = http.NewRequest(c.Method, "http://"+sentinelHost+c.Path, body)
			} else {
				req, err = http.NewRequest(c.Method, "http://"+sentinelHost+c.Path, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range c.Headers {
				req.Header.Add(h[0], h[1])
			}
			got, err := readBody(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, streamed, err := newShapedMessage(req, got)
			if err != nil {
				t.Fatalf("%s: %v", c.Description, err)
			}
			defer msg.free()
			inner, err := msg.encode()
			if err != nil {
				t.Fatal(err)
			}
			if streamed != c.Streamed {
				t.Errorf("%s: streamed %v, want %v", c.Description, streamed, c.Streamed)
			}
			if hex.EncodeToString(inner) != c.Inner {
				t.Errorf("%s: inner\n%x\nwant\n%s", c.Description, inner, c.Inner)
			}
		})
	}
}

// A field value the rule refuses is a CONFAI_E_ARGUMENT error, and nothing
// is built.
func TestRequestShapeRefuses(t *testing.T) {
	req, err := http.NewRequest("POST", OpenAIBaseURL+"chat/completions", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Authorization"] = []string{" Bearer x"}
	msg, streamed, err := newShapedMessage(req, nil)
	var e *Error
	if msg != nil || streamed || !errors.As(err, &e) || e.Status != StatusArgument {
		t.Fatalf("msg %v streamed %v err %v", msg, streamed, err)
	}
}

package confai_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	confai "libconfai.invalid/confai"
)

// rssKiB is the resident set size of this process (VmRSS).
func rssKiB(t testing.TB) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// A loop of sealed requests through the RoundTripper (attested once, each
// request sealed and its answer opened; every tenth one streamed) must not
// grow the process: CONFAI_MEMORY_REQUESTS requests (default 500; the
// figure in doc/performance.md is for 10000) after a warm-up of 100, RSS
// compared after a full garbage collection.
func TestMemorySealedRequests(t *testing.T) {
	count := 500
	if s := os.Getenv("CONFAI_MEMORY_REQUESTS"); s != "" {
		var err error
		if count, err = strconv.Atoi(s); err != nil || count <= 0 {
			t.Fatalf("CONFAI_MEMORY_REQUESTS=%q", s)
		}
	}
	g := startGateway(t)
	c := g.client(t)
	hc := &http.Client{Transport: &confai.RoundTripper{Client: c}}
	body := []byte(chatBody)
	streamed := []byte(strings.Replace(chatBody, `{"model"`, `{"stream":true,"model"`, 1))
	one := func(i int) {
		b := body
		if i%10 == 9 {
			b = streamed
		}
		resp, err := hc.Post(g.base+"/v1/chat/completions", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n == 0 {
			t.Fatalf("request %d: status %d, %d bytes, %v", i, resp.StatusCode, n, err)
		}
	}
	settle := func() int64 {
		runtime.GC()
		debug.FreeOSMemory()
		return rssKiB(t)
	}
	for i := 0; i < 100; i++ {
		one(i)
	}
	before := settle()
	start := time.Now()
	for i := 0; i < count/2; i++ {
		one(i)
	}
	half := settle()
	for i := count / 2; i < count; i++ {
		one(i)
	}
	elapsed := time.Since(start)
	after := settle()
	t.Logf("Go: %d sealed requests: RSS %d KiB before, %d KiB halfway, %d KiB after (%+d KiB; second half %+d KiB); %.0f requests/s",
		count, before, half, after, after-before, after-half, float64(count)/elapsed.Seconds())
	// A leak grows with the count; allocator and runtime caches do not.
	// Allow 8 MiB in all and 4 MiB for the second half, whatever the count.
	if after-before > 8*1024 || after-half > 4*1024 {
		t.Fatalf("RSS grew by %d KiB over %d requests (%d KiB in the second half)", after-before, count, after-half)
	}
}

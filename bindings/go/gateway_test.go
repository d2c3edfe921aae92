package confai_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	confai "libconfai.invalid/confai"
)

// The gateway tests run confai-gateway (examples/confai-gateway) on
// loopback. CONFAI_GATEWAY names its executable; without it they skip.

var (
	stateOnce sync.Once
	stateDir  string
	stateErr  error
)

// gatewayState is one --state folder for every gateway of the test run, so
// that the simulated platform's keys are made once.
func gatewayState() (string, error) {
	stateOnce.Do(func() {
		stateDir, stateErr = os.MkdirTemp("", "confai-go-gateway-")
	})
	return stateDir, stateErr
}

type gateway struct {
	base   string
	policy *confai.Policy
}

var gatewayMu sync.Mutex // gateways start one at a time (shared state folder)

// startGateway starts confai-gateway with extra arguments and returns its
// base URL and the policy that trusts it; it stops when the test ends.
func startGateway(t testing.TB, extra ...string) gateway {
	t.Helper()
	exe := os.Getenv("CONFAI_GATEWAY")
	if exe == "" {
		t.Skip("CONFAI_GATEWAY is not set (the path of confai-gateway); the meson suite 'bindings' sets it")
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("CONFAI_GATEWAY: %v", err)
	}
	state, err := gatewayState()
	if err != nil {
		t.Fatal(err)
	}
	gatewayMu.Lock()
	defer gatewayMu.Unlock()
	policyFile := filepath.Join(t.TempDir(), "policy.json")
	args := append([]string{"--listen", "127.0.0.1:0", "--sim-snp", "--state", state,
		"--policy-out", policyFile, "--token-delay", "0"}, extra...)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatal("confai-gateway did not say where it listens within 60 s")
	}
	base, ok := strings.CutPrefix(line, "listening on ")
	if !ok {
		t.Fatalf("confai-gateway said %q", line)
	}
	doc, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := confai.NewPolicy(doc)
	if err != nil {
		t.Fatalf("gateway policy: %v", err)
	}
	t.Cleanup(func() { policy.Close() })
	return gateway{base: base, policy: policy}
}

func (g gateway) client(t testing.TB) *confai.Client {
	t.Helper()
	c, err := confai.NewClient(g.base, g.policy, &confai.ClientOptions{RequestTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if stateDir != "" {
		os.RemoveAll(stateDir)
	}
	os.Exit(code)
}

package confai_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	confai "libconfai.invalid/confai"
)

// The KeyConfig of RFC 9458 appendix A.
var rfcKeyConfig, _ = hex.DecodeString("01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003")

var (
	simOnce sync.Once
	sim     *confai.SimSNP
	simErr  error
)

// testSim is one simulated platform for the whole package (making one
// generates an RSA-4096 key).
func testSim(t *testing.T) *confai.SimSNP {
	t.Helper()
	simOnce.Do(func() {
		var m [48]byte
		for i := range m {
			m[i] = 0x11
		}
		sim, simErr = confai.NewSimSNP(nil, m, time.Time{})
	})
	if simErr != nil {
		t.Fatalf("NewSimSNP: %v", simErr)
	}
	return sim
}

type fixture struct {
	policy   *confai.Policy
	nonce    [32]byte
	bundle   []byte
	manifest []byte
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	s := testSim(t)
	f := fixture{manifest: []byte(`{"model":"confai-demo"}`)}
	for i := range f.nonce {
		f.nonce[i] = byte(0xa0 + i)
	}
	doc, err := s.PolicyJSON(f.manifest, 10*time.Minute)
	if err != nil {
		t.Fatalf("PolicyJSON: %v", err)
	}
	if f.policy, err = confai.NewPolicy(doc); err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	t.Cleanup(func() { f.policy.Close() })
	notAfter := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	if f.bundle, err = s.Bundle(f.nonce, rfcKeyConfig, f.manifest, notAfter); err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	return f
}

func wantStatus(t *testing.T, err error, status confai.Status, sentinel error) {
	t.Helper()
	var e *confai.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is no *confai.Error", err, err)
	}
	if e.Status != status {
		t.Fatalf("status %s (%q), want %s", e.Name, e.Message, status.Name())
	}
	if e.Name != status.Name() || e.Group != status.Group() || e.Message == "" {
		t.Fatalf("incomplete error %+v", e)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, %v) is false", err, sentinel)
	}
	if !errors.Is(err, &confai.Error{Status: status}) {
		t.Fatalf("errors.Is with the same status is false")
	}
}

func TestStatus(t *testing.T) {
	if got := confai.StatusDecrypt.Name(); got != "CONFAI_E_DECRYPT" {
		t.Errorf("name %q", got)
	}
	if confai.StatusDecrypt.Group() != confai.GroupCrypto || confai.GroupCrypto.String() != "crypto" {
		t.Errorf("group of DECRYPT: %v", confai.StatusDecrypt.Group())
	}
	if confai.StatusPolicyManifest.Group() != confai.GroupPolicy ||
		confai.StatusNetwork.Group() != confai.GroupTransport ||
		confai.StatusBinding.Group() != confai.GroupAttestation ||
		confai.StatusMalformed.Group() != confai.GroupParse {
		t.Errorf("groups do not follow the hundreds")
	}
	if confai.StatusDecrypt.String() == "" || confai.Version() == "" {
		t.Errorf("empty description or version")
	}
	// Names and groups come from the C library for every status, the token,
	// collateral, GPU and transport ones among them.
	for _, c := range []struct {
		status   confai.Status
		name     string
		group    confai.Group
		sentinel error
	}{
		{confai.StatusTokenAlgorithm, "CONFAI_E_TOKEN_ALGORITHM", confai.GroupAttestation, confai.ErrAttestation},
		{confai.StatusTokenKey, "CONFAI_E_TOKEN_KEY", confai.GroupAttestation, confai.ErrAttestation},
		{confai.StatusTokenExpired, "CONFAI_E_TOKEN_EXPIRED", confai.GroupAttestation, confai.ErrAttestation},
		{confai.StatusTokenClaim, "CONFAI_E_TOKEN_CLAIM", confai.GroupAttestation, confai.ErrAttestation},
		{confai.StatusTokenDetached, "CONFAI_E_TOKEN_DETACHED", confai.GroupAttestation, confai.ErrAttestation},
		{confai.StatusPolicyCollateral, "CONFAI_E_POLICY_COLLATERAL", confai.GroupPolicy, confai.ErrPolicy},
		{confai.StatusPolicyGPUCount, "CONFAI_E_POLICY_GPU_COUNT", confai.GroupPolicy, confai.ErrPolicy},
		{confai.StatusPolicyGPUVersion, "CONFAI_E_POLICY_GPU_VERSION", confai.GroupPolicy, confai.ErrPolicy},
		{confai.StatusPolicyToken, "CONFAI_E_POLICY_TOKEN", confai.GroupPolicy, confai.ErrPolicy},
		{confai.StatusNetwork, "CONFAI_E_NETWORK", confai.GroupTransport, confai.ErrTransport},
		{confai.StatusTimeout, "CONFAI_E_TIMEOUT", confai.GroupTransport, confai.ErrTransport},
		{confai.StatusTLS, "CONFAI_E_TLS", confai.GroupTransport, confai.ErrTransport},
		{confai.StatusHTTPStatus, "CONFAI_E_HTTP_STATUS", confai.GroupTransport, confai.ErrTransport},
		{confai.StatusNotSealed, "CONFAI_E_NOT_SEALED", confai.GroupTransport, confai.ErrTransport},
		{confai.StatusCancelled, "CONFAI_E_CANCELLED", confai.GroupTransport, confai.ErrTransport},
	} {
		if got := c.status.Name(); got != c.name {
			t.Errorf("status %d: name %q, want %q", int(c.status), got, c.name)
		}
		if got := c.status.Group(); got != c.group {
			t.Errorf("%s: group %v, want %v", c.name, got, c.group)
		}
		e := &confai.Error{Status: c.status, Name: c.status.Name(), Group: c.status.Group(), Message: "m"}
		if !errors.Is(e, c.sentinel) || errors.Is(e, confai.ErrResource) {
			t.Errorf("%s: the sentinel does not follow the group", c.name)
		}
	}
	if int(confai.StatusPolicyCollateral) != 611 {
		t.Errorf("CONFAI_E_POLICY_COLLATERAL is %d", int(confai.StatusPolicyCollateral))
	}
	err := &confai.Error{Status: confai.StatusDecrypt, Name: "CONFAI_E_DECRYPT", Group: confai.GroupCrypto, Message: "tag"}
	if !errors.Is(err, confai.ErrCrypto) || errors.Is(err, confai.ErrParse) {
		t.Errorf("sentinels do not follow the group")
	}
	if !strings.Contains(err.Error(), "CONFAI_E_DECRYPT") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestPolicyInvalid(t *testing.T) {
	_, err := confai.NewPolicy([]byte(`{"version": 1}`))
	wantStatus(t, err, confai.StatusPolicyInvalid, confai.ErrPolicy)
	_, err = confai.NewPolicy(nil)
	if err == nil {
		t.Fatal("empty policy accepted")
	}
}

func TestVerifyAccepts(t *testing.T) {
	f := newFixture(t)
	if f.policy.MaxAge() != 10*time.Minute {
		t.Errorf("max age %v", f.policy.MaxAge())
	}
	v, err := confai.VerifyBundle(f.policy, f.nonce, f.bundle, nil)
	if err != nil {
		t.Fatalf("VerifyBundle: %v", err)
	}
	defer v.Close()
	if v.Platform() != "sev-snp" || v.Product() == "" {
		t.Errorf("platform %q product %q", v.Platform(), v.Product())
	}
	if v.RootKind() != confai.RootCustom || !strings.HasPrefix(v.RootWarning(), "NOT an AMD root") {
		t.Errorf("root %v %q", v.RootKind(), v.RootWarning())
	}
	if !bytes.Equal(v.Measurement(), bytes.Repeat([]byte{0x11}, 48)) {
		t.Errorf("measurement %x", v.Measurement())
	}
	if len(v.KeyConfigDigest()) != 32 || len(v.ManifestDigest()) != 32 {
		t.Errorf("digests %x %x", v.KeyConfigDigest(), v.ManifestDigest())
	}
	if v.Expiry().After(v.VerifiedAt().Add(10*time.Minute)) || v.NotAfter().IsZero() {
		t.Errorf("times %v %v %v", v.VerifiedAt(), v.NotAfter(), v.Expiry())
	}
	checks := strings.Join(v.Checks(), ",")
	if !strings.Contains(checks, "binding.report_data") || !strings.Contains(checks, "policy.manifest") {
		t.Errorf("checks %s", checks)
	}
	if v.TCB(confai.TCBReported) == 0 {
		t.Errorf("no reported TCB")
	}
	doc, err := v.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	var parsed struct {
		Result   string `json:"result"`
		Platform string `json:"platform"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil || parsed.Result != "accepted" || parsed.Platform != "sev-snp" {
		t.Errorf("verdict JSON %s (%v)", doc, err)
	}
	v.Close()
	v.Close()
	if v.Platform() != "" || v.Checks() != nil {
		t.Errorf("a closed verdict still answers")
	}
	if _, err := v.JSON(); !errors.Is(err, confai.ErrArgument) {
		t.Errorf("JSON of a closed verdict: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	otherNonce := f.nonce
	otherNonce[0] ^= 1
	_, err := confai.VerifyBundle(f.policy, otherNonce, f.bundle, nil)
	wantStatus(t, err, confai.StatusNonceMismatch, confai.ErrAttestation)

	_, err = confai.VerifyBundle(f.policy, f.nonce, []byte(`{"version":1`), nil)
	wantStatus(t, err, confai.StatusMalformed, confai.ErrParse)

	_, err = confai.VerifyBundle(f.policy, f.nonce, append(append([]byte{}, f.bundle...), 'x'), nil)
	wantStatus(t, err, confai.StatusTrailingData, confai.ErrParse)

	_, err = confai.VerifyBundle(f.policy, f.nonce, f.bundle, &confai.VerifyOptions{Time: time.Now().Add(2 * time.Hour)})
	wantStatus(t, err, confai.StatusEvidenceExpired, confai.ErrAttestation)

	// An unknown member is rejected in strict mode only.
	lenient := append([]byte(`{"extra":1,`), f.bundle[1:]...)
	_, err = confai.VerifyBundle(f.policy, f.nonce, lenient, nil)
	wantStatus(t, err, confai.StatusMalformed, confai.ErrParse)
	v, err := confai.VerifyBundle(f.policy, f.nonce, lenient, &confai.VerifyOptions{LenientBundle: true})
	if err != nil {
		t.Fatalf("lenient: %v", err)
	}
	v.Close()

	// A policy for another manifest.
	doc, err := testSim(t).PolicyJSON([]byte("another manifest"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	other, err := confai.NewPolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = confai.VerifyBundle(other, f.nonce, f.bundle, nil)
	wantStatus(t, err, confai.StatusPolicyManifest, confai.ErrPolicy)

	other.Close()
	_, err = confai.VerifyBundle(other, f.nonce, f.bundle, nil)
	wantStatus(t, err, confai.StatusArgument, confai.ErrArgument)
}

func TestSimSNPKeys(t *testing.T) {
	s := testSim(t)
	keys, err := s.SaveKeys()
	if err != nil || !bytes.Contains(keys, []byte("PRIVATE KEY")) {
		t.Fatalf("SaveKeys: %v", err)
	}
	restored, err := confai.NewSimSNP(keys, [48]byte{}, time.Time{})
	if err != nil {
		t.Fatalf("NewSimSNP(saved): %v", err)
	}
	restored.Close()
	_, err = confai.NewSimSNP([]byte("not a key"), [48]byte{}, time.Time{})
	wantStatus(t, err, confai.StatusBadKey, confai.ErrCrypto)
}

package confai_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	confai "libconfai.invalid/confai"
	"libconfai.invalid/confai/internal/gatewaytest"
)

// The Go runner of the conformance fixtures (tests/conformance/README.md):
// every case of the shared manifest must end in exactly the status the C,
// Python and Node runners reach.

type conformanceCase struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	Description string            `json:"description"`
	Files       map[string]string `json:"files"`
	VerifyTime  *int64            `json:"verify_time"`
	Nonce       *string           `json:"nonce"`
	Flags       []string          `json:"flags"`
	Expected    string            `json:"expected"`
	Mode        string            `json:"mode"`
	Gateway     *struct {
		KemID      uint16 `json:"kem_id"`
		KeyID      uint8  `json:"key_id"`
		Algorithms []struct {
			KDF  uint16 `json:"kdf_id"`
			AEAD uint16 `json:"aead_id"`
		} `json:"algorithms"`
	} `json:"gateway"`
}

func conformanceDir() string {
	if dir := os.Getenv("CONFAI_CONFORMANCE_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "tests", "conformance")
}

func TestConformance(t *testing.T) {
	dir := conformanceDir()
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	var manifest struct {
		Version int               `json:"version"`
		Cases   []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil || manifest.Version != 1 || len(manifest.Cases) == 0 {
		t.Fatalf("manifest version %d, %d cases, %v", manifest.Version, len(manifest.Cases), err)
	}
	seen := map[string]bool{}
	for _, c := range manifest.Cases {
		if seen[c.Name] {
			t.Fatalf("case %s twice", c.Name)
		}
		seen[c.Name] = true
		c := c
		t.Run(c.Name, func(t *testing.T) {
			file := func(role string) []byte {
				t.Helper()
				rel, ok := c.Files[role]
				if !ok {
					t.Fatalf("no file for role %s", role)
				}
				b, err := os.ReadFile(filepath.Join(dir, rel))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			var got string
			switch c.Kind {
			case "policy":
				got = statusName(t, runPolicy(file("policy")))
			case "bundle":
				got = statusName(t, runBundle(t, c, file))
			case "sealed-request":
				got = runSealedRequest(t, c, file)
			case "sealed-response":
				got = runSealedResponse(t, c, file)
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			if got != c.Expected {
				t.Fatalf("%s (%s): got %s, want %s", c.Name, c.Description, got, c.Expected)
			}
		})
	}
}

// statusName is "CONFAI_OK" for nil and the status name of an *Error.
func statusName(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return "CONFAI_OK"
	}
	var e *confai.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is no *confai.Error", err)
	}
	if e.Name != e.Status.Name() {
		t.Fatalf("name %s for status %d", e.Name, e.Status)
	}
	return e.Name
}

func runPolicy(doc []byte) error {
	p, err := confai.NewPolicy(doc)
	if err != nil {
		return err
	}
	return p.Close()
}

func runBundle(t *testing.T, c conformanceCase, file func(string) []byte) error {
	policy, err := confai.NewPolicy(file("policy"))
	if err != nil {
		return err
	}
	defer policy.Close()
	var nonce [32]byte
	if c.Nonce == nil {
		t.Fatal("bundle case without a nonce")
	}
	n, err := hex.DecodeString(*c.Nonce)
	if err != nil || len(n) != 32 {
		t.Fatalf("nonce %q", *c.Nonce)
	}
	copy(nonce[:], n)
	opts := &confai.VerifyOptions{}
	if c.VerifyTime != nil {
		opts.Time = time.Unix(*c.VerifyTime, 0)
	}
	for _, f := range c.Flags {
		switch f {
		case "lenient_bundle":
			opts.LenientBundle = true
		default:
			t.Fatalf("unknown flag %q", f)
		}
	}
	v, err := confai.VerifyBundle(policy, nonce, file("bundle"), opts)
	if err != nil {
		return err
	}
	defer v.Close()
	if _, ok := c.Files["verdict"]; ok {
		got, err := v.JSON()
		if err != nil {
			return err
		}
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(file("verdict"), &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("verdict differs:\n got %s\nwant %s", got, file("verdict"))
		}
		if v.RootKind() != confai.RootCustom || v.Platform() != "sev-snp" {
			t.Fatalf("verdict root %v platform %s", v.RootKind(), v.Platform())
		}
	}
	return nil
}

// sealedAlgorithms checks a sealed case's gateway and mode and gives its
// (KDF, AEAD) pairs.
func sealedAlgorithms(t *testing.T, c conformanceCase) []gatewaytest.Algorithms {
	t.Helper()
	if c.Gateway == nil || (c.Mode != "whole" && c.Mode != "chunked") {
		t.Fatalf("sealed case without gateway or mode (%q)", c.Mode)
	}
	var algs []gatewaytest.Algorithms
	for _, a := range c.Gateway.Algorithms {
		algs = append(algs, gatewaytest.Algorithms{KDF: a.KDF, AEAD: a.AEAD})
	}
	return algs
}

// sealedOutcome is the status name of an opened message; on success the
// chunks must have ended with the final one and the plaintext must be the
// expected one.
func sealedOutcome(t *testing.T, c conformanceCase, file func(string) []byte, r gatewaytest.Result) string {
	t.Helper()
	if r.Status != int(confai.StatusOK) {
		if r.Message == "" {
			t.Fatalf("%s without a message", confai.Status(r.Status).Name())
		}
		return confai.Status(r.Status).Name()
	}
	if c.Mode == "chunked" && (!r.FinalSeen || r.AfterFinal) {
		t.Fatalf("chunked %s: final chunk seen %v, a chunk after it %v", c.Kind, r.FinalSeen, r.AfterFinal)
	}
	if _, ok := c.Files["plaintext"]; ok && !bytes.Equal(r.Plaintext, file("plaintext")) {
		t.Fatalf("plaintext differs")
	}
	return "CONFAI_OK"
}

func runSealedRequest(t *testing.T, c conformanceCase, file func(string) []byte) string {
	algs := sealedAlgorithms(t, c)
	r := gatewaytest.OpenRequest(c.Mode == "chunked", c.Gateway.KemID, c.Gateway.KeyID, algs,
		file("gateway_key"), file("request"))
	return sealedOutcome(t, c, file, r)
}

// runSealedResponse opens the response of a recorded exchange, the client
// side rebuilt with confai_ohttp_client_from_request.
func runSealedResponse(t *testing.T, c conformanceCase, file func(string) []byte) string {
	algs := sealedAlgorithms(t, c)
	r := gatewaytest.OpenResponse(c.Mode == "chunked", c.Gateway.KemID, c.Gateway.KeyID, algs,
		file("gateway_key"), file("request"), file("response"))
	return sealedOutcome(t, c, file, r)
}

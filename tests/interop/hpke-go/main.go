// Command hpke-interop is the Go peer of libconfai's HPKE interop test.
//
// It uses only the standard library's crypto/hpke, an implementation written
// independently of libconfai and of OpenSSL, so that agreement between the
// two says something about RFC 9180 conformance rather than about shared code.
//
// The protocol is one request per line on stdin and one response per line on
// stdout, fields separated by single spaces. Byte strings are lowercase hex,
// with "-" standing for the empty string (an empty field would vanish between
// two spaces). Suites are three hex ids: KEM KDF AEAD, e.g. "0020 0001 0002".
// Each request is self-contained: a multi-message exchange is one request, so
// the peer keeps no state between lines.
//
//	keygen KEM                        -> ok SK PK
//	derive KEM IKM                    -> ok SK PK
//	public KEM SK                     -> ok PK
//	seal KEM KDF AEAD PK INFO NEXP {EXPCTX LEN}*NEXP NMSG {AAD PT}*NMSG
//	                                  -> ok ENC {EXPORTED}*NEXP {CT}*NMSG
//	open KEM KDF AEAD SK ENC INFO NEXP {EXPCTX LEN}*NEXP NMSG {AAD CT}*NMSG
//	                                  -> ok {EXPORTED}*NEXP {PT}*NMSG
//	                                   | fail I REASON   (message I did not open)
//	sealonce KEM KDF AEAD PK INFO PT  -> ok ENC||CT      (hpke.Seal, no aad)
//	openonce KEM KDF AEAD SK INFO ENC||CT -> ok PT       (hpke.Open, no aad)
//	modes                             -> ok base         (what crypto/hpke offers)
//
// Any other failure answers "err REASON". Run without arguments; a line can
// also be piped in by hand for debugging: echo "keygen 0020" | hpke-interop
package main

import (
	"bufio"
	"crypto/hpke"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// request walks the fields of one line; the first parse error sticks, so the
// handlers can read all fields and check once.
type request struct {
	fields []string
	err    error
}

func (r *request) next() string {
	if r.err != nil {
		return ""
	}
	if len(r.fields) == 0 {
		r.err = errors.New("missing field")
		return ""
	}
	f := r.fields[0]
	r.fields = r.fields[1:]
	return f
}

func (r *request) bytes() []byte {
	f := r.next()
	if r.err != nil || f == "-" {
		return []byte{}
	}
	b, err := hex.DecodeString(f)
	if err != nil {
		r.err = fmt.Errorf("bad hex %q: %v", abbreviate(f), err)
	}
	return b
}

func (r *request) number() int {
	f := r.next()
	if r.err != nil {
		return 0
	}
	n, err := strconv.Atoi(f)
	if err != nil || n < 0 {
		r.err = fmt.Errorf("bad count %q", f)
	}
	return n
}

func (r *request) id() uint16 {
	f := r.next()
	if r.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(f, 16, 16)
	if err != nil {
		r.err = fmt.Errorf("bad algorithm id %q", f)
	}
	return uint16(n)
}

// done reports a parse error or fields left over, which would mean the two
// sides disagree on the protocol.
func (r *request) done() error {
	if r.err == nil && len(r.fields) != 0 {
		r.err = fmt.Errorf("%d unexpected trailing fields", len(r.fields))
	}
	return r.err
}

type suite struct {
	kem  hpke.KEM
	kdf  hpke.KDF
	aead hpke.AEAD
}

func (r *request) kem() hpke.KEM {
	id := r.id()
	if r.err != nil {
		return nil
	}
	kem, err := hpke.NewKEM(id)
	if err != nil {
		r.err = err
	}
	return kem
}

func (r *request) suite() suite {
	var s suite
	s.kem = r.kem()
	kdfID, aeadID := r.id(), r.id()
	if r.err != nil {
		return s
	}
	var err error
	if s.kdf, err = hpke.NewKDF(kdfID); err != nil {
		r.err = err
	} else if s.aead, err = hpke.NewAEAD(aeadID); err != nil {
		r.err = err
	}
	return s
}

type export struct {
	context []byte
	length  int
}

func (r *request) exports() []export {
	n := r.number()
	var out []export
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, export{r.bytes(), r.number()})
	}
	return out
}

// pairs reads NMSG followed by NMSG (aad, payload) pairs.
func (r *request) pairs() (aads, payloads [][]byte) {
	n := r.number()
	for i := 0; i < n && r.err == nil; i++ {
		aads = append(aads, r.bytes())
		payloads = append(payloads, r.bytes())
	}
	return aads, payloads
}

func enc(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// exporter is what Sender and Recipient have in common.
type exporter interface {
	Export(exporterContext string, length int) ([]byte, error)
}

func doExports(x exporter, exports []export, out []string) ([]string, error) {
	for _, e := range exports {
		secret, err := x.Export(string(e.context), e.length)
		if err != nil {
			return nil, fmt.Errorf("export of %d bytes: %v", e.length, err)
		}
		out = append(out, enc(secret))
	}
	return out, nil
}

func handle(line string) string {
	r := &request{fields: strings.Fields(line)}
	switch cmd := r.next(); cmd {
	case "modes":
		// crypto/hpke has no API for the psk, auth and auth_psk modes.
		return "ok base"

	case "keygen":
		kem := r.kem()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		sk, err := kem.GenerateKey()
		if err != nil {
			return "err " + err.Error()
		}
		return keyPair(sk)

	case "derive":
		kem, ikm := r.kem(), r.bytes()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		sk, err := kem.DeriveKeyPair(ikm)
		if err != nil {
			return "err " + err.Error()
		}
		return keyPair(sk)

	case "public":
		kem, skBytes := r.kem(), r.bytes()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		sk, err := kem.NewPrivateKey(skBytes)
		if err != nil {
			return "err " + err.Error()
		}
		return "ok " + enc(sk.PublicKey().Bytes())

	case "seal":
		s, pkBytes, info := r.suite(), r.bytes(), r.bytes()
		exports := r.exports()
		aads, pts := r.pairs()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		pk, err := s.kem.NewPublicKey(pkBytes)
		if err != nil {
			return "err public key: " + err.Error()
		}
		encap, sender, err := hpke.NewSender(pk, s.kdf, s.aead, info)
		if err != nil {
			return "err " + err.Error()
		}
		out, err := doExports(sender, exports, []string{"ok", enc(encap)})
		if err != nil {
			return "err " + err.Error()
		}
		for i := range pts {
			ct, err := sender.Seal(aads[i], pts[i])
			if err != nil {
				return fmt.Sprintf("err seal of message %d: %v", i, err)
			}
			out = append(out, enc(ct))
		}
		return strings.Join(out, " ")

	case "open":
		s, skBytes, encap, info := r.suite(), r.bytes(), r.bytes(), r.bytes()
		exports := r.exports()
		aads, cts := r.pairs()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		sk, err := s.kem.NewPrivateKey(skBytes)
		if err != nil {
			return "err private key: " + err.Error()
		}
		recipient, err := hpke.NewRecipient(encap, sk, s.kdf, s.aead, info)
		if err != nil {
			return "err " + err.Error()
		}
		out, err := doExports(recipient, exports, []string{"ok"})
		if err != nil {
			return "err " + err.Error()
		}
		for i := range cts {
			pt, err := recipient.Open(aads[i], cts[i])
			if err != nil {
				// "fail", not "err": the caller may expect this (a
				// tampered ciphertext) and needs to know which one.
				return fmt.Sprintf("fail %d %v", i, err)
			}
			out = append(out, enc(pt))
		}
		return strings.Join(out, " ")

	case "sealonce":
		s, pkBytes, info, pt := r.suite(), r.bytes(), r.bytes(), r.bytes()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		pk, err := s.kem.NewPublicKey(pkBytes)
		if err != nil {
			return "err public key: " + err.Error()
		}
		msg, err := hpke.Seal(pk, s.kdf, s.aead, info, pt)
		if err != nil {
			return "err " + err.Error()
		}
		return "ok " + enc(msg)

	case "openonce":
		s, skBytes, info, msg := r.suite(), r.bytes(), r.bytes(), r.bytes()
		if err := r.done(); err != nil {
			return "err " + err.Error()
		}
		sk, err := s.kem.NewPrivateKey(skBytes)
		if err != nil {
			return "err private key: " + err.Error()
		}
		pt, err := hpke.Open(sk, s.kdf, s.aead, info, msg)
		if err != nil {
			return "fail 0 " + err.Error()
		}
		return "ok " + enc(pt)

	default:
		return fmt.Sprintf("err unknown command %q", cmd)
	}
}

func keyPair(sk hpke.PrivateKey) string {
	skBytes, err := sk.Bytes()
	if err != nil {
		return "err " + err.Error()
	}
	return "ok " + enc(skBytes) + " " + enc(sk.PublicKey().Bytes())
}

func main() {
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: hpke-interop < requests (see the package comment)")
		os.Exit(2)
	}
	// bufio.Reader rather than Scanner: a 16 KiB message is 32 KiB of hex,
	// and several of them share a line.
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, err := in.ReadString('\n')
		if line = strings.TrimSpace(line); line != "" {
			// Error texts must stay on one line to keep the framing.
			resp := strings.ReplaceAll(handle(line), "\n", " ")
			fmt.Fprintln(out, resp)
			// Flush per response: the test waits for each answer.
			if ferr := out.Flush(); ferr != nil {
				os.Exit(1)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			os.Exit(1)
		}
	}
}

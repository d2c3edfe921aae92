// Command go-tdx-guest-bench measures google/go-tdx-guest on the work
// bench_tdx.c measures, on the same real quote at the same fixed time:
//
//   - quote: verify.TdxQuote without collateral (no network): parse the
//     quote (abi.QuoteToProto), verify the PCK chain to the Intel SGX Root
//     CA, the quote signature, the QE report signature and the QE report
//     data, as libconfai's tdx_verify does without collateral;
//   - collateral: the same with the TCB info, QE identity, their issuer
//     chain and both CRLs served from local files by a Getter (no network):
//     go-tdx-guest then also parses and verifies the collateral and the
//     CRLs and evaluates the TCB. For the SPR_E4 quote of the vectors no TCB
//     level matches (libconfai reports NotSupported); go-tdx-guest ends with
//     "no matching TCB level found" after all signatures are checked, which
//     -expect names as the expected outcome.
//
// It prints "GOVERSION <v>" and "RESULT <mode> <ops/s>". bench_tdx runs it
// with -rounds 1 between its own rounds, so both see the same load.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	"github.com/google/go-tdx-guest/verify"
)

// opsPerSecond runs op once to check and warm up, then in rounds for about d
// in all; returns the ops/s of the best round (as bench_tdx.c does).
func opsPerSecond(d time.Duration, rounds int, op func() error) (float64, error) {
	if err := op(); err != nil {
		return 0, err
	}
	best := 0.0
	for range rounds {
		ops := 0
		start := time.Now()
		for time.Since(start) < d/time.Duration(rounds) {
			if err := op(); err != nil {
				return 0, err
			}
			ops++
		}
		if rate := float64(ops) / time.Since(start).Seconds(); rate > best {
			best = rate
		}
	}
	return best, nil
}

type response struct {
	header map[string][]string
	body   []byte
}

// localGetter serves Intel PCS answers from files instead of the network.
type localGetter struct {
	responses map[string]response
}

func (g *localGetter) Get(u string) (map[string][]string, []byte, error) {
	r, ok := g.responses[u]
	if !ok {
		return nil, nil, fmt.Errorf("no local response for %s", u)
	}
	return r.header, r.body, nil
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-tdx-guest-bench: %v\n", err)
		os.Exit(1)
	}
	return b
}

func run() error {
	quotePath := flag.String("quote", "", "the file holding the raw quote")
	quoteLen := flag.Int("len", 0, "bytes of the file the quote uses (0: all)")
	rootPath := flag.String("root", "", "the Intel SGX Root CA (PEM), trusted as libconfai pins it")
	mode := flag.String("mode", "quote", "quote or collateral")
	fmspc := flag.String("fmspc", "", "the PCK's FMSPC in hex (collateral mode)")
	tcbInfo := flag.String("tcbinfo", "", "TCB info response body")
	qeIdentity := flag.String("qeidentity", "", "QE identity response body")
	signChain := flag.String("signchain", "", "TCB-Info-Issuer-Chain (PEM)")
	pckCrl := flag.String("pckcrl", "", "PCK CRL (DER)")
	pckCrlChain := flag.String("pckcrlchain", "", "SGX-PCK-CRL-Issuer-Chain (PEM)")
	rootCrl := flag.String("rootcrl", "", "root CA CRL (DER)")
	expect := flag.String("expect", "", "an error containing this text is the expected outcome")
	at := flag.Int64("time", 0, "verification time, seconds since the epoch")
	seconds := flag.Float64("seconds", 1, "seconds to measure")
	rounds := flag.Int("rounds", 5, "rounds, the best counts")
	flag.Parse()

	quote := read(*quotePath)
	if *quoteLen > 0 && *quoteLen <= len(quote) {
		quote = quote[:*quoteLen]
	}
	block, _ := pem.Decode(read(*rootPath))
	if block == nil {
		return fmt.Errorf("%s: no PEM certificate", *rootPath)
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("%s: %v", *rootPath, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	options := &verify.Options{Now: time.Unix(*at, 0), TrustedRoots: roots}
	if *mode == "collateral" {
		sign := url.QueryEscape(string(read(*signChain)))
		getter := &localGetter{responses: map[string]response{
			pcs.TcbInfoURL(*fmspc): {
				map[string][]string{"Tcb-Info-Issuer-Chain": {sign}}, read(*tcbInfo)},
			pcs.QeIdentityURL(): {
				map[string][]string{"Sgx-Enclave-Identity-Issuer-Chain": {sign}},
				read(*qeIdentity)},
			pcs.PckCrlURL("platform"): {
				map[string][]string{"Sgx-Pck-Crl-Issuer-Chain": {
					url.QueryEscape(string(read(*pckCrlChain)))}},
				read(*pckCrl)},
			"https://certificates.trustedservices.intel.com/IntelSGXRootCA.der": {nil,
				read(*rootCrl)},
		}}
		options.GetCollateral = true
		options.CheckRevocations = true
		options.Getter = getter
	} else if *mode != "quote" {
		return fmt.Errorf("unknown mode %q", *mode)
	}
	verifyOnce := func() error {
		parsed, err := abi.QuoteToProto(quote)
		if err != nil {
			return err
		}
		o := *options
		err = verify.TdxQuote(parsed, &o)
		if *expect != "" {
			if err == nil || !strings.Contains(err.Error(), *expect) {
				return fmt.Errorf("expected an error with %q, got %v", *expect, err)
			}
			return nil
		}
		return err
	}
	d := time.Duration(*seconds * float64(time.Second))
	rate, err := opsPerSecond(d, *rounds, verifyOnce)
	if err != nil {
		return fmt.Errorf("verify.TdxQuote: %v", err)
	}
	fmt.Printf("GOVERSION %s\n", runtime.Version())
	fmt.Printf("RESULT %s %.1f\n", *mode, rate)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "go-tdx-guest-bench: %v\n", err)
		os.Exit(1)
	}
}

// Command go-sev-guest-bench measures google/go-sev-guest on the work
// bench_sev_snp.c measures: one SEV-SNP report with its VCEK, verified
// against a given ASK/ARK at a fixed time (verify.SnpAttestation with
// TrustedRoots, no network, no CRL). Each operation parses the report
// (abi.ReportToProto) and verifies the VCEK's chain and the report signature,
// as libconfai's cold verification does; the trusted ASK/ARK are parsed once,
// as go-sev-guest keeps them.
//
// It prints "GOVERSION <v>" and "RESULT verify <ops/s>". bench_sev_snp runs
// it with -rounds 1 between its own rounds, so both see the same load.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"
)

// opsPerSecond runs op once to check and warm up, then in rounds for about d
// in all; returns the ops/s of the best round (as bench_sev_snp.c does).
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

func run() error {
	reportPath := flag.String("report", "", "the raw 1184-byte report")
	vcekPath := flag.String("vcek", "", "the VCEK (DER)")
	chainPath := flag.String("chain", "", "ASK and ARK (PEM, ASK first)")
	product := flag.String("product", "Milan", "the product line of the chain")
	at := flag.Int64("time", 0, "verification time, seconds since the epoch")
	seconds := flag.Float64("seconds", 1, "seconds to measure")
	rounds := flag.Int("rounds", 5, "rounds, the best counts")
	flag.Parse()

	report, err := os.ReadFile(*reportPath)
	if err != nil {
		return err
	}
	vcek, err := os.ReadFile(*vcekPath)
	if err != nil {
		return err
	}
	root := trust.AMDRootCertsProduct(*product)
	if err := root.FromKDSCert(*chainPath); err != nil {
		return fmt.Errorf("reading %s: %v", *chainPath, err)
	}
	options := &verify.Options{
		DisableCertFetching: true,
		Now:                 time.Unix(*at, 0),
		TrustedRoots:        map[string][]*trust.AMDRootCerts{*product: {root}},
	}
	verifyOnce := func() error {
		parsed, err := abi.ReportToProto(report)
		if err != nil {
			return err
		}
		attestation := &spb.Attestation{
			Report:           parsed,
			CertificateChain: &spb.CertificateChain{VcekCert: vcek},
		}
		return verify.SnpAttestation(attestation, options)
	}
	d := time.Duration(*seconds * float64(time.Second))
	rate, err := opsPerSecond(d, *rounds, verifyOnce)
	if err != nil {
		return fmt.Errorf("verify.SnpAttestation: %v", err)
	}
	fmt.Printf("GOVERSION %s\n", runtime.Version())
	fmt.Printf("RESULT verify %.1f\n", rate)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "go-sev-guest-bench: %v\n", err)
		os.Exit(1)
	}
}

// Command go-hpke measures Go's crypto/hpke on the single-shot cases of
// bench_hpke.c (setup+seal and setup+open of 1 KiB, base mode, the same info,
// no aad) and prints one "RESULT <seal|open>-<suite> <ops/s>" line per case.
// bench_hpke runs it with -case and -rounds 1 between its own rounds, so
// that both see the same load and it can print the ratio libconfai/Go.
package main

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"
)

type suite struct {
	id   string
	kem  hpke.KEM
	kdf  hpke.KDF
	aead hpke.AEAD
}

// opsPerSecond runs op once to warm up, then in rounds for about d in all;
// returns the ops/s of the best round, the one least disturbed by other load
// on a shared machine (as bench_hpke.c does).
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

func bench(s suite, d time.Duration, rounds int) error {
	info := []byte("confai bench")
	plaintext := bytes.Repeat([]byte("p"), 1024)
	priv, err := s.kem.GenerateKey()
	if err != nil {
		return err
	}
	pub := priv.PublicKey()

	var sealed []byte // enc || ciphertext of the last seal
	seal, err := opsPerSecond(d, rounds, func() error {
		var err error
		sealed, err = hpke.Seal(pub, s.kdf, s.aead, info, plaintext)
		return err
	})
	if err != nil {
		return fmt.Errorf("seal %s: %w", s.id, err)
	}
	fmt.Printf("RESULT seal-%s %.1f\n", s.id, seal)

	open, err := opsPerSecond(d, rounds, func() error {
		_, err := hpke.Open(priv, s.kdf, s.aead, info, sealed)
		return err
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", s.id, err)
	}
	fmt.Printf("RESULT open-%s %.1f\n", s.id, open)
	return nil
}

func main() {
	seconds := flag.Float64("seconds", 1, "time per case, in seconds")
	rounds := flag.Int("rounds", 5, "rounds per case; the best one counts")
	only := flag.String("case", "", "run only this suite (e.g. x25519-sha256-aes256gcm)")
	flag.Parse()
	if *rounds < 1 {
		*rounds = 1
	}
	d := time.Duration(*seconds * float64(time.Second))

	fmt.Printf("GOVERSION %s\n", runtime.Version())
	suites := []suite{
		{"x25519-sha256-aes256gcm", hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.AES256GCM()},
		{"p256-sha256-aes128gcm", hpke.DHKEM(ecdh.P256()), hpke.HKDFSHA256(), hpke.AES128GCM()},
	}
	found := false
	for _, s := range suites {
		if *only != "" && s.id != *only {
			continue
		}
		found = true
		if err := bench(s, d, *rounds); err != nil {
			fmt.Fprintln(os.Stderr, "go-hpke:", err)
			os.Exit(1)
		}
	}
	if !found {
		fmt.Fprintln(os.Stderr, "go-hpke: no suite named", *only)
		os.Exit(2)
	}
}

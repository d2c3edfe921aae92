// Command go-hpke measures Go's crypto/hpke on the single-shot cases of
// bench_hpke.c (setup+seal and setup+open of 1 KiB, base mode, the same info,
// no aad) and prints one "RESULT <name> <ops/s>" line per case, with the
// names bench_hpke uses, so that it can print the ratio libconfai/Go.
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

// rounds: as in bench_hpke.c, a case runs in rounds and its best round
// counts, the one least disturbed by other load on a shared machine.
const rounds = 5

// opsPerSecond runs op once to warm up, then in rounds for about d in all;
// returns the ops/s of the best round.
func opsPerSecond(d time.Duration, op func() error) (float64, error) {
	if err := op(); err != nil {
		return 0, err
	}
	best := 0.0
	for range rounds {
		ops := 0
		start := time.Now()
		for time.Since(start) < d/rounds {
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

func bench(s suite, d time.Duration) error {
	info := []byte("confai bench")
	plaintext := bytes.Repeat([]byte("p"), 1024)
	priv, err := s.kem.GenerateKey()
	if err != nil {
		return err
	}
	pub := priv.PublicKey()

	var sealed []byte // enc || ciphertext of the last seal
	seal, err := opsPerSecond(d, func() error {
		var err error
		sealed, err = hpke.Seal(pub, s.kdf, s.aead, info, plaintext)
		return err
	})
	if err != nil {
		return fmt.Errorf("seal %s: %w", s.id, err)
	}
	fmt.Printf("RESULT seal-%s %.1f\n", s.id, seal)

	open, err := opsPerSecond(d, func() error {
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
	flag.Parse()
	d := time.Duration(*seconds * float64(time.Second))

	fmt.Printf("GOVERSION %s\n", runtime.Version())
	suites := []suite{
		{"x25519-sha256-aes256gcm", hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.AES256GCM()},
		{"p256-sha256-aes128gcm", hpke.DHKEM(ecdh.P256()), hpke.HKDFSHA256(), hpke.AES128GCM()},
	}
	for _, s := range suites {
		if err := bench(s, d); err != nil {
			fmt.Fprintln(os.Stderr, "go-hpke:", err)
			os.Exit(1)
		}
	}
}

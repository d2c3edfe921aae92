module confai.invalid/bench/go-hpke

go 1.26

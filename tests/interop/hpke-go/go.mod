module confai.test/hpke-interop

go 1.26

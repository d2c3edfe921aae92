module libconfai.invalid/confai/examples/chat

go 1.26.0

require libconfai.invalid/confai v0.0.0

replace libconfai.invalid/confai => ../../bindings/go

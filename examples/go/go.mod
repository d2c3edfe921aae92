module github.com/libconfai/confai-go/examples/chat

go 1.26.0

require github.com/libconfai/confai-go v0.0.0

replace github.com/libconfai/confai-go => ../../bindings/go

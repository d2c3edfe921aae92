module github.com/libconfai/confai-go

go 1.26.0

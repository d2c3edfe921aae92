// Usage: go run . http://127.0.0.1:8080 policy.json (attests the service, then chats sealed).
package main

import (
	"context"
	"fmt"
	confai "libconfai.invalid/confai"
	"os"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
func main() {
	client := must(confai.NewClient(os.Args[1], must(confai.ReadPolicy(os.Args[2])), nil))
	fmt.Println(must(client.ChatText(context.Background(), []byte(`{"model":"confai-demo","messages":[{"role":"user","content":"What runs here?"}]}`))))
}

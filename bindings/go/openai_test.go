package confai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	confai "github.com/libconfai/confai-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// The official OpenAI Go SDK, unchanged, over the RoundTripper: every
// request it makes is sealed to the attested gateway.
func openaiClient(g gateway, c *confai.Client) openai.Client {
	return openai.NewClient(
		option.WithBaseURL(g.base+"/v1/"),
		option.WithAPIKey("unused"),
		option.WithHTTPClient(&http.Client{Transport: &confai.RoundTripper{Client: c}}),
		option.WithMaxRetries(0),
	)
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "confai-demo",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say something about attestation.")},
	}
}

func TestOpenAIChatCompletion(t *testing.T) {
	g := startGateway(t)
	client := openaiClient(g, g.client(t))
	completion, err := client.Chat.Completions.New(context.Background(), chatParams())
	if err != nil {
		t.Fatalf("Chat.Completions.New: %v", err)
	}
	if len(completion.Choices) == 0 || completion.Choices[0].Message.Content == "" {
		t.Fatalf("empty completion %+v", completion)
	}
	if completion.Model != "confai-demo" {
		t.Errorf("model %q", completion.Model)
	}
}

func TestOpenAIChatCompletionStreaming(t *testing.T) {
	g := startGateway(t)
	client := openaiClient(g, g.client(t))
	stream := client.Chat.Completions.NewStreaming(context.Background(), chatParams())
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	stream.Close()
	if chunks < 2 || len(acc.Choices) == 0 || strings.TrimSpace(acc.Choices[0].Message.Content) == "" {
		t.Fatalf("%d chunks, %+v", chunks, acc.Choices)
	}
}

// A tampered answer surfaces as an error in the SDK: for a streamed
// completion in stream.Err(), for a whole one from New.
func TestOpenAITampered(t *testing.T) {
	for _, mode := range []string{"flip-byte", "truncate", "drop-chunk", "duplicate-chunk"} {
		t.Run(mode, func(t *testing.T) {
			g := startGateway(t, "--tamper", mode)
			client := openaiClient(g, g.client(t))
			stream := client.Chat.Completions.NewStreaming(context.Background(), chatParams())
			for stream.Next() {
			}
			err := stream.Err()
			stream.Close()
			var e *confai.Error
			if !errors.As(err, &e) {
				t.Fatalf("tampered stream: %v (%T), want a *confai.Error", err, err)
			}
			if e.Group != confai.GroupCrypto {
				t.Fatalf("tampered stream: %v", err)
			}
			if mode == "flip-byte" || mode == "truncate" {
				_, err := client.Chat.Completions.New(context.Background(), chatParams())
				if !errors.As(err, &e) {
					t.Fatalf("tampered completion: %v (%T)", err, err)
				}
			}
		})
	}
}

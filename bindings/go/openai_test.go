package confai_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	confai "libconfai.invalid/confai"
)

// The official OpenAI Go SDK, unchanged, over the RoundTripper: every
// request it makes is sealed to the attested gateway. Its base URL is the
// sentinel, as documented.
func openaiClient(g gateway, c *confai.Client) openai.Client {
	return openaiClientAt(confai.OpenAIBaseURL, c)
}

func openaiClientAt(baseURL string, c *confai.Client) openai.Client {
	return openai.NewClient(
		option.WithBaseURL(baseURL),
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

// assertConfaiMessage checks that an error the SDK returned carries the
// status name and the library's reason in its message.
func assertConfaiMessage(t *testing.T, err error, group confai.Group) *confai.Error {
	t.Helper()
	var e *confai.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v (%T), want a *confai.Error", err, err)
	}
	if e.Group != group {
		t.Fatalf("%v: group %v, want %v", err, e.Group, group)
	}
	if e.Message == "" || !strings.Contains(err.Error(), e.Name+": "+e.Message) {
		t.Fatalf("the message %q does not carry %s and the reason %q", err.Error(), e.Name, e.Message)
	}
	return e
}

// The sentinel is on the reserved .invalid domain: without the
// RoundTripper, the SDK cannot reach anything there.
func TestOpenAISentinelDoesNotResolve(t *testing.T) {
	u, err := url.Parse(confai.OpenAIBaseURL)
	if err != nil || u.Hostname() != "confai.invalid" || u.Scheme != "http" || u.Path != "/v1/" {
		t.Fatalf("OpenAIBaseURL %q: %v", confai.OpenAIBaseURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	plain := openai.NewClient(option.WithBaseURL(confai.OpenAIBaseURL), option.WithAPIKey("unused"), option.WithMaxRetries(0))
	_, err = plain.Models.List(ctx)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("an SDK without the RoundTripper: %v (%T), want a DNS error", err, err)
	}
}

// The RoundTripper takes the client's own base URL too, and refuses any
// other host before it attests or sends anything.
func TestOpenAIDestinations(t *testing.T) {
	g := startGateway(t)
	c := g.client(t)
	own := openaiClientAt(g.base+"/v1/", c)
	completion, err := own.Chat.Completions.New(context.Background(), chatParams())
	if err != nil || completion.Model != "confai-demo" {
		t.Fatalf("the client's own base URL: %v", err)
	}
	for _, base := range []string{"https://api.openai.com/v1/", "https://confai.invalid/v1/", "http://confai.invalid.example/v1/"} {
		other := openaiClientAt(base, c)
		_, err := other.Models.List(context.Background())
		e := assertConfaiMessage(t, err, confai.GroupArgument)
		if e.Status != confai.StatusArgument || !strings.Contains(e.Message, "not for the attested service") {
			t.Fatalf("%s: %v", base, err)
		}
	}
}

// A service that does not meet the policy: the SDK's error names the status.
func TestOpenAIPolicyMismatch(t *testing.T) {
	g := startGateway(t)
	var measurement [48]byte
	for i := range measurement {
		measurement[i] = 0x5a
	}
	other, err := confai.NewSimSNP(nil, measurement, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	doc, err := other.PolicyJSON([]byte("{}"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := confai.NewPolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer policy.Close()
	c, err := confai.NewClient(g.base, policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sdk := openaiClient(g, c)
	_, err = sdk.Chat.Completions.New(context.Background(), chatParams())
	var e *confai.Error
	if !errors.As(err, &e) || (e.Group != confai.GroupAttestation && e.Group != confai.GroupPolicy) {
		t.Fatalf("%v (%T), want an attestation or policy error", err, err)
	}
	assertConfaiMessage(t, err, e.Group)
	stream := sdk.Chat.Completions.NewStreaming(context.Background(), chatParams())
	for stream.Next() {
	}
	assertConfaiMessage(t, stream.Err(), e.Group)
	stream.Close()
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
			assertConfaiMessage(t, err, confai.GroupCrypto)
			if mode == "flip-byte" || mode == "truncate" {
				_, err := client.Chat.Completions.New(context.Background(), chatParams())
				var e *confai.Error
				if !errors.As(err, &e) {
					t.Fatalf("tampered completion: %v (%T)", err, err)
				}
				assertConfaiMessage(t, err, e.Group)
			}
		})
	}
}

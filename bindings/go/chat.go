package confai

/*
#include <stdint.h>
#include <confai/confai.h>

int confaiGoChatDelta(uintptr_t handle, char *text, size_t text_len);

static int confai_go_chat_delta(void *user, const char *text, size_t text_len)
{
    return confaiGoChatDelta((uintptr_t)user, (char *)text, text_len);
}

static confai_status confai_go_chat(confai_client *client, const char *json,
                                    size_t json_len, uintptr_t handle,
                                    confai_error *err)
{
    return confai_client_chat(client, json, json_len, confai_go_chat_delta,
                              (void *)handle, err);
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"runtime/cgo"
)

// chatCall is the state of one Chat call that its delta callback reaches
// through a cgo.Handle.
type chatCall struct {
	ctx     context.Context
	onDelta func(string) error
	err     error // why the callback stopped the chat
}

// Chat runs a streamed OpenAI-compatible chat completion
// (confai_client_chat): requestJSON is the body of POST /v1/chat/completions
// ("stream" is set to true by the library) and onDelta receives each piece
// of the assistant's answer as it arrives, authenticated. An error from
// onDelta stops the chat and is returned; so does the end of ctx, noticed
// at the next delta (use Client.Stream for a stream that a context ends at
// once). Chat returns nil only once the whole answer arrived and the stream
// ended authenticated.
func (c *Client) Chat(ctx context.Context, requestJSON []byte, onDelta func(delta string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := c.acquire()
	if err != nil {
		return err
	}
	defer c.h.release()
	call := &chatCall{ctx: ctx, onDelta: onDelta}
	h := cgo.NewHandle(call)
	defer h.Delete()
	var cerr C.confai_error
	st := C.confai_go_chat(p, charPtr(requestJSON), C.size_t(len(requestJSON)), C.uintptr_t(h), &cerr)
	runtime.KeepAlive(requestJSON)
	if st == C.CONFAI_E_CANCELLED && call.err != nil {
		return call.err
	}
	return check(st, &cerr)
}

// ChatText runs Chat and returns the whole answer.
func (c *Client) ChatText(ctx context.Context, requestJSON []byte) (string, error) {
	var text []byte
	err := c.Chat(ctx, requestJSON, func(delta string) error {
		text = append(text, delta...)
		return nil
	})
	if err != nil {
		return "", err
	}
	return string(text), nil
}

// deliver hands one delta to the caller's function; a non-nil result stops
// the chat.
func (call *chatCall) deliver(delta string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("confai: chat delta callback panicked: %v", r)
		}
	}()
	if err := call.ctx.Err(); err != nil {
		return err
	}
	if call.onDelta == nil {
		return nil
	}
	return call.onDelta(delta)
}

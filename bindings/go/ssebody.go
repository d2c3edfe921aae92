package confai

import (
	"bytes"
	"io"
	"mime"
)

// eventStreamBody is the response body of a streamed OpenAI-compatible
// call (text/event-stream). It hands on the opened bytes as they arrive,
// except the terminating event "data: [DONE]": that one is held back until
// the stream has ended authenticated (its final chunk), and dropped if the
// stream fails instead. A client that stops reading at [DONE], as SSE
// clients do, would otherwise never see a stream cut off after it.
type eventStreamBody struct {
	st        *Stream
	buf       []byte // read from the stream, not yet handed on
	holding   bool   // [DONE] seen: nothing more until the end
	lineStart bool   // the next byte handed on starts a line
	eof       bool
	err       error
	scratch   []byte
}

func isEventStream(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "text/event-stream"
}

func newEventStreamBody(st *Stream) *eventStreamBody {
	return &eventStreamBody{st: st, lineStart: true}
}

// doneEvent finds a line "data: [DONE]" or "data:[DONE]" in b (lineStart:
// whether b[0] starts a line). It returns the line's offset, or -1 and the
// length of a suffix of b that may be the start of such a line and must
// wait for more bytes.
func doneEvent(b []byte, lineStart bool) (int, int) {
	for i := 0; i < len(b); i++ {
		if i == 0 && !lineStart || i > 0 && b[i-1] != '\n' && b[i-1] != '\r' {
			continue
		}
		rest := b[i:]
		for _, marker := range [][]byte{[]byte("data: [DONE]"), []byte("data:[DONE]")} {
			if bytes.HasPrefix(rest, marker) {
				return i, 0
			}
		}
		if len(rest) < len("data: [DONE]") &&
			(bytes.HasPrefix([]byte("data: [DONE]"), rest) || bytes.HasPrefix([]byte("data:[DONE]"), rest)) {
			return -1, len(rest)
		}
	}
	return -1, 0
}

func (b *eventStreamBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if b.err != nil {
			return 0, b.err
		}
		if b.eof || !b.holding {
			avail := b.buf
			if !b.eof {
				at, partial := doneEvent(b.buf, b.lineStart)
				if at >= 0 {
					b.holding = true
					avail = b.buf[:at]
				} else {
					avail = b.buf[:len(b.buf)-partial]
				}
			}
			if len(avail) > 0 {
				n := copy(p, avail)
				b.lineStart = avail[n-1] == '\n' || avail[n-1] == '\r'
				b.buf = b.buf[n:]
				return n, nil
			}
			if b.eof {
				return 0, io.EOF
			}
		}
		if b.scratch == nil {
			b.scratch = make([]byte, 32*1024)
		}
		n, err := b.st.Read(b.scratch)
		b.buf = append(b.buf, b.scratch[:n]...)
		if err == io.EOF {
			b.eof = true
		} else if err != nil {
			// Nothing held back is handed on after a failure.
			b.err = err
			b.buf = nil
		}
	}
}

func (b *eventStreamBody) Close() error {
	b.buf = nil
	return b.st.Close()
}

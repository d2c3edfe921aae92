package confai

import "testing"

func TestDoneEvent(t *testing.T) {
	cases := []struct {
		in          string
		lineStart   bool
		at, partial int
	}{
		{"data: {\"a\":1}\n\ndata: [DONE]\n\n", true, 15, 0},
		{"data:[DONE]\n\n", true, 0, 0},
		{"data: [DONE]\n\n", false, -1, 0}, // not at a line start
		{"x\r\ndata: [DONE]", true, 3, 0},  // CRLF lines
		{"data: {\"text\":\"data: [DONE]\"}\n", true, -1, 0},
		{"data: {}\n\ndata: [DO", true, -1, 9}, // may become [DONE]
		{"data: {}\n\ndat", true, -1, 3},
		{"data: {}\n\n", true, -1, 0},
		{"", true, -1, 0},
	}
	for _, c := range cases {
		at, partial := doneEvent([]byte(c.in), c.lineStart)
		if at != c.at || partial != c.partial {
			t.Errorf("doneEvent(%q, %v) = %d, %d; want %d, %d", c.in, c.lineStart, at, partial, c.at, c.partial)
		}
	}
}

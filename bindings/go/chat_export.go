package confai

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
)

//export confaiGoChatDelta
func confaiGoChatDelta(handle C.uintptr_t, text *C.char, textLen C.size_t) C.int {
	call := cgo.Handle(handle).Value().(*chatCall)
	if err := call.deliver(C.GoStringN(text, C.int(textLen))); err != nil {
		call.err = err
		return 1
	}
	return 0
}

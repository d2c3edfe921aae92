/* The hold-back of "data: [DONE]" until an event stream ends authenticated. */
#include "seal/done_hold.h"

#include <string.h>

size_t done_hold_releasable(const uint8_t *q, size_t avail, int at_line_start)
{
    static const char *const markers[] = { "data: [DONE]", "data:[DONE]" };
    for (size_t i = 0; i < avail; i++) {
        int line_start = i == 0 ? at_line_start : (q[i - 1] == '\n' || q[i - 1] == '\r');
        if (!line_start)
            continue;
        for (size_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++) {
            size_t len = strlen(markers[m]), rest = avail - i;
            /* The marker, or what may become it once more bytes arrive. */
            if (memcmp(q + i, markers[m], rest < len ? rest : len) == 0)
                return i;
        }
    }
    return avail;
}

/* Per-call error detail; no global or thread-local state of our own. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

confai_status confai_err_set(confai_error *err, confai_status status,
                             const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    if (n < 0)
        err->message[0] = '\0';
    return status;
}

confai_status confai_err_ossl(confai_error *err, confai_status status,
                              const char *what)
{
    /* The last error is the most specific one; drain the whole queue. */
    unsigned long code = ERR_peek_last_error();
    char reason[120] = "no further detail";
    if (code != 0)
        ERR_error_string_n(code, reason, sizeof(reason));
    ERR_clear_error();
    return confai_err_set(err, status, "%s (%s)", what, reason);
}

void confai_err_clear(confai_error *err)
{
    if (err == NULL)
        return;
    err->status = CONFAI_OK;
    err->message[0] = '\0';
}

size_t confai_error_size(void)
{
    return sizeof(confai_error);
}

size_t confai_error_message_size(void)
{
    return CONFAI_ERROR_MESSAGE_SIZE;
}

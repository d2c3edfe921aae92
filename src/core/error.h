/*
 * Error detail and the propagation macros used inside the library.
 *
 * A function that can fail declares `confai_status status = CONFAI_OK;`, has
 * a `confai_error *err` in scope and one cleanup label `out:`. Then:
 *   BAIL(st, "fmt", ...)         record st with a message and jump to out
 *   ENSURE(cond, st, "fmt", ...) BAIL unless cond holds
 *   GUARD(call)                  run a call returning confai_status; on failure
 *                                keep its status (its message is already set)
 *                                and jump to out
 *   OSSL_ENSURE(cond, st, "what") like ENSURE, appending OpenSSL's reason
 */
#ifndef CONFAI_CORE_ERROR_H
#define CONFAI_CORE_ERROR_H

#include <confai/confai.h>

#if defined(__GNUC__) || defined(__clang__)
#  define CONFAI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CONFAI_PRINTF(f, a)
#endif

/* Records status and message in err (if non-NULL) and returns status. */
confai_status confai_err_set(confai_error *err, confai_status status,
                             const char *fmt, ...) CONFAI_PRINTF(3, 4);

/*
 * Like confai_err_set, appending the reason of the most recent OpenSSL error.
 * Always drains OpenSSL's thread-local error queue, so the library leaves no
 * errors behind for the application.
 */
confai_status confai_err_ossl(confai_error *err, confai_status status,
                              const char *what);

/* Resets err to CONFAI_OK with an empty message (called at API entry). */
void confai_err_clear(confai_error *err);

#define BAIL(st, ...)                                   \
    do {                                                \
        status = confai_err_set(err, (st), __VA_ARGS__); \
        goto out;                                       \
    } while (0)

#define ENSURE(cond, st, ...)        \
    do {                             \
        if (!(cond))                 \
            BAIL((st), __VA_ARGS__); \
    } while (0)

#define GUARD(call)                   \
    do {                              \
        status = (call);              \
        if (status != CONFAI_OK)      \
            goto out;                 \
    } while (0)

#define OSSL_ENSURE(cond, st, what)                        \
    do {                                                   \
        if (!(cond)) {                                     \
            status = confai_err_ossl(err, (st), (what));   \
            goto out;                                      \
        }                                                  \
    } while (0)

/* Argument checks shared by every API entry point. */
#define ENSURE_ARG(cond, name) \
    ENSURE((cond), CONFAI_E_ARGUMENT, "invalid argument: %s", (name))

#endif /* CONFAI_CORE_ERROR_H */

/*
 * Connection admission for the programs that serve HTTP on libmicrohttpd
 * (confai-gateway, confai-proxy): a bounded number of connections, a
 * deadline for each request to arrive, and 503 for one too many
 * (conn_limit.c says how and why).
 *
 * Use: conn_limit_new; MHD_start_daemon with MHD_USE_NO_LISTEN_SOCKET,
 * MHD_USE_THREAD_PER_CONNECTION and the options
 *   MHD_OPTION_NOTIFY_CONNECTION, conn_limit_notify, limit,
 *   MHD_OPTION_CONNECTION_LIMIT, conn_limit_mhd_connections(limit),
 *   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_LIMIT_HEADER_MEMORY;
 * then conn_limit_start with the daemon and a listening socket. Report each
 * request's phase with conn_limit_phase. To end: conn_limit_stop, close the
 * socket, MHD_stop_daemon, conn_limit_free.
 */
#ifndef CONFAI_EXAMPLES_CONN_LIMIT_H
#define CONFAI_EXAMPLES_CONN_LIMIT_H

#include <stdint.h>

#include <microhttpd.h>

/* Request line and headers libmicrohttpd keeps per connection; more is answered 431. */
#define CONN_LIMIT_HEADER_MEMORY (32u * 1024u)

typedef struct conn_limit conn_limit;

/*
 * At most max_connections connections that count (max_connections >= 1),
 * each with read_timeout_s seconds to deliver a request. NULL when out of
 * memory.
 */
conn_limit *conn_limit_new(unsigned max_connections, unsigned read_timeout_s);

/* What to give libmicrohttpd as MHD_OPTION_CONNECTION_LIMIT. */
unsigned conn_limit_mhd_connections(const conn_limit *limit);

/*
 * Starts the thread that accepts on listen_fd (non-blocking, listening) and
 * hands each admitted connection to daemon. 0, or -1 when the thread does
 * not start.
 */
int conn_limit_start(conn_limit *limit, struct MHD_Daemon *daemon, int listen_fd);

/* Stops and joins that thread; nothing more is accepted. Idempotent. */
void conn_limit_stop(conn_limit *limit);

/* Releases the records; after MHD_stop_daemon. NULL is a no-op. */
void conn_limit_free(conn_limit *limit);

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback; cls is the limit. */
void conn_limit_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);

/*
 * The connection's request is being received (1: from now, its read
 * deadline runs) or answered (0: no deadline). NULL limit: nothing.
 */
void conn_limit_phase(conn_limit *limit, struct MHD_Connection *conn, int receiving);

#endif /* CONFAI_EXAMPLES_CONN_LIMIT_H */

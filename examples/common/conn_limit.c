/*
 * Connection admission (conn_limit.h), shared by confai-gateway and
 * confai-proxy.
 *
 * libmicrohttpd runs a thread per connection in both, and that stays: a
 * streamed answer blocks its thread between sealed chunks, which in a
 * thread pool would stall every other connection of that pool thread. What
 * is bounded instead is the number of connections, hence of threads, and
 * how long each may take to deliver its request.
 *
 * The program accepts connections itself (MHD_USE_NO_LISTEN_SOCKET) and
 * hands each admitted one to libmicrohttpd with MHD_add_connection, so that
 * one beyond the limit costs no thread: it is answered 503 with a short JSON
 * error right after accept and closed. The same thread is the watchdog: a
 * connection that has not delivered a complete request (headers and body)
 * within the read timeout of its start, or of the end of the previous
 * answer on a kept-alive connection, is shut down, however steadily it
 * trickles (libmicrohttpd's own timeout is an idle timeout that every byte
 * resets). When every slot is taken, a new connection takes the place of
 * the oldest one still waiting for its request after EVICT_AFTER_US, so
 * that held-open connections do not lock legitimate callers out until
 * their deadline.
 *
 * A record lives from accept to libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED,
 * which comes before it closes the socket: shutdown() under the lock never
 * touches a descriptor that was closed and reused. A connection that was
 * shut down no longer counts against the limit, but records (live threads)
 * never exceed twice the limit.
 */
#define _GNU_SOURCE
#include "conn_limit.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVICT_AFTER_US 1000000u
#define SWEEP_EVERY_MS 250

enum conn_state { CONN_PENDING = 0, CONN_RECEIVING, CONN_HANDLING };

typedef struct conn_rec {
    int fd;
    enum conn_state state;
    int cut;           /* shut down by the admission, on its way out */
    uint64_t since_us; /* start of the current request's reception */
    size_t index;      /* in conn_limit.conns */
} conn_rec;

struct conn_limit {
    struct MHD_Daemon *daemon;
    int listen_fd;
    pthread_t acceptor;
    int acceptor_started;
    atomic_int stop;
    pthread_mutex_t lock;
    conn_rec **conns; /* live records, cap of them at most */
    size_t live, counted, cap;
    unsigned max;
    uint64_t read_timeout_us;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char busy_answer[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 113\r\n"
    "\r\n"
    "{\"error\":{\"message\":\"too many connections, retry later\",\"type\":\"server_error\","
    "\"code\":\"too_many_connections\"}}\n";

/* 503 without reading the request (a fresh socket's buffer takes it whole), then close. */
static void refuse(int fd)
{
    char sink[4096];
    ssize_t n = send(fd, busy_answer, sizeof(busy_answer) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n;
    /* what already arrived is read, so that close() sends FIN rather than RST */
    for (int i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
        ;
    shutdown(fd, SHUT_WR);
    close(fd);
}

static void conn_remove(conn_limit *s, conn_rec *c)
{
    s->conns[c->index] = s->conns[--s->live];
    s->conns[c->index]->index = c->index;
    if (!c->cut)
        s->counted--;
    free(c);
}

static void conn_cut(conn_limit *s, conn_rec *c)
{
    shutdown(c->fd, SHUT_RDWR); /* its thread sees the end and closes it */
    c->cut = 1;
    s->counted--;
}

static conn_rec *conn_by_fd(conn_limit *s, int fd)
{
    for (size_t i = 0; i < s->live; i++)
        if (s->conns[i]->fd == fd && s->conns[i]->state == CONN_PENDING)
            return s->conns[i];
    return NULL;
}

/* A record for an accepted socket, or NULL: refuse it. */
static conn_rec *admit(conn_limit *s, int fd)
{
    uint64_t now = now_us();
    conn_rec *c = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->counted >= s->max) {
        conn_rec *oldest = NULL;
        for (size_t i = 0; i < s->live; i++) {
            conn_rec *o = s->conns[i];
            if (!o->cut && o->state == CONN_RECEIVING && now - o->since_us >= EVICT_AFTER_US &&
                (oldest == NULL || o->since_us < oldest->since_us))
                oldest = o;
        }
        if (oldest != NULL && s->live < s->cap)
            conn_cut(s, oldest);
    }
    if (s->counted < s->max && s->live < s->cap && (c = calloc(1, sizeof(*c))) != NULL) {
        c->fd = fd;
        c->state = CONN_PENDING;
        c->since_us = now;
        c->index = s->live;
        s->conns[s->live++] = c;
        s->counted++;
    }
    pthread_mutex_unlock(&s->lock);
    return c;
}

/* Shuts down the connections past their read deadline. */
static void sweep(conn_limit *s)
{
    uint64_t now = now_us();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->live; i++) {
        conn_rec *c = s->conns[i];
        if (c->cut || now - c->since_us < s->read_timeout_us)
            continue;
        if (c->state == CONN_RECEIVING)
            conn_cut(s, c);
        else if (c->state == CONN_PENDING && now - c->since_us >= 2 * s->read_timeout_us) {
            /* never started by libmicrohttpd (it closed the socket): forget it */
            conn_remove(s, c);
            i--;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static void *acceptor(void *arg)
{
    conn_limit *s = arg;
    uint64_t last_sweep = now_us();
    while (!atomic_load(&s->stop)) {
        struct pollfd p = { .fd = s->listen_fd, .events = POLLIN };
        int n = poll(&p, 1, SWEEP_EVERY_MS);
        if (now_us() - last_sweep >= SWEEP_EVERY_MS * 1000u) {
            sweep(s);
            last_sweep = now_us();
        }
        for (int k = 0; n > 0 && k < 256 && !atomic_load(&s->stop); k++) {
            struct sockaddr_storage addr;
            socklen_t addr_len = sizeof(addr);
            int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &addr_len, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    poll(NULL, 0, 10); /* out of descriptors: let some close */
                break;
            }
            conn_rec *c = admit(s, fd);
            if (c == NULL) {
                refuse(fd);
                continue;
            }
            if (MHD_add_connection(s->daemon, fd, (struct sockaddr *)&addr, addr_len) != MHD_YES) {
                /* libmicrohttpd closed the socket */
                pthread_mutex_lock(&s->lock);
                if ((c = conn_by_fd(s, fd)) != NULL)
                    conn_remove(s, c);
                pthread_mutex_unlock(&s->lock);
            }
        }
    }
    return NULL;
}

void conn_limit_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
    conn_limit *s = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci != NULL ? (int)ci->connect_fd : -1;
    pthread_mutex_lock(&s->lock);
    conn_rec *c = *socket_context != NULL ? *socket_context : conn_by_fd(s, fd);
    if (c != NULL && code == MHD_CONNECTION_NOTIFY_STARTED) {
        c->state = CONN_RECEIVING;
        *socket_context = c;
    } else if (c != NULL) {
        conn_remove(s, c);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&s->lock);
}

void conn_limit_phase(conn_limit *s, struct MHD_Connection *conn, int receiving)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (s == NULL || ci == NULL || ci->socket_context == NULL)
        return;
    conn_rec *c = ci->socket_context; /* lives as long as its connection */
    pthread_mutex_lock(&s->lock);
    c->state = receiving ? CONN_RECEIVING : CONN_HANDLING;
    if (receiving)
        c->since_us = now_us();
    pthread_mutex_unlock(&s->lock);
}

conn_limit *conn_limit_new(unsigned max_connections, unsigned read_timeout_s)
{
    conn_limit *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->max = max_connections;
    s->cap = 2 * (size_t)max_connections;
    s->read_timeout_us = (uint64_t)read_timeout_s * 1000000u;
    s->listen_fd = -1;
    atomic_init(&s->stop, 0);
    pthread_mutex_init(&s->lock, NULL);
    s->conns = calloc(s->cap, sizeof(*s->conns));
    if (s->conns == NULL) {
        conn_limit_free(s);
        return NULL;
    }
    return s;
}

unsigned conn_limit_mhd_connections(const conn_limit *s)
{
    return (unsigned)s->cap + 8;
}

int conn_limit_start(conn_limit *s, struct MHD_Daemon *daemon, int listen_fd)
{
    s->daemon = daemon;
    s->listen_fd = listen_fd;
    if (pthread_create(&s->acceptor, NULL, acceptor, s) != 0)
        return -1;
    s->acceptor_started = 1;
    return 0;
}

void conn_limit_stop(conn_limit *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, 1);
    if (s->acceptor_started)
        pthread_join(s->acceptor, NULL);
    s->acceptor_started = 0;
}

void conn_limit_free(conn_limit *s)
{
    if (s == NULL)
        return;
    conn_limit_stop(s);
    for (size_t i = 0; s->conns != NULL && i < s->live; i++)
        free(s->conns[i]);
    free(s->conns);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

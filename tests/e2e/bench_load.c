/*
 * Load on the bounds of confai-gateway and confai-proxy, over loopback only:
 *
 *   bench_load --gateway PATH --proxy PATH [--connections N] [--slow N]
 *              [--seconds S]
 *
 * Starts the gateway (--platform sim-snp, --policy-out) and the proxy in
 * front of it with that policy, both with --read-timeout 10 and the default
 * --max-connections. Against each in turn: slow clients (100) sending their
 * request one byte a second, then N connections (2,000) opened at once, each
 * sending part of a request line and then nothing, held for S seconds (15); meanwhile a legitimate request every 100 ms (POST /v1/attestation to
 * the gateway, GET /v1/models through the proxy). Prints VmRSS, VmHWM and
 * Threads of the server from /proc/PID/status (before, peak, after), what
 * became of the attacking connections, how many legitimate requests were
 * served and how fast, and whether both servers are still up. Counts and
 * time are bounded; figures are printed, never asserted on, except that the
 * servers must stay up.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_TIMEOUT "10"

typedef struct server {
    const char *name;
    pid_t pid;
    unsigned port;
} server;

typedef struct figures {
    long rss_kb, hwm_kb, threads;
} figures;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_status(pid_t pid, figures *f)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL) {
        sscanf(line, "VmRSS: %ld", &f->rss_kb);
        sscanf(line, "VmHWM: %ld", &f->hwm_kb);
        sscanf(line, "Threads: %ld", &f->threads);
    }
    fclose(fp);
    return 0;
}

static int alive(const server *s)
{
    int st;
    return waitpid(s->pid, &st, WNOHANG) == 0;
}

/* Starts argv with stdout read for "listening on http://127.0.0.1:PORT". */
static int start(server *s, const char *name, char *const argv[], const char *log_path)
{
    int out[2];
    if (pipe(out) != 0)
        return -1;
    s->name = name;
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out[1], STDOUT_FILENO);
        if (log >= 0)
            dup2(log, STDERR_FILENO);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[256];
    s->port = 0;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        const char *p = strstr(line, "listening on http://127.0.0.1:");
        if (p != NULL) {
            s->port = (unsigned)atoi(p + strlen("listening on http://127.0.0.1:"));
            break;
        }
    }
    /* stdout stays open (never read again) so that the server never meets EPIPE */
    return s->port != 0 ? 0 : -1;
}

static void stop(server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static int dial(unsigned port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One legitimate request on a fresh connection: its HTTP status, 0 on failure. */
static int legit_request(unsigned port, const char *request)
{
    int fd = dial(port);
    if (fd < 0)
        return 0;
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int status = 0;
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) == (ssize_t)strlen(request)) {
        char buf[16384];
        size_t got = 0;
        ssize_t n;
        /* Connection: close: read to the end */
        while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0) {
            got += (size_t)n;
            if (got == sizeof(buf) - 1)
                got = 16; /* keep the status line, drop the rest */
        }
        buf[got] = '\0';
        if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
            status = atoi(buf + 9);
    }
    close(fd);
    return status;
}

typedef struct legit_run {
    unsigned port;
    const char *request;
    atomic_int stop;
    int sent, served, refused;
    double lat[4096];
} legit_run;

static void *legit_loop(void *arg)
{
    legit_run *r = arg;
    while (!atomic_load(&r->stop) && r->sent < 4096) {
        double t0 = now_s();
        int st = legit_request(r->port, r->request);
        double dt = now_s() - t0;
        if (st == 200)
            r->lat[r->served++] = dt;
        else if (st == 503)
            r->refused++;
        r->sent++;
        usleep(100000);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct attacker {
    int fd;
    int slow;
    size_t sent;
    double opened;
} attacker;

static const char partial[] = "GET /v1/models HTTP/1.1\r\n";
static const char slow_request[] =
    "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: one-byte-a-second\r\n"
    "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";

static int attack(const server *s, const server *also, const char *request, int connections,
                  int slow, double seconds)
{
    figures before = { 0 }, peak = { 0 }, after = { 0 }, f;
    read_status(s->pid, &before);
    double t0 = now_s();
    int baseline = legit_request(s->port, request);
    double baseline_ms = (now_s() - t0) * 1e3;

    int total = connections + slow;
    attacker *a = calloc((size_t)total, sizeof(*a));
    struct pollfd *p = calloc((size_t)total, sizeof(*p));
    if (a == NULL || p == NULL)
        return -1;
    int opened = 0, failed_connect = 0, refused503 = 0, closed_later = 0;
    int slow_dropped = 0;
    double slow_min = 1e9, slow_max = 0;
    double start = now_s();
    for (int i = 0; i < total; i++) {
        a[i].slow = i < slow; /* first, so that they hold slots */
        a[i].fd = dial(s->port);
        a[i].opened = now_s();
        if (a[i].fd < 0) {
            failed_connect++;
            continue;
        }
        opened++;
        fcntl(a[i].fd, F_SETFL, O_NONBLOCK);
        if (!a[i].slow)
            send(a[i].fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL);
    }
    double open_s = now_s() - start;

    legit_run *lr = calloc(1, sizeof(*lr));
    pthread_t lt;
    lr->port = s->port;
    lr->request = request;
    atomic_init(&lr->stop, 0);
    pthread_create(&lt, NULL, legit_loop, lr);

    double next_byte = now_s();
    while (now_s() - start < seconds) {
        if (now_s() >= next_byte) {
            for (int i = 0; i < slow; i++)
                if (a[i].fd >= 0 && a[i].sent < sizeof(slow_request) - 1 &&
                    send(a[i].fd, slow_request + a[i].sent, 1, MSG_NOSIGNAL) == 1)
                    a[i].sent++;
            next_byte += 1.0;
        }
        int n = 0;
        for (int i = 0; i < total; i++) {
            p[i].fd = a[i].fd;
            p[i].events = POLLIN;
            p[i].revents = 0;
            n += a[i].fd >= 0;
        }
        if (poll(p, (nfds_t)total, 100) > 0) {
            for (int i = 0; i < total; i++) {
                if (a[i].fd < 0 || p[i].revents == 0)
                    continue;
                char buf[1024];
                ssize_t got = recv(a[i].fd, buf, sizeof(buf), 0);
                if (got > 0 && strncmp(buf, "HTTP/1.1 503", 12) == 0) {
                    refused503++;
                } else if (got > 0) {
                    continue; /* some other answer: wait for the close */
                } else if (got < 0 && errno == EAGAIN) {
                    continue;
                } else if (a[i].slow) {
                    double life = now_s() - a[i].opened;
                    slow_dropped++;
                    slow_min = life < slow_min ? life : slow_min;
                    slow_max = life > slow_max ? life : slow_max;
                } else {
                    closed_later++;
                }
                close(a[i].fd);
                a[i].fd = -1;
            }
        }
        if (read_status(s->pid, &f) == 0) {
            peak.rss_kb = f.rss_kb > peak.rss_kb ? f.rss_kb : peak.rss_kb;
            peak.hwm_kb = f.hwm_kb > peak.hwm_kb ? f.hwm_kb : peak.hwm_kb;
            peak.threads = f.threads > peak.threads ? f.threads : peak.threads;
        }
        (void)n;
    }
    atomic_store(&lr->stop, 1);
    pthread_join(lt, NULL);
    int still_open = 0;
    for (int i = 0; i < total; i++)
        if (a[i].fd >= 0) {
            still_open++;
            close(a[i].fd);
        }
    sleep(1);
    read_status(s->pid, &after);
    t0 = now_s();
    int final = legit_request(s->port, request);
    double final_ms = (now_s() - t0) * 1e3;
    int up = alive(s) && (also == NULL || alive(also));

    qsort(lr->lat, (size_t)lr->served, sizeof(double), cmp_double);
    printf("\n%s (--max-connections 256, --read-timeout %s), %d connections + %d slow "
           "clients for %.0f s:\n",
           s->name, READ_TIMEOUT, connections, slow, seconds);
    printf("  before:  VmRSS %6.1f MiB  VmHWM %6.1f MiB  Threads %3ld   one request %d in %.1f ms\n",
           before.rss_kb / 1024.0, before.hwm_kb / 1024.0, before.threads, baseline,
           baseline_ms);
    printf("  attack:  VmRSS %6.1f MiB  VmHWM %6.1f MiB  Threads %3ld   (peaks, sampled every 100 ms)\n",
           peak.rss_kb / 1024.0, peak.hwm_kb / 1024.0, peak.threads);
    printf("  after:   VmRSS %6.1f MiB  VmHWM %6.1f MiB  Threads %3ld   one request %d in %.1f ms\n",
           after.rss_kb / 1024.0, after.hwm_kb / 1024.0, after.threads, final, final_ms);
    printf("  connections: %d opened in %.2f s (%d failed to connect); %d answered 503 at once, "
           "%d closed later (made room or past the read deadline), %d still open at the end\n",
           opened, open_s, failed_connect, refused503, closed_later, still_open);
    if (slow_dropped > 0)
        printf("  slow clients: %d of %d dropped, after %.1f to %.1f s\n", slow_dropped, slow,
               slow_min, slow_max);
    else
        printf("  slow clients: none of %d dropped\n", slow);
    if (lr->served > 0)
        printf("  legitimate requests during the attack: %d of %d served (%d answered 503), "
               "latency median %.1f ms, max %.1f ms\n",
               lr->served, lr->sent, lr->refused, lr->lat[lr->served / 2] * 1e3,
               lr->lat[lr->served - 1] * 1e3);
    else
        printf("  legitimate requests during the attack: none of %d served (%d answered 503)\n",
               lr->sent, lr->refused);
    printf("  still up: %s\n", up ? "yes" : "NO");
    free(lr);
    free(a);
    free(p);
    return up && final == 200 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *gateway = NULL, *proxy = NULL;
    int connections = 2000, slow = 100;
    double seconds = 15;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--gateway") == 0)
            gateway = argv[i + 1];
        else if (strcmp(argv[i], "--proxy") == 0)
            proxy = argv[i + 1];
        else if (strcmp(argv[i], "--connections") == 0)
            connections = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--slow") == 0)
            slow = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
    }
    if (gateway == NULL || proxy == NULL || connections < 1 || connections > 20000 || slow < 0 ||
        slow > 1000 || seconds < 1 || seconds > 120) {
        fprintf(stderr, "usage: bench_load --gateway PATH --proxy PATH [--connections N "
                        "(1-20000)] [--slow N (0-1000)] [--seconds S (1-120)]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)(connections + slow) + 256;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < want) {
            connections = (int)rl.rlim_cur - slow - 256;
            printf("RLIMIT_NOFILE is %lu: %d connections only\n", (unsigned long)rl.rlim_cur,
                   connections);
            if (connections < 1)
                return 2;
        }
    }

    char dir[] = "/tmp/confai-bench-load-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    char policy[128], state[128], gw_log[128], proxy_log[128], url[64];
    snprintf(policy, sizeof(policy), "%s/policy.json", dir);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(gw_log, sizeof(gw_log), "%s/gateway.log", dir);
    snprintf(proxy_log, sizeof(proxy_log), "%s/proxy.log", dir);
    server gw = { 0 }, px = { 0 };
    char *gw_argv[] = { (char *)gateway, "--listen", "127.0.0.1:0", "--platform", "sim-snp",
                        "--state", state, "--policy-out", policy, "--read-timeout", READ_TIMEOUT, NULL };
    if (start(&gw, "confai-gateway", gw_argv, gw_log) != 0) {
        fprintf(stderr, "bench_load: the gateway did not start (%s)\n", gw_log);
        return 1;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", gw.port);
    char *px_argv[] = { (char *)proxy, "--listen", "127.0.0.1:0", "--url", url, "--policy",
                        policy, "--read-timeout", READ_TIMEOUT, NULL };
    if (start(&px, "confai-proxy", px_argv, proxy_log) != 0) {
        fprintf(stderr, "bench_load: the proxy did not start (%s)\n", proxy_log);
        stop(&gw);
        return 1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("bench_load: %ld CPUs online, loopback only; servers' stderr in %s\n", cpus, dir);

    char attest[512];
    const char *body = "{\"nonce\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}";
    snprintf(attest, sizeof(attest),
             "POST /v1/attestation HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
             "application/json\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    const char *models = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

    int rc = 0;
    if (attack(&gw, NULL, attest, connections, slow, seconds) != 0)
        rc = 1;
    if (attack(&px, &gw, models, connections, slow, seconds) != 0)
        rc = 1;
    stop(&px);
    stop(&gw);
    printf("\n%s\n", rc == 0 ? "both servers stayed up and serve after the attacks"
                             : "FAILED: a server went down or stopped serving");
    return rc;
}

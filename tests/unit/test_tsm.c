/*
 * src/server/tsm.c against the fake configfs-tsm (tests/fakes/configfs_tsm.py,
 * a FUSE filesystem with the kernel's report ABI and simulated platforms
 * behind it): reports for SEV-SNP and TDX whose user data is the inblob,
 * provider mismatch, generation races resolved and exhausted, EBUSY, a
 * refused inblob or privlevel, empty and absent auxblobs, an oversized
 * outblob, a missing root; after every call, success or failure, the entry
 * is gone.
 *
 * The fake is either already mounted (CONFAI_TSM_ROOT, with its control file
 * in CONFAI_TSM_CONTROL, as `with-fake-tsm.sh MNT --control FILE -- test`
 * sets them) or this program mounts it by running tests/fakes/with-fake-tsm.sh
 * (CONFAI_TSM_WRAPPER; CONFAI_TSM_SIGNER for the signer) around `cat` on a
 * pipe it closes at the end, so that a memory checker wrapping this program
 * checks this program and not the shell. Each case writes the fake's fault
 * options into the control file; the fake reads them at mkdir. Without FUSE
 * the cases that need it skip (the program exits 77), unless
 * CONFAI_REQUIRE_VECTORS says the environment is complete: then they fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <confai/confai.h>
#include <openssl/rand.h>

#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "server/snp_cert_table.h"
#include "server/tsm.h"

static struct {
    char root[512];
    char control[600];
    char scratch[256]; /* what this program made: mount point, state, control */
    pid_t fake_pid;    /* the with-fake-tsm.sh this program started, or 0 */
    int hold;          /* the pipe that keeps it running, or -1 */
    int mounted;
    const char *why_not; /* why there is no fake */
} env;

/* --- the fake ------------------------------------------------------------------ */

static int is_mounted(const char *path)
{
    FILE *f = fopen("/proc/mounts", "r");
    char line[2048];
    int found = 0;
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        char dev[512], dir[1024], type[64];
        if (sscanf(line, "%511s %1023s %63s", dev, dir, type) == 3 &&
            strcmp(dir, path) == 0 && strncmp(type, "fuse", 4) == 0)
            found = 1;
    }
    fclose(f);
    return found;
}

static int run(const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void start_fake(void)
{
    const char *wrapper = getenv("CONFAI_TSM_WRAPPER");
    if (wrapper == NULL || getenv("CONFAI_TSM_SIGNER") == NULL) {
        env.why_not = "neither CONFAI_TSM_ROOT nor CONFAI_TSM_WRAPPER and CONFAI_TSM_SIGNER set";
        return;
    }
    snprintf(env.scratch, sizeof(env.scratch), "/tmp/confai-tsm-XXXXXX");
    if (mkdtemp(env.scratch) == NULL) {
        env.why_not = "no temporary folder";
        return;
    }
    char state[400];
    snprintf(env.root, sizeof(env.root), "%s/report", env.scratch);
    snprintf(env.control, sizeof(env.control), "%s/control", env.scratch);
    snprintf(state, sizeof(state), "%s/state", env.scratch);
    int fds[2];
    if (pipe(fds) != 0) {
        env.why_not = "no pipe";
        return;
    }
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    /* with-fake-tsm.sh mounts the fake and runs `cat` until the pipe closes */
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execl(wrapper, wrapper, env.root, "--state", state, "--control", env.control, "--",
              "cat", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    if (pid < 0) {
        close(fds[1]);
        env.why_not = "fork failed";
        return;
    }
    env.fake_pid = pid;
    env.hold = fds[1];
    for (int i = 0; i < 300 && !is_mounted(env.root); i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            env.fake_pid = 0;
            env.why_not = WIFEXITED(st) && WEXITSTATUS(st) == 77
                              ? "with-fake-tsm.sh skipped: no FUSE here (see its message)"
                              : "with-fake-tsm.sh could not mount the fake (see its message)";
            return;
        }
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    env.mounted = is_mounted(env.root);
    if (!env.mounted)
        env.why_not = "the fake configfs-tsm did not mount within 15 s";
}

static void stop_fake(void)
{
    if (env.hold >= 0) {
        close(env.hold); /* cat ends; the wrapper unmounts and exits */
        env.hold = -1;
    }
    if (env.fake_pid > 0) {
        int st;
        for (int i = 0; i < 200; i++) {
            if (waitpid(env.fake_pid, &st, WNOHANG) == env.fake_pid) {
                env.fake_pid = 0;
                break;
            }
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        if (env.fake_pid > 0) {
            kill(env.fake_pid, SIGTERM);
            waitpid(env.fake_pid, &st, 0);
        }
    }
    if (env.scratch[0] != '\0') {
        const char *argv[] = { "rm", "-rf", env.scratch, NULL };
        (void)run(argv);
    }
}

static int group_setup(void **state)
{
    (void)state;
    env.hold = -1;
    const char *root = getenv("CONFAI_TSM_ROOT");
    const char *control = getenv("CONFAI_TSM_CONTROL");
    if (root != NULL && root[0] != '\0') {
        if (control == NULL || control[0] == '\0') {
            fprintf(stderr, "CONFAI_TSM_ROOT needs CONFAI_TSM_CONTROL (with-fake-tsm.sh "
                            "--control FILE)\n");
            return -1;
        }
        snprintf(env.root, sizeof(env.root), "%s", root);
        snprintf(env.control, sizeof(env.control), "%s", control);
        env.mounted = 1;
    } else {
        start_fake();
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_fake();
    return 0;
}

/* Skips (or fails, where nothing may skip) a case that needs the fake. */
#define NEED_FAKE()                                                                   \
    do {                                                                              \
        if (!env.mounted) {                                                           \
            if (getenv("CONFAI_REQUIRE_VECTORS") != NULL)                             \
                fail_msg("the fake configfs-tsm is required here "                    \
                         "(CONFAI_REQUIRE_VECTORS) but: %s", env.why_not);            \
            print_message("SKIP: %s\n", env.why_not);                                 \
            skip();                                                                   \
        }                                                                             \
    } while (0)

static void faults(const char *options)
{
    FILE *f = fopen(env.control, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", options);
    assert_int_equal(fclose(f), 0);
}

/* The report root holds no entry: every call removed its own. */
static void assert_root_empty(void)
{
    DIR *d = opendir(env.root);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            print_error("left behind: %s\n", e->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 0);
}

static void request(tsm_request *req, const char *provider, int privlevel, unsigned retries)
{
    memset(req, 0, sizeof(*req));
    req->root = env.root;
    req->provider = provider;
    req->privlevel = privlevel;
    req->max_retries = retries;
    assert_int_equal(RAND_bytes(req->inblob, sizeof(req->inblob)), 1);
}

static confai_status get(tsm_report *r, const tsm_request *req, confai_error *err)
{
    confai_status st = tsm_report_get(r, req, err);
    if (st != CONFAI_OK) {
        static const tsm_report zero;
        assert_memory_equal(r, &zero, sizeof(*r));
        assert_true(err->message[0] != '\0');
    }
    assert_root_empty();
    return st;
}

static void expect_status(confai_status want, const tsm_request *req, const char *why)
{
    tsm_report r;
    confai_error err = { 0 };
    confai_status got = get(&r, req, &err);
    if (got != want)
        fail_msg("%s: got %s (%s), want %s", why, confai_status_name(got), err.message,
                 confai_status_name(want));
    tsm_report_clear(&r);
}

/* An SEV-SNP report answering the inblob, with a table that verifies it. */
static void check_snp(const tsm_report *r, const tsm_request *req)
{
    snp_report parsed;
    confai_error err = { 0 };
    assert_string_equal(r->provider, "sev_guest");
    assert_int_equal(snp_report_parse(&parsed, r->outblob, r->outblob_len, &err), CONFAI_OK);
    assert_memory_equal(parsed.report_data, req->inblob, TSM_INBLOB_SIZE);

    snp_cert_table t;
    assert_non_null(r->auxblob);
    assert_int_equal(snp_cert_table_parse(&t, r->auxblob, r->auxblob_len, &err), CONFAI_OK);
    assert_non_null(t.vcek);
    assert_non_null(t.ask);
    assert_non_null(t.ark);
    const uint8_t *certs[3] = { t.vcek, t.ask, t.ark };
    size_t lens[3] = { t.vcek_len, t.ask_len, t.ark_len };
    snp_trust *trust = NULL;
    snp_verified v;
    assert_int_equal(snp_trust_new(&trust, NULL), CONFAI_OK);
    assert_int_equal(snp_trust_add_root(trust, t.ark, t.ark_len, NULL), CONFAI_OK);
    confai_status st = snp_verify(&v, trust, NULL, r->outblob, r->outblob_len, certs, lens, 3,
                                  (int64_t)time(NULL), &err);
    snp_trust_free(trust);
    if (st != CONFAI_OK)
        fail_msg("snp_verify: %s", err.message);
}

/* One request to the fake in a fault mode, and what came of it. */
typedef struct tsm_case {
    tsm_request req;
    tsm_report r;
    confai_error err;
} tsm_case;

/* Sets the fake's faults (NULL: as they are) and makes a fresh request. */
static void start(tsm_case *t, const char *fault_args, const char *provider, int privlevel,
                  unsigned retries)
{
    memset(&t->err, 0, sizeof(t->err));
    if (fault_args != NULL)
        faults(fault_args);
    request(&t->req, provider, privlevel, retries);
}

/* The request is answered by an SEV-SNP report that answers it and verifies; released. */
static void expect_snp(tsm_case *t, const char *why)
{
    if (get(&t->r, &t->req, &t->err) != CONFAI_OK)
        fail_msg("%s: %s", why, t->err.message);
    check_snp(&t->r, &t->req);
    tsm_report_clear(&t->r);
}

/* The request fails with want, and the message names each of words (NULL-ended). */
static void expect_failure(tsm_case *t, confai_status want, const char *const *words)
{
    assert_int_equal(get(&t->r, &t->req, &t->err), want);
    for (size_t i = 0; words != NULL && words[i] != NULL; i++)
        if (strstr(t->err.message, words[i]) == NULL)
            fail_msg("\"%s\" lacks \"%s\"", t->err.message, words[i]);
}

/* --- cases ------------------------------------------------------------------- */

static void test_sev_guest(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--provider sev_guest", "sev_guest", 0, 0);
    if (get(&t.r, &t.req, &t.err) != CONFAI_OK)
        fail_msg("%s", t.err.message);
    check_snp(&t.r, &t.req);
    tsm_report_clear(&t.r);
    static const tsm_report zero;
    assert_memory_equal(&t.r, &zero, sizeof(t.r));

    /* no privlevel written, any provider accepted */
    start(&t, NULL, NULL, -1, 0);
    expect_snp(&t, "no privlevel, any provider");
}

static void test_tdx_guest(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--provider tdx_guest", "tdx_guest", -1, 0);
    if (get(&t.r, &t.req, &t.err) != CONFAI_OK)
        fail_msg("%s", t.err.message);
    assert_string_equal(t.r.provider, "tdx_guest");
    tdx_quote q;
    assert_int_equal(tdx_quote_parse(&q, t.r.outblob, t.r.outblob_len, 0, &t.err), CONFAI_OK);
    assert_memory_equal(q.report_data, t.req.inblob, TSM_INBLOB_SIZE);
    assert_null(t.r.auxblob);
    assert_int_equal(t.r.auxblob_len, 0);
    tsm_report_clear(&t.r);

    /* TDX has no privlevel attribute */
    start(&t, NULL, "tdx_guest", 0, 0);
    expect_status(CONFAI_E_TSM_REFUSED, &t.req, "privlevel on TDX");
}

static void test_provider_mismatch(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--provider tdx_guest", "sev_guest", 0, 0);
    expect_failure(&t, CONFAI_E_TSM_PROVIDER,
                   (const char *const[]){ "tdx_guest", "sev_guest", NULL });

    start(&t, "--provider sev_guest", "tdx_guest", -1, 0);
    expect_status(CONFAI_E_TSM_PROVIDER, &t.req, "SEV-SNP asked for TDX");
}

static void test_races(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;

    /* three concurrent writes, three retries: the report answers our inblob */
    start(&t, "--race 3", "sev_guest", 0, 3);
    expect_snp(&t, "3 races, 3 retries");

    start(&t, "--race 4", "sev_guest", 0, 3);
    expect_failure(&t, CONFAI_E_TSM_RACE, (const char *const[]){ "4 tries", NULL });

    /* the default: 8 retries */
    start(&t, "--race 8", "sev_guest", -1, 0);
    expect_snp(&t, "8 races, the default retries");
    faults("--race 9");
    expect_status(CONFAI_E_TSM_RACE, &t.req, "9 races, 8 retries");
}

static void test_busy(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--busy 2", "sev_guest", 0, 0);
    expect_snp(&t, "busy twice");

    start(&t, "--busy-read 2", "sev_guest", 0, 0);
    expect_snp(&t, "busy reading twice");

    start(&t, "--busy 5", "sev_guest", 0, 2);
    expect_status(CONFAI_E_TSM_RACE, &t.req, "busy longer than the retries");
}

static void test_refused(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--inblob-einval", "sev_guest", 0, 0);
    expect_failure(&t, CONFAI_E_TSM_REFUSED, (const char *const[]){ "inblob", NULL });

    start(&t, "--privlevel-floor 2", "sev_guest", 1, 0);
    expect_failure(&t, CONFAI_E_TSM_REFUSED, (const char *const[]){ "privlevel 1", NULL });
    start(&t, NULL, "sev_guest", 2, 0);
    assert_int_equal(get(&t.r, &t.req, &t.err), CONFAI_OK);
    tsm_report_clear(&t.r);
}

static void test_auxblob(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    const char *modes[] = { "--empty-auxblob", "--no-auxblob" };
    for (size_t i = 0; i < 2; i++) {
        start(&t, modes[i], "sev_guest", 0, 0);
        if (get(&t.r, &t.req, &t.err) != CONFAI_OK)
            fail_msg("%s: %s", modes[i], t.err.message);
        assert_null(t.r.auxblob);
        assert_int_equal(t.r.auxblob_len, 0);
        snp_report parsed;
        assert_int_equal(snp_report_parse(&parsed, t.r.outblob, t.r.outblob_len, NULL),
                         CONFAI_OK);
        assert_memory_equal(parsed.report_data, t.req.inblob, 64);
        tsm_report_clear(&t.r);
    }
}

static void test_oversize(void **state)
{
    (void)state;
    NEED_FAKE();
    tsm_case t;
    start(&t, "--oversize", "sev_guest", 0, 0);
    expect_status(CONFAI_E_LIMIT, &t.req, "outblob over 64 KiB");
}

static void test_provider_probe(void **state)
{
    (void)state;
    NEED_FAKE();
    char name[32];
    faults("--provider tdx_guest");
    assert_int_equal(tsm_provider(name, env.root, NULL), CONFAI_OK);
    assert_string_equal(name, "tdx_guest");
    assert_root_empty();
    faults("--provider sev_guest");
    assert_int_equal(tsm_provider(name, env.root, NULL), CONFAI_OK);
    assert_string_equal(name, "sev_guest");
    assert_root_empty();
}

static void test_missing_root(void **state)
{
    (void)state;
    char dir[] = "/tmp/confai-tsm-none-XXXXXX";
    char root[128];
    assert_non_null(mkdtemp(dir));
    snprintf(root, sizeof(root), "%s/sys/kernel/config/tsm/report", dir);
    tsm_request req;
    memset(&req, 0, sizeof(req));
    req.root = root;
    req.privlevel = -1;
    tsm_report r;
    confai_error err = { 0 };
    assert_int_equal(tsm_report_get(&r, &req, &err), CONFAI_E_TSM_UNAVAILABLE);
    assert_non_null(strstr(err.message, "mount -t configfs"));
    char name[32];
    assert_int_equal(tsm_provider(name, root, &err), CONFAI_E_TSM_UNAVAILABLE);
    assert_int_equal(name[0], '\0');
    assert_int_equal(rmdir(dir), 0);
}

static void test_arguments(void **state)
{
    (void)state;
    tsm_request req;
    tsm_report r;
    memset(&req, 0, sizeof(req));
    req.root = "/nonexistent";
    req.privlevel = 4;
    assert_int_equal(tsm_report_get(&r, &req, NULL), CONFAI_E_ARGUMENT);
    req.privlevel = -2;
    assert_int_equal(tsm_report_get(&r, &req, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(tsm_report_get(&r, NULL, NULL), CONFAI_E_ARGUMENT);
    req.privlevel = -1;
    assert_int_equal(tsm_report_get(NULL, &req, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(tsm_provider(NULL, NULL, NULL), CONFAI_E_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sev_guest),
        cmocka_unit_test(test_tdx_guest),
        cmocka_unit_test(test_provider_mismatch),
        cmocka_unit_test(test_races),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_auxblob),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_provider_probe),
        cmocka_unit_test(test_missing_root),
        cmocka_unit_test(test_arguments),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    /* all that needs the fake skipped: say so to meson */
    return failed == 0 && !env.mounted ? 77 : failed;
}

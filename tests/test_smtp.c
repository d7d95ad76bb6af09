/*
 * test_smtp: the smtp transport against real servers on 127.0.0.1, each
 * started by the test on a free port and stopped (killed and reaped) by
 * its teardown, whatever the test did:
 *  - Postfix's smtp-sink, which dumps every message to a file, for volume,
 *    connection reuse and data integrity;
 *  - tests/servers/smtpd.py (aiosmtpd), which injects faults and records
 *    every accepted message in a JSON log, for the reply codes, the retry
 *    on a connection closed after 250, TLS and AUTH.
 * The servers also watch their stdin (smtpd.py) or are killed by pid, so
 * none outlives the test. A case is skipped, with its reason, when its
 * tool (smtp-sink, /usr/bin/python3 with aiosmtpd, openssl) is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "buf.h"
#include "smtp.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#define PYTHON "/usr/bin/python3"
#define SMTP_SINK "/usr/sbin/smtp-sink"
#define OPENSSL "/usr/bin/openssl"
#define FROM "news@digest.test"
#define EHLO "digest.test"
#define USER "digest"
#define PASSWORD "s3cret-PW.42"
#define DELIVER_LIMIT_MS 60000.0

extern char **environ;

/* The server of the current test; the teardown stops it. */
static struct {
	pid_t pid;
	int stdin_fd;		/* our end of smtpd.py's stdin, or -1 */
	int port;
	char dir[4096];		/* this test's scratch folder */
	char log[4200];		/* smtpd.py --log */
	char data[4200];	/* smtpd.py --dir, or smtp-sink's dumps */
	char out[4200];		/* smtp-sink's stdout (its counters) */
	char url[100];		/* scheme://127.0.0.1:port */
} srv = { .pid = -1, .stdin_fd = -1 };

/* Set by the group setup. */
static struct {
	int sink, aiosmtpd, openssl;
	char dir[4096];
	char cert[4200], key[4200];	/* the server's, for 127.0.0.1 */
	char other[4200], other_key[4200];	/* a certificate it is not */
} env;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- processes ------------------------------------------------------ */

/* A whole file; the test fails when it cannot be read. Caller frees.
 * (tu_read, inlined, makes gcc 12 see a dangling pointer.) */
static __attribute__((noinline)) char *
slurp(const char *path, size_t *len)
{
	char err[ERR_LEN], *data = NULL;
	size_t n = 0;

	if (util_read_file(path, 1u << 26, &data, &n, err) == -1)
		fail_msg("%s", err);
	if (len != NULL)
		*len = n;
	return data;
}

/* Runs argv with no input or output; its exit status, or -1. */
static int
run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


/* Starts smtpd.py with the options in extra (NULL-terminated), logging to
 * srv.log and keeping messages in srv.data; the test fails when it does
 * not come up. */
static void
start_smtpd(const char *const *extra)
{
	char script[4096], *argv[48];
	int in[2], out[2], rc, n = 0;
	posix_spawn_file_actions_t fa;

	snprintf(script, sizeof(script), "%s/servers/smtpd.py",
	    tu_tests_dir());
	argv[n++] = PYTHON;
	argv[n++] = script;
	argv[n++] = "--watch-stdin";
	argv[n++] = "--log";
	argv[n++] = srv.log;
	argv[n++] = "--dir";
	argv[n++] = srv.data;
	while (extra != NULL && *extra != NULL && n < 46)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	rc = posix_spawn(&srv.pid, PYTHON, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	srv.stdin_fd = in[1];
	if (rc != 0)
		srv.pid = -1;
	rc = rc == 0 && (srv.port = tu_read_port(out[0])) > 0 ? 0 : -1;
	close(out[0]);
	if (rc == -1)
		fail_msg("cannot start %s", script);
}

/* A port nobody listens on: bound, then closed, so it is free. */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Whether something accepts connections on srv.port. */
static int
port_open(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)srv.port);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Starts smtp-sink on a free port: -c prints its counters to srv.out, -d
 * dumps each message into srv.data (the dumps are written as the user
 * smtp-sink runs as: nobody, when we are root). Waits until it listens.
 * The probe connection counts as one session in its counters.
 */
static void
start_sink(void)
{
	char addr[64], dump[4300];
	char *argv[] = { SMTP_SINK, "-c", "-d", dump, "-u", "nobody", addr,
	    "100", NULL };
	posix_spawn_file_actions_t fa;
	double t0 = now_ms();

	if (geteuid() != 0) {	/* no -u: we cannot change user */
		argv[4] = addr;
		argv[5] = "100";
		argv[6] = NULL;
	}
	assert_int_equal(chmod(srv.data, 0777), 0);
	snprintf(dump, sizeof(dump), "%s/%%H%%M%%S.", srv.data);
	srv.port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", srv.port);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, srv.out,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (posix_spawn(&srv.pid, SMTP_SINK, &fa, NULL, argv, environ) != 0)
		srv.pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	if (srv.pid == -1)
		fail_msg("cannot start %s", SMTP_SINK);
	while (!port_open()) {
		if (now_ms() - t0 > 5000)
			fail_msg("%s does not listen on %s", SMTP_SINK, addr);
		usleep(10000);
	}
}

static void
stop_server(void)
{
	if (srv.stdin_fd != -1)
		close(srv.stdin_fd);
	srv.stdin_fd = -1;
	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		while (waitpid(srv.pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	srv.pid = -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* A scratch folder per test: the server's log, data and dumps. */
static int
test_setup(void **state)
{
	(void)state;
	if (snprintf(srv.dir, sizeof(srv.dir), "%.4000s/t.XXXXXX", env.dir) <
	    0 || mkdtemp(srv.dir) == NULL)
		return -1;
	chmod(srv.dir, 0711);	/* smtp-sink, as nobody, writes below */
	snprintf(srv.log, sizeof(srv.log), "%s/log.jsonl", srv.dir);
	snprintf(srv.data, sizeof(srv.data), "%s/data", srv.dir);
	snprintf(srv.out, sizeof(srv.out), "%s/sink.out", srv.dir);
	return mkdir(srv.data, 0755);
}

static int
test_teardown(void **state)
{
	(void)state;
	stop_server();
	nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("DIGEST_SMTP_PASSWORD");
	unsetenv("DIGEST_SMTP_PASSWORD_FILE");
	return 0;
}

/* A self-signed certificate for 127.0.0.1 and localhost. */
static int
make_cert(const char *cert, const char *key)
{
	char *argv[] = { OPENSSL, "req", "-x509", "-newkey", "rsa:2048",
	    "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
	    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
	    (char *)key, "-out", (char *)cert, NULL };

	return run_quiet(argv) == 0 ? 0 : -1;
}

static int
group_setup(void **state)
{
	char *py[] = { PYTHON, "-c", "import aiosmtpd.smtp", NULL };

	(void)state;
	/* Proxies from the environment would send 127.0.0.1 elsewhere. */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	unsetenv("DIGEST_SMTP_PASSWORD");
	unsetenv("DIGEST_SMTP_PASSWORD_FILE");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	snprintf(env.dir, sizeof(env.dir), "%s", tu_tmpdir());
	chmod(env.dir, 0711);
	env.sink = access(SMTP_SINK, X_OK) == 0;
	env.aiosmtpd = access(PYTHON, X_OK) == 0 && run_quiet(py) == 0;
	snprintf(env.cert, sizeof(env.cert), "%s/cert.pem", env.dir);
	snprintf(env.key, sizeof(env.key), "%s/key.pem", env.dir);
	snprintf(env.other, sizeof(env.other), "%s/other.pem", env.dir);
	snprintf(env.other_key, sizeof(env.other_key), "%s/other-key.pem",
	    env.dir);
	env.openssl = access(OPENSSL, X_OK) == 0 &&
	    make_cert(env.cert, env.key) == 0 &&
	    make_cert(env.other, env.other_key) == 0;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	nftw(env.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	curl_global_cleanup();
	return 0;
}

#define NEED(cond, what) do { \
	if (!(cond)) { \
		print_message("skip: %s\n", (what)); \
		skip(); \
	} \
} while (0)
#define NEED_SINK() NEED(env.sink, SMTP_SINK " not found")
#define NEED_AIOSMTPD() NEED(env.aiosmtpd, PYTHON " with aiosmtpd not found")
#define NEED_OPENSSL() NEED(env.openssl, OPENSSL " cannot make a " \
	"certificate")

/* ---- messages and delivery ------------------------------------------ */

/* Message i's recipient: r000@example.org, r001@... */
static void
rcpt_of(size_t i, char *to, size_t size)
{
	snprintf(to, size, "r%03zu@example.org", i);
}

/* Message i: CRLF lines, its own Message-ID, body lines that libcurl
 * must dot-stuff (".x", ".", "..y") and extra filler lines. Returns an
 * allocated buffer; caller frees (or hands it to submit). */
static char *
make_message(size_t i, size_t filler, size_t *len)
{
	char to[64], line[128];
	struct buf b;
	size_t k;

	rcpt_of(i, to, sizeof(to));
	buf_init(&b, 1u << 24);
	buf_printf(&b, "Message-ID: <%zu.smtp-test@digest.test>\r\n"
	    "From: Digest <" FROM ">\r\nTo: <%s>\r\nSubject: test %zu\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "\r\n.x\r\n.\r\n..y\r\nmessage %zu\r\n", i, to, i, i);
	for (k = 0; k < filler; k++) {
		snprintf(line, sizeof(line), "%zu.%zu The quick brown fox "
		    "jumps over the lazy dog, and back again.\r\n", i, k);
		buf_puts(&b, line);
	}
	buf_puts(&b, ".\r\nend\r\n");
	return buf_detach(&b, len);
}

/* What became of one message. */
struct outcome {
	int reported;		/* done() calls for it: must end as 1 */
	struct transport_result r;
};

static void
on_done(void *tag, const struct transport_result *r, void *arg)
{
	struct outcome *o = tag;

	o->reported++;
	o->r = *r;
	(*(size_t *)arg)++;
}

/* Delivers messages 0..n-1 (make_message with filler lines) to their
 * recipients through t, as many in flight as t allows; out[i] gets
 * message i's outcome. The test fails when a submit fails or after
 * DELIVER_LIMIT_MS. */
static void
deliver(struct transport *t, size_t n, size_t filler, struct outcome *out)
{
	size_t next = 0, ended = 0, inflight = 0, len;
	double t0 = now_ms();
	char to[64], err[ERR_LEN], *msg;

	memset(out, 0, n * sizeof(*out));
	while (ended < n) {
		while (next < n && inflight < t->capacity(t)) {
			rcpt_of(next, to, sizeof(to));
			msg = make_message(next, filler, &len);
			if (t->submit(t, FROM, to, msg, len, &out[next],
			    err) != 0)
				fail_msg("submit %zu: %s", next, err);
			inflight++;
			next++;
		}
		inflight = t->poll(t, 200, on_done, &ended);
		if (now_ms() - t0 > DELIVER_LIMIT_MS)
			fail_msg("%zu of %zu messages reported after %.0f ms",
			    ended, n, DELIVER_LIMIT_MS);
	}
	assert_int_equal(inflight, 0);
}

/* Points srv.url at the current server with scheme ("smtp", "smtps");
 * returns it. */
static const char *
server_url(const char *scheme)
{
	snprintf(srv.url, sizeof(srv.url), "%s://127.0.0.1:%d", scheme,
	    srv.port);
	return srv.url;
}

/* The options of most tests: TLS off, our EHLO name, short timeouts; the
 * URL is set once the server is up. */
static struct smtp_opts
base_opts(size_t connections)
{
	struct smtp_opts o;

	memset(&o, 0, sizeof(o));
	o.tls = SMTP_TLS_OFF;
	o.ehlo = EHLO;
	o.connections = connections;
	o.connect_timeout_ms = 5000;
	o.timeout_ms = 10000;
	return o;
}

static struct transport *
open_or_fail(const struct smtp_opts *o)
{
	char err[ERR_LEN] = "";
	struct transport *t = smtp_open(o, err);

	if (t == NULL)
		fail_msg("smtp_open: %s", err);
	return t;
}

/* Opens, delivers n messages, closes: out[i] as deliver(). */
static void
deliver_with(const struct smtp_opts *o, size_t n, struct outcome *out)
{
	struct transport *t = open_or_fail(o);

	deliver(t, n, 3, out);
	transport_close(t);
}

/* Every message reported exactly once, and how many had each code. */
static size_t
count_code(const struct outcome *out, size_t n, int code)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (out[i].reported != 1)
			fail_msg("message %zu reported %d times", i,
			    out[i].reported);
		c += out[i].r.code == code;
	}
	return c;
}

static void
assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

static void
assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("'%s' does not contain '%s'", s, part);
}

/* No reply text ever shows the password. */
static void
assert_no_password(const struct outcome *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(out[i].r.reply, PASSWORD) != NULL ||
		    strstr(out[i].r.queue_id, PASSWORD) != NULL)
			fail_msg("message %zu: the password is in '%s'", i,
			    out[i].r.reply);
}

/* ---- the smtpd.py log ----------------------------------------------- */

/* The events of srv.log, as a JSON array (empty when there is no log);
 * caller json_decref()s it. */
static json_t *
log_load(void)
{
	json_t *all = json_array(), *ev;
	char *data, *text, *line;
	FILE *f;

	if ((f = fopen(srv.log, "r")) == NULL)
		return all;
	fclose(f);
	data = slurp(srv.log, NULL);
	text = data;
	while ((line = tu_line(&text, NULL)) != NULL) {
		if ((ev = json_loads(line, 0, NULL)) == NULL)
			fail_msg("bad log line: %s", line);
		json_array_append_new(all, ev);
	}
	free(data);
	return all;
}

static int
ev_is(json_t *ev, const char *event)
{
	return strcmp(json_string_value(json_object_get(ev, "event")),
	    event) == 0;
}

/* How many events of a kind (with that code, when code != 0). */
static size_t
log_count(json_t *all, const char *event, int code)
{
	size_t i, c = 0;
	json_t *ev;

	json_array_foreach(all, i, ev)
		if (ev_is(ev, event) && (code == 0 || json_integer_value(
		    json_object_get(ev, "code")) == code))
			c++;
	return c;
}

/* How many accepted records carry message i's Message-ID. */
static size_t
log_deliveries(json_t *all, size_t i)
{
	char id[64];
	size_t k, c = 0;
	json_t *ev;
	const char *mid;

	snprintf(id, sizeof(id), "<%zu.smtp-test@digest.test>", i);
	json_array_foreach(all, k, ev) {
		mid = json_string_value(json_object_get(ev, "message_id"));
		if (ev_is(ev, "accepted") && mid != NULL && strcmp(mid, id) == 0)
			c++;
	}
	return c;
}

/* The server's record agrees with the results: each message that got
 * 250 was accepted exactly once, every other one never. */
static void
assert_log_matches(json_t *all, const struct outcome *out, size_t n)
{
	size_t i, want;

	for (i = 0; i < n; i++) {
		want = out[i].r.code == 250;
		if (log_deliveries(all, i) != want)
			fail_msg("message %zu (code %d) is in the server's log "
			    "%zu times", i, out[i].r.code,
			    log_deliveries(all, i));
	}
	assert_int_equal(log_count(all, "accepted", 0), count_code(out, n,
	    250));
}

/* ---- (a) smtp-sink: volume, reuse, data ----------------------------- */

/* The counters smtp-sink -c printed last: sess=S quit=Q mesg=M. */
static void
sink_counters(long long *sess, long long *quit, long long *mesg)
{
	char *data = slurp(srv.out, NULL), *last = data, *p;

	*sess = *quit = *mesg = -1;
	for (p = data; (p = strstr(p, "sess=")) != NULL; p++)
		last = p;
	if (sscanf(last, "sess=%lld quit=%lld mesg=%lld", sess, quit,
	    mesg) != 3)
		fail_msg("no counters in smtp-sink's output '%s'", data);
	free(data);
}

/* Waits (5 s at most) until smtp-sink has counted n messages and every
 * session has ended, ours with a QUIT (the probe's had none), and the
 * counters have not moved for 300 ms: smtp_close has had the 221 to each
 * QUIT, but smtp-sink counts a session when the socket closes. */
static void
sink_settle(long long n, long long *sess, long long *quit)
{
	double t0 = now_ms(), since = now_ms();
	long long mesg, was_sess = -1, was_quit = -1;

	for (;;) {
		sink_counters(sess, quit, &mesg);
		if (*sess != was_sess || *quit != was_quit)
			since = now_ms();
		was_sess = *sess;
		was_quit = *quit;
		if (mesg == n && *quit >= 1 && *sess == *quit + 1 &&
		    now_ms() - since >= 300)
			return;
		if (now_ms() - t0 > 5000)
			fail_msg("smtp-sink: sess=%lld quit=%lld mesg=%lld, "
			    "expected mesg=%lld", *sess, *quit, mesg, n);
		usleep(20000);
	}
}

/* Converts CRLF to LF in place (smtp-sink dumps LF lines). */
static size_t
crlf_to_lf(char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			s[k++] = s[i];
	return k;
}

/* Checks one dump: the envelope and the data exactly as sent; returns
 * the message's number. */
static size_t
sink_check_dump(const char *path)
{
	char *d = slurp(path, NULL), *p, *body, *exp;
	long long i = -1;
	size_t elen;

	if ((p = strstr(d, "X-Rcpt-Args: <r")) == NULL ||
	    sscanf(p, "X-Rcpt-Args: <r%3lld@", &i) != 1)
		fail_msg("%s: no recipient", path);
	exp = make_message((size_t)i, 3, &elen);
	/* smtp-sink does not offer SIZE (smtpd.py's test checks it). */
	assert_contains(d, "X-Mail-Args: <" FROM ">\n");
	assert_contains(d, "X-Helo-Args: " EHLO "\n");
	if (strstr(strstr(d, "X-Rcpt-Args:") + 1, "X-Rcpt-Args:") != NULL)
		fail_msg("%s: more than one recipient", path);
	/* The data follows smtp-sink's three-line Received: header and is
	 * followed by an empty line. */
	assert_non_null(body = strstr(d, "\nReceived: "));
	body = strchr(strchr(strchr(body + 1, '\n') + 1, '\n') + 1, '\n') + 1;
	elen = crlf_to_lf(exp, elen);
	if (strlen(body) != elen + 1 || memcmp(body, exp, elen) != 0)
		fail_msg("%s: the data differs:\n%s\nexpected:\n%.*s", path,
		    body, (int)elen, exp);
	free(exp);
	free(d);
	return (size_t)i;
}

/* Every one of n messages dumped exactly once, intact. */
static void
sink_check_dumps(size_t n)
{
	unsigned char *seen = xcalloc(n, 1);
	char path[4200 + 260];
	struct dirent *e;
	size_t files = 0, i;
	DIR *dir = opendir(srv.data);

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", srv.data, e->d_name);
		i = sink_check_dump(path);
		assert_true(i < n);
		if (seen[i]++)
			fail_msg("message %zu dumped twice", i);
		files++;
	}
	closedir(dir);
	free(seen);
	assert_int_equal(files, n);
}

/* 200 messages over `connections` connections: all 250, delivered intact
 * (".x", "." and "..y" lines included), SIZE declared, over no more
 * connections than that: each is reused for many messages. */
static void
sink_run(size_t connections)
{
	struct outcome out[200];
	struct smtp_opts o = base_opts(connections);
	long long sess, quit;

	NEED_SINK();
	start_sink();
	o.url = server_url("smtp");
	deliver_with(&o, 200, out);
	assert_int_equal(count_code(out, 200, 250), 200);
	sink_settle(200, &sess, &quit);
	print_message("smtp-sink: 200 messages over %lld connections\n",
	    quit);
	assert_true(quit >= 1 && quit <= (long long)connections);
	sink_check_dumps(200);
}

static void
test_sink_one_connection(void **state)
{
	(void)state;
	sink_run(1);
}

static void
test_sink_four_connections(void **state)
{
	(void)state;
	sink_run(4);
}

/* ---- (b) smtpd.py: replies and faults ------------------------------- */

/* Starts smtpd.py with extra options, delivers n messages with options
 * o to it over scheme:// and loads the log into *log. */
static void
smtpd_run(const char *scheme, const char *const *extra, struct smtp_opts *o,
    size_t n, struct outcome *out, json_t **log)
{
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o->url = server_url(scheme);
	deliver_with(o, n, out);
	*log = log_load();
}

/* Every accepted message came with SIZE=its size. */
static void
assert_size_declared(json_t *all)
{
	char want[64];
	size_t i;
	json_t *ev, *opt;

	json_array_foreach(all, i, ev) {
		if (!ev_is(ev, "accepted"))
			continue;
		snprintf(want, sizeof(want), "SIZE=%lld", (long long)
		    json_integer_value(json_object_get(ev, "size")));
		opt = json_array_get(json_object_get(ev, "mail_options"), 0);
		assert_non_null(opt);
		assert_string_equal(json_string_value(opt), want);
	}
}

/* The data arrives exactly as given (aiosmtpd keeps the CRLF), with
 * SIZE declared and the queue id parsed out of the reply. */
static void
test_data_intact(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[3];
	char path[4400], *got, *exp;
	size_t glen, elen, i;
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 3, out, &log);
	assert_int_equal(count_code(out, 3, 250), 3);
	assert_log_matches(log, out, 3);
	assert_size_declared(log);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%06zu.eml", srv.data, i + 1);
		got = slurp(path, &glen);
		exp = make_message(i, 3, &elen);
		assert_int_equal(glen, elen);
		assert_memory_equal(got, exp, elen);
		free(got);
		free(exp);
		/* Postfix-like reply: the queue id is parsed out of it. */
		assert_prefix(out[i].r.reply, "250 2.0.0 Ok: queued as Q");
		assert_int_equal(strlen(out[i].r.queue_id), 7);
		assert_contains(out[i].r.reply, out[i].r.queue_id);
		assert_true(out[i].r.ms > 0);
	}
	json_decref(log);
}

/* A share of RCPTs answered 451: exactly those messages carry 451 with
 * the server's line, the others are delivered. */
static void
test_rcpt_4xx(void **state)
{
	const char *extra[] = { "--rcpt-4xx-share", "0.3", "--seed", "7",
	    NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[60];
	size_t i, n451;
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 60, out, &log);
	n451 = count_code(out, 60, 451);
	assert_true(n451 > 0);
	assert_int_equal(n451 + count_code(out, 60, 250), 60);
	assert_int_equal(n451, log_count(log, "rejected", 451));
	for (i = 0; i < 60; i++)
		if (out[i].r.code == 451)
			assert_prefix(out[i].r.reply, "451 4.7.1 <r");
	assert_log_matches(log, out, 60);
	json_decref(log);
}

/* A share of DATA answered 451 after the data: reported as 451. */
static void
test_data_4xx(void **state)
{
	const char *extra[] = { "--data-4xx-share", "0.3", "--seed", "3",
	    NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[60];
	size_t i, n451;
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 60, out, &log);
	n451 = count_code(out, 60, 451);
	assert_true(n451 > 0);
	assert_int_equal(n451 + count_code(out, 60, 250), 60);
	assert_int_equal(n451, log_count(log, "rejected", 451));
	for (i = 0; i < 60; i++)
		if (out[i].r.code == 451)
			assert_string_equal(out[i].r.reply,
			    "451 4.3.0 temporary failure");
	assert_log_matches(log, out, 60);
	json_decref(log);
}

/* Refused recipients: 550 with the server's text (not the 221 of the
 * QUIT libcurl sends next); the other messages are delivered. */
static void
test_reject(void **state)
{
	const char *extra[] = { "--reject",
	    "r003@example.org,r007@example.org", NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[10];
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 10, out, &log);
	assert_int_equal(count_code(out, 10, 550), 2);
	assert_int_equal(count_code(out, 10, 250), 8);
	assert_string_equal(out[3].r.reply, "550 5.1.1 <r003@example.org>: "
	    "Recipient address rejected: User unknown");
	assert_int_equal(out[7].r.code, 550);
	/* The reader's, not the run's. */
	assert_int_equal(out[3].r.fault, TRANSPORT_REFUSED);
	assert_int_equal(out[2].r.fault, TRANSPORT_DELIVERED);
	assert_string_equal(out[3].r.queue_id, "");
	assert_log_matches(log, out, 10);
	json_decref(log);
}

/* Sends one message to each of tos through t, one after the other:
 * out[i] is tos[i]'s outcome. */
static void
deliver_each(struct transport *t, const char *const *tos, size_t n,
    struct outcome *out)
{
	char err[ERR_LEN], *msg;
	size_t i, len, ended = 0;
	struct buf b;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		buf_init(&b, 1u << 20);
		buf_printf(&b, "Message-ID: <%zu.each@digest.test>\r\n"
		    "From: <" FROM ">\r\nTo: <%s>\r\nSubject: each %zu\r\n"
		    "\r\nbody %zu\r\n", i, tos[i], i, i);
		msg = buf_detach(&b, &len);
		if (t->submit(t, FROM, tos[i], msg, len, &out[i], err) != 0)
			fail_msg("submit %s: %s", tos[i], err);
		while (out[i].reported == 0)
			t->poll(t, 1000, on_done, &ended);
	}
}

/* RFC 6531: a UTF-8 address goes with SMTPUTF8 to a server that offers
 * it, intact. */
static void
test_smtputf8_offered(void **state)
{
	const char *extra[] = { "--smtputf8", NULL };
	const char *tos[] = { "zo\xc3\xab@example.org", "ann@example.org" };
	struct smtp_opts o = base_opts(1);
	struct outcome out[2];
	struct transport *t;
	json_t *log, *ev;
	size_t i, found = 0;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	deliver_each(t, tos, 2, out);
	transport_close(t);
	assert_int_equal(out[0].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[1].r.fault, TRANSPORT_DELIVERED);
	log = log_load();
	json_array_foreach(log, i, ev) {
		const char *rcpt;

		if (!ev_is(ev, "accepted"))
			continue;
		rcpt = json_string_value(json_array_get(json_object_get(ev,
		    "rcpt"), 0));
		if (strcmp(rcpt, tos[0]) == 0) {
			found++;
			assert_true(json_is_true(json_object_get(ev,
			    "smtputf8")));
		}
	}
	assert_int_equal(found, 1);
	json_decref(log);
}

/* Without SMTPUTF8 on the server, that reader's message is refused
 * (never the run's), nothing of it is delivered, the next reader's goes,
 * and a later UTF-8 one is refused without another connection. */
static void
test_smtputf8_not_offered(void **state)
{
	const char *extra[] = { NULL };
	const char *tos[] = { "ann@example.org", "zo\xc3\xab@example.org",
	    "bob@example.org", "j\xc3\xb6rg@example.org" };
	struct smtp_opts o = base_opts(1);
	struct outcome out[4];
	struct transport *t;
	json_t *log;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	deliver_each(t, tos, 4, out);
	transport_close(t);
	assert_int_equal(out[0].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[1].r.fault, TRANSPORT_REFUSED);
	assert_contains(out[1].r.reply, "the server does not offer SMTPUTF8");
	assert_int_equal(out[2].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[3].r.fault, TRANSPORT_REFUSED);
	assert_contains(out[3].r.reply, "the server does not offer SMTPUTF8");
	log = log_load();
	assert_int_equal(log_count(log, "accepted", 0), 2);
	/* Known from the EHLO by then: the fourth costs no connection. */
	assert_int_equal(log_count(log, "connect", 0), 1);
	json_decref(log);
}

/* A sender the server refuses is every message's: a setting. */
static void
test_sender_refused(void **state)
{
	const char *extra[] = { "--reject-sender", NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 1, out, &log);
	assert_int_equal(out[0].r.code, 553);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "refuses the sender '" FROM "'");
	assert_contains(out[0].r.reply, "set from_address");
	json_decref(log);
}

/* A message over the server's SIZE is that message's: refused, at MAIL
 * when declared, before any connection once the limit is known. */
static void
test_size_refused(void **state)
{
	const char *extra[] = { "--size", "4000", NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[3];
	char to[64], err[ERR_LEN], *msg;
	size_t i, len, ended = 0, filler[] = { 200, 1, 200 };
	struct transport *t;
	json_t *log;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	memset(out, 0, sizeof(out));
	for (i = 0; i < 3; i++) {
		rcpt_of(i, to, sizeof(to));
		msg = make_message(i, filler[i], &len);
		assert_int_equal(t->submit(t, FROM, to, msg, len, &out[i], err),
		    0);
		while (out[i].reported == 0)
			t->poll(t, 1000, on_done, &ended);
	}
	transport_close(t);
	assert_int_equal(out[0].r.fault, TRANSPORT_REFUSED);
	assert_int_equal(out[0].r.code, 552);
	assert_int_equal(out[1].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[2].r.fault, TRANSPORT_REFUSED);
	assert_contains(out[2].r.reply, "over the server's limit (SIZE 4000)");
	log = log_load();
	assert_int_equal(log_count(log, "accepted", 0), 1);
	json_decref(log);
}

/* A 5xx at the end of the data is that message's. */
static void
test_data_refused(void **state)
{
	const char *extra[] = { "--reject-data", "r001@example.org", NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[3];
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 3, out, &log);
	assert_int_equal(out[1].r.fault, TRANSPORT_REFUSED);
	assert_int_equal(out[1].r.code, 554);
	assert_int_equal(out[0].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[2].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(log_count(log, "accepted", 0), 2);
	json_decref(log);
}

/* cancel() withdraws what no connection has begun: reported not sent,
 * and the server never sees it; the message on the wire goes on. */
static void
test_cancel(void **state)
{
	const char *extra[] = { "--slow", "200", NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[2];
	char to[64], err[ERR_LEN], *msg;
	struct transport *t;
	size_t i, len, ended = 0;
	json_t *log;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	memset(out, 0, sizeof(out));
	for (i = 0; i < 2; i++) {
		rcpt_of(i, to, sizeof(to));
		msg = make_message(i, 0, &len);
		assert_int_equal(t->submit(t, FROM, to, msg, len, &out[i], err),
		    0);
	}
	usleep(100000);		/* the first is on the wire by now */
	t->cancel(t);
	while (t->poll(t, 1000, on_done, &ended) > 0)
		;
	transport_close(t);
	assert_int_equal(ended, 2);
	assert_int_equal(out[0].r.fault, TRANSPORT_DELIVERED);
	assert_int_equal(out[1].r.fault, TRANSPORT_NOT_SENT);
	log = log_load();
	assert_int_equal(log_deliveries(log, 0), 1);
	assert_int_equal(log_deliveries(log, 1), 0);
	json_decref(log);
}

/* The server closes every connection right after its 3rd 250: every
 * message is still delivered exactly once. */
static void
test_disconnect_after(void **state)
{
	const char *extra[] = { "--disconnect-after", "3", NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[45];
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 45, out, &log);
	assert_int_equal(count_code(out, 45, 250), 45);
	assert_log_matches(log, out, 45);
	assert_true(log_count(log, "connect", 0) >= 15);
	json_decref(log);
}

/*
 * The same, but the close only comes when the next MAIL FROM arrives, so
 * libcurl reuses the connection and gets no reply (receive error, code
 * 0): the transport must send that message again on a new connection.
 * Without the retry, a third of the messages would fail.
 */
static void
test_disconnect_late_retried(void **state)
{
	const char *extra[] = { "--disconnect-after", "3",
	    "--disconnect-late", NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[45];
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 45, out, &log);
	assert_int_equal(count_code(out, 45, 250), 45);
	assert_log_matches(log, out, 45);
	/* The server dropped reused connections at MAIL: the retries ran. */
	print_message("%zu connections dropped at MAIL and retried\n",
	    log_count(log, "dropped", 0));
	assert_true(log_count(log, "dropped", 0) >= 10);
	json_decref(log);
}

/* The connection dropped in the middle of every 5th DATA: those messages
 * get code 0 (try again later), are not retried (the server had answered
 * MAIL, RCPT and DATA), and nothing crashes; the others are delivered. */
static void
test_disconnect_in_data(void **state)
{
	const char *extra[] = { "--disconnect-in-data", "5", NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[20];
	size_t i;
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 20, out, &log);
	assert_int_equal(count_code(out, 20, 0), 4);
	assert_int_equal(count_code(out, 20, 250), 16);
	assert_int_equal(log_count(log, "dropped", 0), 4);
	for (i = 0; i < 20; i++)
		if (out[i].r.code == 0)
			assert_contains(out[i].r.reply, "(curl ");
	assert_log_matches(log, out, 20);
	json_decref(log);
}

/* A server slower than the timeout: code 0 within bounded time. */
static void
test_slow_timeout(void **state)
{
	const char *extra[] = { "--slow", "1500", NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[2];
	double t0 = now_ms();
	json_t *log;

	(void)state;
	o.connect_timeout_ms = 400;
	o.timeout_ms = 400;
	smtpd_run("smtp", extra, &o, 2, out, &log);
	assert_int_equal(count_code(out, 2, 0), 2);
	assert_contains(out[0].r.reply, "(curl 28)");
	assert_true(out[0].r.ms >= 350 && out[0].r.ms < 1400);
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* Slow but within the timeout, which covers each message: delivered. */
static void
test_slow_within_timeout(void **state)
{
	const char *extra[] = { "--slow", "40", NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[3];
	json_t *log;

	(void)state;
	o.timeout_ms = 3000;
	smtpd_run("smtp", extra, &o, 3, out, &log);
	assert_int_equal(count_code(out, 3, 250), 3);
	assert_log_matches(log, out, 3);
	json_decref(log);
}

/* "421 slow down" to a share of MAIL FROM: 421 with its text. */
static void
test_slowdown(void **state)
{
	const char *extra[] = { "--slowdown-share", "0.3", "--seed", "5",
	    NULL };
	struct smtp_opts o = base_opts(2);
	struct outcome out[40];
	size_t i, n421;
	json_t *log;

	(void)state;
	smtpd_run("smtp", extra, &o, 40, out, &log);
	n421 = count_code(out, 40, 421);
	assert_true(n421 > 0);
	assert_int_equal(n421 + count_code(out, 40, 250), 40);
	assert_int_equal(n421, log_count(log, "rejected", 421));
	for (i = 0; i < 40; i++)
		if (out[i].r.code == 421)
			assert_string_equal(out[i].r.reply,
			    "421 4.7.0 slow down");
	assert_log_matches(log, out, 40);
	json_decref(log);
}

/* ---- TLS ------------------------------------------------------------ */

/* STARTTLS required, the server has none: failure, nothing sent in
 * plain text. */
static void
test_starttls_missing(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	o.tls = SMTP_TLS_STARTTLS;
	smtpd_run("smtp", extra, &o, 1, out, &log);
	assert_int_equal(out[0].r.code, 0);
	/* A setting, named with its fix: no later run can mend it. */
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "does not offer STARTTLS: set "
	    "smtp_tls = off for a local relay, or use smtps://");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* Runs one message against a STARTTLS (or smtps) server with o. */
static void
tls_run(const char *mode, struct smtp_opts *o, struct outcome *out,
    json_t **log)
{
	const char *extra[] = { mode, env.cert, env.key, NULL };

	NEED_OPENSSL();
	smtpd_run(strcmp(mode, "--smtps") == 0 ? "smtps" : "smtp", extra, o,
	    1, out, log);
}

static void
test_starttls_ok(void **state)
{
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	o.tls = SMTP_TLS_STARTTLS;
	o.cafile = env.cert;
	tls_run("--starttls", &o, out, &log);
	assert_int_equal(out[0].r.code, 250);
	assert_log_matches(log, out, 1);
	json_decref(log);
}

/* The server's self-signed certificate is not in the system's store. */
static void
test_starttls_untrusted(void **state)
{
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	o.tls = SMTP_TLS_STARTTLS;
	tls_run("--starttls", &o, out, &log);
	assert_int_equal(out[0].r.code, 0);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "is not trusted");
	assert_contains(out[0].r.reply, "set smtp_cafile");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* A certificate for another name: the server's is for localhost and
 * 127.0.0.1; ask for it as 127.0.0.2, which also reaches it. */
static void
test_starttls_other_name(void **state)
{
	struct smtp_opts o = base_opts(1);
	const char *extra[] = { "--bind", "0.0.0.0", "--starttls", env.cert,
	    env.key, NULL };
	struct outcome out[1];
	json_t *log;

	(void)state;
	NEED_OPENSSL();
	NEED_AIOSMTPD();
	start_smtpd(extra);
	snprintf(srv.url, sizeof(srv.url), "smtp://127.0.0.2:%d", srv.port);
	o.url = srv.url;
	o.tls = SMTP_TLS_STARTTLS;
	o.cafile = env.cert;
	deliver_with(&o, 1, out);
	log = log_load();
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "is for another name");
	assert_contains(out[0].r.reply, "smtp_url");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* A cafile that does not hold the server's certificate. */
static void
test_starttls_wrong_ca(void **state)
{
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	o.tls = SMTP_TLS_STARTTLS;
	o.cafile = env.other;
	tls_run("--starttls", &o, out, &log);
	assert_int_equal(out[0].r.code, 0);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "certificate");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* TLS off against a server that requires STARTTLS: its 530 is a
 * setting (smtp_tls), not a login. */
static void
test_tls_off_refused(void **state)
{
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	tls_run("--starttls", &o, out, &log);
	assert_int_equal(out[0].r.code, 530);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "wants STARTTLS first (530 ");
	assert_contains(out[0].r.reply, "set smtp_tls = starttls");
	json_decref(log);
}

static void
test_smtps_ok(void **state)
{
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	o.cafile = env.cert;
	tls_run("--smtps", &o, out, &log);
	assert_int_equal(out[0].r.code, 250);
	assert_log_matches(log, out, 1);
	json_decref(log);
}

/* smtps:// against a plain-text server: the TLS handshake fails on
 * every try, which only the URL mends: the run stops (a setting), with
 * the URL that works. */
static void
test_smtps_plaintext(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	smtpd_run("smtps", extra, &o, 1, out, &log);
	assert_int_equal(out[0].r.code, 0);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "answers in plain text, not TLS: "
	    "use smtp://127.0.0.1:");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* smtp:// against a port that waits for a TLS handshake: no greeting
 * comes (here for timeout_ms); a setting too, named the same way. */
static void
test_smtp_tls_port(void **state)
{
	const char *extra[] = { "--smtps", env.cert, env.key, NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	json_t *log;

	(void)state;
	NEED_OPENSSL();
	o.timeout_ms = 1000;
	smtpd_run("smtp", extra, &o, 1, out, &log);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "expects TLS from the first byte: "
	    "use smtps://127.0.0.1:");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* ---- AUTH ----------------------------------------------------------- */

/* AUTH with mechanism mech offered only, and password pw; checks the
 * server saw that mechanism and that no reply shows the password. */
static void
auth_run(const char *mech, const char *pw, size_t n, struct outcome *out,
    json_t **log)
{
	const char *extra[] = { "--auth", USER ":" PASSWORD, "--auth-mechs",
	    mech, NULL };
	struct smtp_opts o = base_opts(1);
	size_t i;
	json_t *ev;

	o.user = USER;
	o.password = pw;
	smtpd_run("smtp", extra, &o, n, out, log);
	assert_no_password(out, n);
	assert_true(log_count(*log, "auth", 0) >= 1);
	json_array_foreach(*log, i, ev)
		if (ev_is(ev, "auth"))
			assert_string_equal(json_string_value(
			    json_object_get(ev, "mechanism")), mech);
}

static void
test_auth_plain(void **state)
{
	struct outcome out[5];
	json_t *log;

	(void)state;
	auth_run("PLAIN", PASSWORD, 5, out, &log);
	assert_int_equal(count_code(out, 5, 250), 5);
	/* One AUTH: the connection, authenticated, is reused. */
	assert_int_equal(log_count(log, "auth", 0), 1);
	assert_log_matches(log, out, 5);
	json_decref(log);
}

static void
test_auth_login(void **state)
{
	struct outcome out[2];
	json_t *log;

	(void)state;
	auth_run("LOGIN", PASSWORD, 2, out, &log);
	assert_int_equal(count_code(out, 2, 250), 2);
	json_decref(log);
}

static void
test_auth_wrong_password(void **state)
{
	struct outcome out[2];
	json_t *log;

	(void)state;
	auth_run("PLAIN", "not-" PASSWORD, 2, out, &log);
	assert_int_equal(count_code(out, 2, 535), 2);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "refused the login of smtp_user '"
	    USER "' (535 5.7.8 Authentication credentials invalid)");
	assert_contains(out[0].r.reply, "smtp_password_file");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* A login is configured and the server offers none: libcurl would go
 * on without it; the transfer stops before its data ends, nothing is
 * delivered, and it is a setting. */
static void
test_auth_not_offered(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[2];
	json_t *log;

	(void)state;
	o.user = USER;
	o.password = PASSWORD;
	smtpd_run("smtp", extra, &o, 2, out, &log);
	assert_int_equal(out[0].r.fault, TRANSPORT_STOP_SETTING);
	assert_int_equal(out[1].r.fault, TRANSPORT_STOP_SETTING);
	assert_contains(out[0].r.reply, "does not offer AUTH and smtp_user "
	    "is set");
	assert_int_equal(log_count(log, "accepted", 0), 0);
	json_decref(log);
}

/* ---- options that smtp_open refuses --------------------------------- */

static void
assert_open_refused(const struct smtp_opts *o, const char *why)
{
	char err[ERR_LEN] = "";
	struct transport *t = smtp_open(o, err);

	if (t != NULL) {
		transport_close(t);
		fail_msg("smtp_open accepted '%s'", o->url);
	}
	assert_contains(err, why);
	if (strstr(err, PASSWORD) != NULL)
		fail_msg("the error shows the password: %s", err);
}

static void
test_open_refused(void **state)
{
	struct smtp_opts o;
	char err[ERR_LEN];
	struct transport *t;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.url = "smtp://digest:" PASSWORD "@192.0.2.1:25";
	assert_open_refused(&o, "must not hold a user name");
	o.url = "smtp://:" PASSWORD "@192.0.2.1:25";
	assert_open_refused(&o, "must not hold a password");
	o.url = "smtp://192.0.2.1:25/ehlo";
	assert_open_refused(&o, "must not have a path");
	o.url = "http://192.0.2.1/";
	assert_open_refused(&o, "not an smtp:// or smtps:// URL");
	o.url = "smtp://192.0.2.1:25";
	o.ehlo = "x%0d%0aRSET";
	assert_open_refused(&o, "is not a host name");
	o.ehlo = NULL;
	o.tls = SMTP_TLS_IMPLICIT;
	assert_open_refused(&o, "needs an smtps:// URL");
	o.tls = SMTP_TLS_OFF;
	o.user = USER;
	assert_open_refused(&o, "has no password");
	o.password = PASSWORD;
	assert_open_refused(&o, "refusing to send the SMTP password in plain "
	    "text to '192.0.2.1'");
	o.url = "smtp://127.example.org:25";
	assert_open_refused(&o, "in plain text to '127.example.org'");
	o.url = "smtp://192.0.2.1:25";
	o.connections = 65;
	o.tls = SMTP_TLS_STARTTLS;
	assert_open_refused(&o, "at most 64");
	/* STARTTLS, or a loopback host, may take the password. */
	o.connections = 4;
	assert_non_null(t = smtp_open(&o, err));
	assert_int_equal(t->capacity(t), 8);
	transport_close(t);
	o.tls = SMTP_TLS_OFF;
	o.url = "smtp://127.0.0.1:25";
	assert_non_null(t = smtp_open(&o, err));
	transport_close(t);
	/* transport_open picks the backend by the spec. */
	assert_non_null(t = transport_open("smtps://192.0.2.1", NULL, err));
	assert_string_equal(t->name, "smtp");
	transport_close(t);
}

/* ---- (c) submit refuses what could smuggle a command ---------------- */

static void
test_injection_refused(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[1];
	char err[ERR_LEN], *msg;
	struct transport *t;
	size_t len, ended = 0;
	json_t *log;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	memset(out, 0, sizeof(out));
	/* Each refused message is freed by submit (ASan checks). */
	msg = make_message(0, 0, &len);
	/* The recipient's or the message's fault: that message is refused;
	 * the sender's: no message can go (a setting). */
	assert_int_equal(t->submit(t, FROM, "a@b.c>\r\nRCPT TO:<evil@x.y",
	    msg, len, out, err), TRANSPORT_REFUSED);
	assert_contains(err, "recipient");
	msg = make_message(0, 0, &len);
	assert_int_equal(t->submit(t, "a@b.c>\r\nRCPT TO:<evil@x.y", "a@b.c",
	    msg, len, out, err), TRANSPORT_STOP_SETTING);
	assert_contains(err, "sender");
	msg = make_message(0, 0, &len);
	assert_int_equal(t->submit(t, FROM, "a b@c.d", msg, len, out, err),
	    TRANSPORT_REFUSED);
	/* UTF-8 goes (RFC 6531), but not a C1 control or a broken sequence,
	 * nor a non-ASCII line break. */
	msg = make_message(0, 0, &len);
	assert_int_equal(t->submit(t, FROM, "a\xc2\x85" "b@c.d", msg, len, out,
	    err), TRANSPORT_REFUSED);
	msg = make_message(0, 0, &len);
	assert_int_equal(t->submit(t, FROM, "a\xc3@c.d", msg, len, out, err),
	    TRANSPORT_REFUSED);
	msg = xstrdup("Subject: x\r\n\r\nhi\n.\nMAIL FROM:<e@x.y>\r\n");
	assert_int_equal(t->submit(t, FROM, "r@example.org", msg, strlen(msg),
	    out, err), TRANSPORT_REFUSED);
	assert_contains(err, "bare LF");
	msg = xstrdup("Subject: x\r\n\r\nhi\r.\r\n");
	assert_int_equal(t->submit(t, FROM, "r@example.org", msg, strlen(msg),
	    out, err), TRANSPORT_REFUSED);
	assert_contains(err, "bare CR");
	/* Found wherever they are: the check reads 8 bytes at a time. */
	for (size_t at = 0; at < 40; at++) {
		char *m = xstrdup("Subject: a long enough subject\r\n\r\n"
		    "body line\r\n");
		char want[64];

		/* A lone CR or LF at `at`, where it may have been half of a
		 * CRLF pair: the other half goes. */
		m[at] = at % 2 ? '\n' : '\r';
		if (m[at] == '\r' && m[at + 1] == '\n')
			m[at + 1] = 'x';
		if (m[at] == '\n' && at > 0 && m[at - 1] == '\r')
			m[at - 1] = 'y';
		snprintf(want, sizeof(want), "bare %s at byte %zu",
		    at % 2 ? "LF" : "CR", at);
		assert_int_equal(t->submit(t, FROM, "r@example.org", m,
		    strlen(m), out, err), TRANSPORT_REFUSED);
		assert_contains(err, want);
	}
	msg = xstrdup("Subject: x\r\n\r\nends in a bare CR\r");
	assert_int_equal(t->submit(t, FROM, "r@example.org", msg, strlen(msg),
	    out, err), TRANSPORT_REFUSED);
	assert_contains(err, "bare CR at byte 31");
	assert_int_equal(t->poll(t, 300, on_done, &ended), 0);
	assert_int_equal(ended, 0);
	transport_close(t);
	log = log_load();
	assert_int_equal(json_array_size(log), 0);	/* not even a connect */
	json_decref(log);
}

/* Two messages per connection may be in flight (one sent, the next
 * held ready): the third is refused. */
static void
test_capacity(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[3];
	char err[ERR_LEN], *msg, to[64];
	struct transport *t;
	size_t i, len, ended = 0;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	memset(out, 0, sizeof(out));
	assert_int_equal(t->capacity(t), 2);
	for (i = 0; i < 3; i++) {
		rcpt_of(i, to, sizeof(to));
		msg = make_message(i, 0, &len);
		assert_int_equal(t->submit(t, FROM, to, msg, len, &out[i],
		    err), i < 2 ? 0 : TRANSPORT_STOP);
	}
	assert_contains(err, "busy");
	while (t->poll(t, 1000, on_done, &ended) > 0)
		;
	assert_int_equal(ended, 2);
	assert_int_equal(out[0].r.code, 250);
	assert_int_equal(out[1].r.code, 250);
	assert_int_equal(out[2].reported, 0);
	transport_close(t);
}

/*
 * The gate: once the server has accepted a message, the connection's
 * next one goes no further than its last byte until the first is
 * recorded (settle), so a crash leaves at most one accepted message per
 * connection unrecorded. The server's own log says when each was
 * accepted.
 */
static void
test_gate(void **state)
{
	const char *extra[] = { NULL };
	struct smtp_opts o = base_opts(1);
	struct outcome out[2];
	char err[ERR_LEN], *msg, to[64];
	struct transport *t;
	size_t i, len, ended = 0;
	json_t *log;

	(void)state;
	NEED_AIOSMTPD();
	start_smtpd(extra);
	o.url = server_url("smtp");
	t = open_or_fail(&o);
	memset(out, 0, sizeof(out));
	for (i = 0; i < 2; i++) {
		rcpt_of(i, to, sizeof(to));
		msg = make_message(i, 200, &len);
		assert_int_equal(t->submit(t, FROM, to, msg, len, &out[i],
		    err), 0);
	}
	/* The first report, and nothing said about recording it. */
	while (ended == 0)
		t->poll(t, 1000, on_done, &ended);
	assert_int_equal(ended, 1);
	assert_int_equal(out[0].r.code, 250);
	usleep(500000);
	log = log_load();
	assert_int_equal(log_deliveries(log, 0), 1);
	assert_int_equal(log_deliveries(log, 1), 0);
	assert_int_equal(log_count(log, "accepted", 0), 1);
	json_decref(log);
	assert_int_equal(out[1].reported, 0);
	t->settle(t);
	while (t->poll(t, 1000, on_done, &ended) > 0)
		;
	assert_int_equal(out[1].r.code, 250);
	transport_close(t);
	log = log_load();
	assert_log_matches(log, out, 2);
	json_decref(log);
}

/* ---- (d) the password ----------------------------------------------- */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_password_load(void **state)
{
	char path[4400], err[ERR_LEN], *pw = NULL, want[2 * ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/password", srv.dir);
	/* Nothing configured: no password, no error. */
	assert_int_equal(smtp_password_load(NULL, &pw, err), 0);
	assert_null(pw);
	/* A 0600 file: its first line, without the line end. */
	write_file(path, PASSWORD "\r\nsecond line\n", 0600);
	assert_int_equal(smtp_password_load(path, &pw, err), 0);
	assert_string_equal(pw, PASSWORD);
	free(pw);
	/* Named by the environment instead. */
	setenv("DIGEST_SMTP_PASSWORD_FILE", path, 1);
	assert_int_equal(smtp_password_load(NULL, &pw, err), 0);
	assert_string_equal(pw, PASSWORD);
	free(pw);
	/* The environment's password wins over any file. */
	setenv("DIGEST_SMTP_PASSWORD", "from-env", 1);
	assert_int_equal(smtp_password_load(path, &pw, err), 0);
	assert_string_equal(pw, "from-env");
	free(pw);
	unsetenv("DIGEST_SMTP_PASSWORD");
	/* Readable by others, or by the group: refused, and said why. */
	write_file(path, PASSWORD "\n", 0644);
	assert_int_equal(smtp_password_load(path, &pw, err), -1);
	assert_null(pw);
	snprintf(want, sizeof(want), "'%.200s' can be read by others: chmod "
	    "600 %.200s", path, path);
	assert_string_equal(err, want);
	chmod(path, 0640);
	assert_int_equal(smtp_password_load(path, &pw, err), -1);
	assert_null(strstr(err, PASSWORD));
	/* An empty first line is no password. */
	write_file(path, "\n" PASSWORD "\n", 0600);
	assert_int_equal(smtp_password_load(path, &pw, err), -1);
	assert_contains(err, "holds no password");
	/* A missing file. */
	unlink(path);
	assert_int_equal(smtp_password_load(path, &pw, err), -1);
	assert_contains(err, "cannot open password file");
	assert_contains(err, "No such file");
	assert_null(pw);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_sink_one_connection),
		T(test_sink_four_connections),
		T(test_data_intact),
		T(test_rcpt_4xx),
		T(test_data_4xx),
		T(test_reject),
		T(test_disconnect_after),
		T(test_disconnect_late_retried),
		T(test_disconnect_in_data),
		T(test_slow_timeout),
		T(test_slow_within_timeout),
		T(test_slowdown),
		T(test_starttls_missing),
		T(test_starttls_ok),
		T(test_starttls_untrusted),
		T(test_starttls_wrong_ca),
		T(test_starttls_other_name),
		T(test_tls_off_refused),
		T(test_smtps_ok),
		T(test_smtps_plaintext),
		T(test_smtp_tls_port),
		T(test_auth_plain),
		T(test_auth_login),
		T(test_auth_wrong_password),
		T(test_auth_not_offered),
		T(test_smtputf8_offered),
		T(test_smtputf8_not_offered),
		T(test_sender_refused),
		T(test_size_refused),
		T(test_data_refused),
		T(test_cancel),
		T(test_open_refused),
		T(test_injection_refused),
		T(test_capacity),
		T(test_gate),
		T(test_password_load),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

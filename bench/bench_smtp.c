/*
 * The smtp transport alone: 20,000 pre-built 25 KB messages into
 * Postfix's smtp-sink over 1 and over 4 connections, against the ceiling
 * of Postfix's smtp-source sending as many messages of the same size into
 * the same kind of sink (with -d, so that it too keeps its connections:
 * without it, it would open one per message). Each run gets a fresh sink
 * on a free port of 127.0.0.1, killed when the run ends; the sink's
 * counters (-c) confirm every message arrived.
 *
 * bench/run.sh pins this program to CPU 0, and the sink and smtp-source
 * inherit that: both clients share one core with their sink. (Moving the
 * sink to another CPU made both five times slower on the 2-CPU VM this
 * was written on: every reply then costs a cross-CPU wake-up.)
 */
#include "bench.h"
#include "smtp.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SMTP_SINK "/usr/sbin/smtp-sink"
#define SMTP_SOURCE "/usr/sbin/smtp-source"
#define MESSAGES 20000
#define PAYLOAD 25600		/* smtp-source -l: bytes after the headers */
#define TARGET_PERCENT 80.0
#define RUNS 3
#define FROM "news@digest.test"
#define LINE 76			/* text per line, before CRLF */

extern char **environ;

struct sink {
	pid_t pid;
	int port;
	char out[64];		/* the file its counters (-c) go to */
};

/* Whether something accepts connections on 127.0.0.1:port. */
static int
port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Starts smtp-sink on a free port, counters to a file: 0, or -1. */
static int
sink_start(struct sink *s)
{
	char addr[64];
	char *argv[] = { SMTP_SINK, "-c", "-u", "nobody", addr, "1000",
	    NULL };
	posix_spawn_file_actions_t fa;
	double t0 = util_monotonic();
	int rc;

	if (geteuid() != 0) {	/* -u is for root only */
		argv[2] = addr;
		argv[3] = "1000";
		argv[4] = NULL;
	}
	s->port = bench_free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
	snprintf(s->out, sizeof(s->out), "smtp-sink.%d.out", s->port);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, s->out,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = posix_spawn(&s->pid, SMTP_SINK, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (!port_open(s->port)) {
		if (util_monotonic() - t0 > 5)
			return -1;
		usleep(10000);
	}
	return 0;
}

/* The last message count smtp-sink printed, or -1. */
static long long
sink_messages(const struct sink *s)
{
	char err[ERR_LEN], *data, *p, *last = NULL;
	long long n = -1;
	size_t len;

	if (util_read_file(s->out, 1u << 26, &data, &len, err) == -1)
		return -1;
	for (p = data; (p = strstr(p, "mesg=")) != NULL; p++)
		last = p;
	if (last != NULL && sscanf(last, "mesg=%lld", &n) != 1)
		n = -1;
	free(data);
	return n;
}

/* Kills the sink and reaps it; the messages it counted. */
static long long
sink_stop(struct sink *s)
{
	long long n;

	usleep(200000);		/* its last counters, after our QUITs */
	n = sink_messages(s);
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
		;
	unlink(s->out);
	return n;
}

/* ---- our transport -------------------------------------------------- */

/* Message i: a digest-like header block and PAYLOAD bytes of text in
 * CRLF lines (one starting with a dot, for libcurl to stuff). Returns an
 * allocated buffer; caller frees (or hands it to submit). */
static char *
make_message(size_t i, uint64_t *rnd, size_t *len)
{
	static const char *words[] = { "digest", "weekly", "article",
	    "council", "market", "science", "match", "release", "travel",
	    "history", "the", "a", "of", "and", "to", "in", "with", "news" };
	size_t nwords = sizeof(words) / sizeof(words[0]), cap, n, col = 0;
	char *m;

	cap = PAYLOAD + 1024;
	m = xmalloc(cap);
	n = (size_t)snprintf(m, cap, "Message-ID: <%zu.bench@digest.test>\r\n"
	    "Date: Mon, 23 Nov 2026 07:00:00 +0000\r\nFrom: Digest <" FROM
	    ">\r\nTo: <s%zu@example.org>\r\nSubject: Your weekly digest\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n.signature follows\r\n",
	    i, i);
	while (n < cap - 1024 + 200) {
		const char *w = words[bench_rand(rnd) % nwords];
		size_t wl = strlen(w);

		if (col + wl + 1 > LINE) {
			memcpy(m + n, "\r\n", 2);
			n += 2;
			col = 0;
		} else if (col > 0) {
			m[n++] = ' ';
			col++;
		}
		memcpy(m + n, w, wl);
		n += wl;
		col += wl;
	}
	memcpy(m + n, "\r\n", 2);
	*len = n + 2;
	return m;
}

static void
count_done(void *tag, const struct transport_result *r, void *arg)
{
	size_t *ok = arg;

	(void)tag;
	if (r->code == 250)
		ok[0]++;
	else if (ok[1]++ == 0)
		fprintf(stderr, "bench_smtp: %d %s\n", r->code, r->reply);
}

/* Sends the messages through a transport of `conns` connections into
 * port; the seconds it took, or -1 when a message was not delivered. */
static double
run_transport(int port, size_t conns, char **msgs, size_t *lens)
{
	struct smtp_opts o;
	struct transport *t;
	char url[64], err[ERR_LEN];
	size_t next = 0, inflight = 0, ended[2] = { 0, 0 };
	double t0;

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.ehlo = "digest.test";
	o.connections = conns;
	if ((t = smtp_open(&o, err)) == NULL) {
		fprintf(stderr, "bench_smtp: %s\n", err);
		return -1;
	}
	t0 = util_monotonic();
	while (ended[0] + ended[1] < MESSAGES) {
		while (next < MESSAGES && inflight < t->capacity(t)) {
			if (t->submit(t, FROM, "s@example.org", msgs[next],
			    lens[next], NULL, err) == -1) {
				fprintf(stderr, "bench_smtp: %s\n", err);
				ended[1]++;
			}
			msgs[next++] = NULL;	/* the transport's now */
			inflight++;
		}
		inflight = t->poll(t, 1000, count_done, ended);
	}
	t0 = util_monotonic() - t0;
	transport_close(t);
	return ended[1] == 0 ? t0 : -1;
}

/* ---- smtp-source ---------------------------------------------------- */

/* smtp-source -d (connections kept) with `conns` sessions: the seconds
 * it took, or -1. */
static double
run_source(int port, size_t conns)
{
	char addr[64], count[16], sessions[16], length[16];
	char *argv[] = { SMTP_SOURCE, "-d", "-l", length, "-m", count, "-s",
	    sessions, "-M", "digest.test", "-f", FROM, "-t", "s@example.org",
	    addr, NULL };
	posix_spawn_file_actions_t fa;
	double t0 = util_monotonic();
	int rc, status;
	pid_t pid;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(count, sizeof(count), "%d", MESSAGES);
	snprintf(sessions, sizeof(sessions), "%zu", conns);
	snprintf(length, sizeof(length), "%d", PAYLOAD);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, SMTP_SOURCE, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	t0 = util_monotonic() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t0 : -1;
}

/* ---- figures -------------------------------------------------------- */

/* One sink, one run: msgs/s, or -1 (said on stderr) when the run or the
 * sink's count failed. */
static double
measure(const char *who, size_t conns, char **msgs, size_t *lens)
{
	struct sink s;
	double secs;
	long long got;

	if (sink_start(&s) == -1) {
		fprintf(stderr, "bench_smtp: cannot start %s\n", SMTP_SINK);
		return -1;
	}
	secs = msgs != NULL ? run_transport(s.port, conns, msgs, lens) :
	    run_source(s.port, conns);
	got = sink_stop(&s);
	if (secs <= 0 || got != MESSAGES) {
		fprintf(stderr, "bench_smtp: %s, %zu connections: %s, the sink "
		    "counted %lld of %d messages\n", who, conns, secs <= 0 ?
		    "failed" : "ran", got, MESSAGES);
		return -1;
	}
	return MESSAGES / secs;
}

/* The middle of n values (sorts them). */
static double
median(double *v, int n)
{
	int i, j;
	double x;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

/* Builds MESSAGES messages (outside the timing) into msgs. */
static size_t
build_messages(char **msgs, size_t *lens)
{
	uint64_t rnd = 0x9E3779B97F4A7C15ull;
	size_t i, bytes = 0;

	for (i = 0; i < MESSAGES; i++) {
		msgs[i] = make_message(i, &rnd, &lens[i]);
		bytes += lens[i];
	}
	return bytes;
}

/* RUNS runs of each client at conns connections, alternating, so that
 * load from elsewhere hits both alike; the medians in *ours, *source.
 * 0, or -1. */
static int
measure_both(size_t conns, double *ours, double *source, size_t *bytes)
{
	char **msgs = xcalloc(MESSAGES, sizeof(*msgs));
	size_t *lens = xcalloc(MESSAGES, sizeof(*lens)), i;
	double o[RUNS], s[RUNS];
	int r, rc = 0;

	for (r = 0; r < RUNS && rc == 0; r++) {
		*bytes = build_messages(msgs, lens);
		s[r] = measure("smtp-source", conns, NULL, NULL);
		o[r] = measure("digest", conns, msgs, lens);
		for (i = 0; i < MESSAGES; i++)
			free(msgs[i]);	/* those a failed run left */
		if (o[r] < 0 || s[r] < 0)
			rc = -1;
	}
	free(msgs);
	free(lens);
	if (rc == 0) {
		*ours = median(o, RUNS);
		*source = median(s, RUNS);
	}
	return rc;
}

/* Measures both clients at conns connections and reports. 0, or -1. */
static int
bench_connections(size_t conns)
{
	const char *s = conns > 1 ? "s" : "";
	char name[64], det[200];
	double ours, source;
	size_t bytes;

	if (measure_both(conns, &ours, &source, &bytes) == -1)
		return -1;
	snprintf(det, sizeof(det), "smtp-source -d -l %d, %zu session%s, "
	    "into smtp-sink, median of %d: the ceiling", PAYLOAD, conns, s,
	    RUNS);
	snprintf(name, sizeof(name), "smtp_source_%zuconn", conns);
	bench_report(name, source, "msgs/s", 0, 1, det);
	snprintf(det, sizeof(det), "%d messages of %.1f KB, %zu connection%s,"
	    " into smtp-sink, median of %d", MESSAGES,
	    bytes / 1024.0 / MESSAGES, conns, s, RUNS);
	snprintf(name, sizeof(name), "smtp_transport_%zuconn", conns);
	bench_report(name, ours, "msgs/s", source * TARGET_PERCENT / 100, 1,
	    det);
	snprintf(det, sizeof(det), "%.0f vs %.0f msgs/s, %zu connection%s",
	    ours, source, conns, s);
	snprintf(name, sizeof(name), "smtp_vs_smtp_source_%zuconn", conns);
	bench_report(name, 100 * ours / source, "%", TARGET_PERCENT, 1, det);
	return 0;
}

int
main(void)
{
	int rc = 0;

	if (access(SMTP_SINK, X_OK) != 0 || access(SMTP_SOURCE, X_OK) != 0) {
		printf("bench smtp: skipped (%s or %s not found)\n", SMTP_SINK,
		    SMTP_SOURCE);
		return 0;
	}
	setenv("no_proxy", "*", 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bench_connections(1) == -1 || bench_connections(4) == -1)
		rc = 1;
	curl_global_cleanup();
	return rc;
}

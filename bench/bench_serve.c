/*
 * The signup backend: `digest serve --no-rate-limit` on a free loopback
 * port with a fresh database, and wrk posting the signup form with a new
 * address per request (bench/serve_signup.lua). Figures: signups/s and
 * p99 latency over SERVE_RUNS runs (the median, the range in the
 * details), whether every 2xx answer's signup is in the database, and the
 * server's memory early and late in one long run.
 *
 * New and known addresses (issue 14, "same answer, same work"): on a
 * store that holds pending and confirmed subscribers, signups of new,
 * pending and confirmed addresses in a shuffled order, each address
 * once, one at a time (what someone probing a quiet server sees) and
 * then over TIMING_LOAD_CONNS connections at once. Figures: the median
 * response of each kind side by side, the gap between new and known,
 * and whether every answer was the same page but for the address.
 *
 * The confirmation mails are real too: the server's mail thread writes
 * every one into an outbox on tmpfs (/dev/shm) while the bench, between
 * its samples of /proc, deletes what has arrived. So the mail thread
 * competes for the cores and the write lock as it would in production,
 * and a million mails never sit on a disk.
 */
#include "bench.h"
#include "db.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <poll.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define WRK "/usr/bin/wrk"
#define SERVE_RUNS 3
#define SERVE_SECONDS 10
#define SERVE_THREADS "1"
#define SERVE_CONNECTIONS "32"
#define BENCH_STR_(x) #x
#define BENCH_STR(x) BENCH_STR_(x)
#define LONG_SIGNUPS 1000000
#define LONG_SECONDS_MAX 270	/* the whole bench stays near 6 minutes */
#define INFLIGHT_MAX 65536
/* New and known addresses: how many signups of each kind (new, pending,
 * confirmed), one at a time and then over TIMING_LOAD_CONNS connections. */
#define TIMING_QUIET_EACH 1000
#define TIMING_LOAD_EACH 3000
#define TIMING_LOAD_CONNS 16
#define TIMING_KINDS 3
#define TIMING_GAP_MAX 10	/* %: the known median within this of new */
#define TIMING_ANSWER_MAX 65536

/* What one wrk run saw, from serve_signup.lua's done(). */
struct run {
	long ok, bad, requests, errors;
	double seconds;
	double p50, p99, p999, max;	/* ms */
	char inflight[INFLIGHT_MAX];	/* addresses, comma-separated */
	/* Checked in the database afterwards. */
	long rows, queued, inflight_rows;
	/* /proc/PID/status of the server, kB: resident, its peak, and of
	 * the resident the heap's part and the mapped file's (SQLite's
	 * mmap of the database). */
	long rss_early, hwm_early, anon_early, file_early;
	long rss_late, hwm_late, anon_late, file_late;
	long signups_early;
};

static int
port_open(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static void
write_conf(const char *path, const char *top, int port, const char *outbox)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		exit(1);
	fprintf(f, "name = Bench News\nfrom_address = news@bench.example.org\n"
	    "base_url = http://127.0.0.1:%d\ntemplates = %s/templates\n"
	    "outbox = %s\ntopics = science, climate, politics\n"
	    "message_id_domain = bench.example.org\n", port, top, outbox);
	fclose(f);
}

static void
remove_db(const char *db)
{
	char p[512];

	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

/* Starts the server on port with the database db (made afresh when
 * fresh is set): its pid, or -1. */
static pid_t
start_server(const char *digest, int port, const char *db, int fresh)
{
	char listen[64];
	pid_t pid;
	int i;

	if (fresh)
		remove_db(db);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	pid = fork();
	if (pid == 0) {
		int log = open("bench_serve.log", O_WRONLY | O_CREAT |
		    O_APPEND, 0644);

		dup2(log, 2);
		execl(digest, digest, "--config", "bench_serve.conf", "--db", db,
		    "serve", "--no-rate-limit", "--listen", listen, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (port_open(port))
			return pid;
		usleep(50000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

/* The server's memory: VmRSS, VmHWM, RssAnon and RssFile in kB. */
static void
read_rss(pid_t pid, long *rss, long *hwm, long *anon, long *file)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "RssAnon:", 8) == 0)
			*anon = strtol(line + 8, NULL, 10);
		else if (strncmp(line, "RssFile:", 8) == 0)
			*file = strtol(line + 8, NULL, 10);
	}
	fclose(f);
}

/* Deletes the confirmation mails that have arrived; how many. */
static long
sweep_outbox(const char *dir)
{
	char path[4096];
	struct dirent *e;
	size_t n;
	long count = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".eml") == 0 &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path) && unlink(path) == 0)
			count++;
	}
	closedir(d);
	return count;
}

/* Rows in the database now (the server's commits are visible to a new
 * connection). */
static long
count_rows(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

/* How many of the comma-separated addresses list are subscribers. */
static long
count_listed(const char *db, const char *list)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = 0;

	if (*list == '\0')
		return 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	/* The list goes in as one bound value, split by a recursive CTE. */
	if (sqlite3_prepare_v2(h, "WITH RECURSIVE s(e, rest) AS (SELECT '', "
	    "?1 || ',' UNION ALL SELECT substr(rest, 1, instr(rest, ',') - 1), "
	    "substr(rest, instr(rest, ',') + 1) FROM s WHERE rest <> '') "
	    "SELECT count(*) FROM subscriber WHERE email IN (SELECT e FROM s "
	    "WHERE e <> '')", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
		n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
		    -1;
		sqlite3_finalize(st);
	} else {
		n = -1;
	}
	sqlite3_close(h);
	return n;
}

static int
parse_wrk(const char *path, struct run *r)
{
	char line[INFLIGHT_MAX + 64];
	long connect = 0, rd = 0, wr = 0, status = 0, timeout = 0, us = 0;
	long p50 = 0, p99 = 0, p999 = 0, max = 0;
	int got = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "bench ok=%ld bad=%ld requests=%ld us=%ld "
		    "connect=%ld read=%ld write=%ld status=%ld timeout=%ld",
		    &r->ok, &r->bad, &r->requests, &us, &connect, &rd, &wr,
		    &status, &timeout) == 9)
			got |= 1;
		else if (sscanf(line, "bench p50=%ld p90=%*d p99=%ld p999=%ld "
		    "max=%ld", &p50, &p99, &p999, &max) == 4)
			got |= 2;
		else if (strncmp(line, "bench inflight=", 15) == 0) {
			size_t n = strlen(line + 15);

			if (n >= sizeof(r->inflight))
				n = sizeof(r->inflight) - 1;
			memcpy(r->inflight, line + 15, n);
			r->inflight[n] = '\0';
			got |= 4;
		}
	}
	fclose(f);
	r->errors = connect + rd + wr + status + timeout;
	r->seconds = us / 1e6;
	r->p50 = p50 / 1e3;
	r->p99 = p99 / 1e3;
	r->p999 = p999 / 1e3;
	r->max = max / 1e3;
	return got == 7 ? 0 : -1;
}

/*
 * One wrk run of seconds against a fresh server; while it runs, the
 * outbox is swept and the server's memory read every half second. The
 * "early" memory is taken once early_signups have been committed.
 */
static int
run_once(const char *digest, const char *top, const char *outbox, int port,
    int seconds, long early_signups, struct run *r)
{
	char url[64], dur[32], script[4096], confirm[4200];
	const char *db = "bench_serve.db";
	pid_t server, wrk;
	int st, rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/subscribe", port);
	snprintf(dur, sizeof(dur), "%ds", seconds);
	snprintf(script, sizeof(script), "%s/bench/serve_signup.lua", top);
	snprintf(confirm, sizeof(confirm), "%s/confirm", outbox);
	if ((server = start_server(digest, port, db, 1)) == -1) {
		fprintf(stderr, "bench_serve: the server did not start: see "
		    "bench_serve.log\n");
		return -1;
	}
	wrk = fork();
	if (wrk == 0) {
		int out = open("bench_serve.wrk", O_WRONLY | O_CREAT | O_TRUNC,
		    0644);

		dup2(out, 1);
		execl(WRK, WRK, "-t" SERVE_THREADS, "-c" SERVE_CONNECTIONS, "-d",
		    dur, "--timeout", "5s", "-s", script, url, (char *)NULL);
		_exit(127);
	}
	while (waitpid(wrk, &st, WNOHANG) == 0) {
		usleep(500000);
		sweep_outbox(confirm);
		if (r->hwm_early == 0 && early_signups > 0 &&
		    (r->signups_early = count_rows(db,
		    "SELECT max(id) FROM subscriber")) >= early_signups)
			read_rss(server, &r->rss_early, &r->hwm_early,
			    &r->anon_early, &r->file_early);
		read_rss(server, &r->rss_late, &r->hwm_late, &r->anon_late,
		    &r->file_late);
	}
	read_rss(server, &r->rss_late, &r->hwm_late, &r->anon_late,
	    &r->file_late);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	sweep_outbox(confirm);
	rc = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? parse_wrk(
	    "bench_serve.wrk", r) : -1;
	if (rc == -1) {
		fprintf(stderr, "bench_serve: wrk failed: see bench_serve.wrk\n");
		return -1;
	}
	r->rows = count_rows(db, "SELECT count(*) FROM subscriber");
	r->queued = count_rows(db, "SELECT count(*) FROM mail_queue");
	r->inflight_rows = count_listed(db, r->inflight);
	remove_db(db);
	return 0;
}

/* Signups whose 2xx answer has no row, non-2xx answers and socket errors:
 * anything but 0 is a failure. Every row also needs its queued mail. */
static long
run_lost(const struct run *r)
{
	return (r->ok - (r->rows - r->inflight_rows)) + r->bad + r->errors +
	    (r->queued != r->rows);
}

/* ---- new and known addresses ------------------------------------- */

static const char *const timing_kinds[TIMING_KINDS] = {
	"new", "pending", "confirmed",
};

/* What the timing client saw. */
struct timing {
	double *ms[TIMING_KINDS];	/* owned: each answer's time, by kind */
	long n[TIMING_KINDS];
	long same, differ;	/* answers: the first page but for the address */
	long bad;		/* answers other than 200, closed connections */
	char *page;		/* owned: the first page, its address cut out */
};

/* One connection of the timing client and the signup in flight on it. */
struct timing_conn {
	int fd;
	int kind;
	char addr[64];
	double sent;
	int busy;			/* a signup is in flight */
	char in[TIMING_ANSWER_MAX];
	size_t len;
};

/* Signup i of kind k: each address is used once, so that every known
 * one gets its mail as a new one does (signup.h's limits would spare a
 * second signup of the same address its mail). */
static void
timing_addr(char *out, size_t size, int kind, long i)
{
	snprintf(out, size, "%s-%ld@example.org", timing_kinds[kind], i);
}

/* A fresh store holding n pending and n confirmed subscribers, put
 * there as `digest subscribers import` puts them: 0, or -1. */
static int
timing_store(const char *path, long n)
{
	struct store_subscriber sub;
	char err[ERR_LEN] = "", addr[64];
	sqlite3 *db;
	long i;
	int k, rc = 0;

	remove_db(path);
	if ((db = db_open(path, err)) == NULL || db_begin(db, err) == -1)
		rc = -1;
	for (k = 1; k < TIMING_KINDS && rc == 0; k++) {
		for (i = 0; i < n && rc == 0; i++) {
			store_subscriber_init(&sub);
			timing_addr(addr, sizeof(addr), k, i);
			sub.email = xstrdup(addr);
			sub.status = k == 1 ? STORE_PENDING : STORE_CONFIRMED;
			store_subscriber_tag_add(&sub, "science", 7);
			if (store_subscriber_put(db, &sub, err) == -1)
				rc = -1;
			store_subscriber_release(&sub);
		}
	}
	if (rc == 0 && db_commit(db, err) == -1)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "bench_serve: making the store: %s\n", err);
	db_close(db);
	return rc;
}

static int
timing_connect(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends the signup of c->addr on c's connection: 0, or -1. */
static int
timing_send(struct timing_conn *c, int port)
{
	char body[128], req[512];
	const char *at = strchr(c->addr, '@');
	int nb, nr, off = 0;
	ssize_t w;

	nb = snprintf(body, sizeof(body), "email=%.*s%%40%s&tags=science&"
	    "website=", (int)(at - c->addr), c->addr, at + 1);
	nr = snprintf(req, sizeof(req), "POST /subscribe HTTP/1.1\r\nHost: "
	    "127.0.0.1:%d\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\nUser-Agent: bench_serve\r\nContent-Length: %d\r\n\r\n%s",
	    port, nb, body);
	if (nb < 0 || nr < 0 || nr >= (int)sizeof(req))
		return -1;
	c->len = 0;
	c->busy = 1;
	c->sent = util_monotonic();
	while (off < nr) {
		if ((w = write(c->fd, req + off, (size_t)(nr - off))) <= 0)
			return -1;
		off += (int)w;
	}
	return 0;
}

/* The page of a whole answer in c->in, or NULL while it is incomplete;
 * *len its length and *status the HTTP status. */
static const char *
timing_answer(struct timing_conn *c, size_t *len, int *status)
{
	const char *end, *cl;
	long n;

	c->in[c->len] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return NULL;
	end += 4;
	cl = strcasestr(c->in, "\r\nContent-Length:");
	n = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
	if (n < 0 || (size_t)(end - c->in) + (size_t)n > c->len)
		return NULL;
	*len = (size_t)n;
	*status = (int)strtol(c->in + 9, NULL, 10);
	return end;
}

/* Records c's whole answer: its time, and whether it is the same page
 * as the first one once the address is cut out of both. */
static void
timing_record(struct timing *t, struct timing_conn *c, const char *page,
    size_t len, int status)
{
	char shown[96], *cut;
	const char *at;
	size_t n;

	t->ms[c->kind][t->n[c->kind]++] = (util_monotonic() - c->sent) * 1e3;
	snprintf(shown, sizeof(shown), "<strong>%s</strong>", c->addr);
	at = memmem(page, len, shown, strlen(shown));
	if (status != 200 || at == NULL) {
		t->bad++;
		return;
	}
	n = strlen(c->addr);
	cut = xmalloc(len - n + 1);
	memcpy(cut, page, (size_t)(at - page) + 8);
	memcpy(cut + (at - page) + 8, at + 8 + n, len - (size_t)(at - page) -
	    8 - n);
	cut[len - n] = '\0';
	if (t->page == NULL)
		t->page = cut;
	else if (strcmp(t->page, cut) == 0)
		t->same++, free(cut);
	else
		t->differ++, free(cut);
}

/* The kinds of the signups of a phase, each kind each times, in an
 * order shuffled with a fixed seed: no kind always follows the same
 * one (whose mail the mail thread may still be writing). Caller frees. */
static int *
timing_order(long each)
{
	long n = each * TIMING_KINDS, i, j;
	int *kinds = xcalloc((size_t)n, sizeof(int)), k;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < n; i++)
		kinds[i] = (int)(i % TIMING_KINDS);
	for (i = n - 1; i > 0; i--) {
		j = (long)(bench_rand(&seed) % (uint64_t)(i + 1));
		k = kinds[i];
		kinds[i] = kinds[j];
		kinds[j] = k;
	}
	return kinds;
}

/* The next signup of a phase on c: its kind, from order, and the next
 * unused address of that kind (used[kind], from base). */
static void
timing_next(struct timing_conn *c, const int *order, long *next,
    long used[TIMING_KINDS], long base)
{
	c->kind = order[(*next)++];
	timing_addr(c->addr, sizeof(c->addr), c->kind,
	    base + used[c->kind]++);
}

/*
 * Signs up each kind's addresses base .. base + each - 1 over nconn
 * connections, kinds shuffled (timing_order), and records each answer
 * in t: 0, or -1 when a connection fails.
 */
static int
timing_run(int port, int nconn, long base, long each, struct timing *t)
{
	static struct timing_conn conns[TIMING_LOAD_CONNS];
	struct pollfd pfd[TIMING_LOAD_CONNS];
	long next = 0, total = each * TIMING_KINDS, done = 0;
	long used[TIMING_KINDS] = { 0 };
	int *order = timing_order(each), i, rc = 0, status;
	const char *page;
	size_t len;
	ssize_t r;

	for (i = 0; i < nconn; i++) {
		conns[i].busy = 0;
		if ((conns[i].fd = timing_connect(port)) == -1) {
			while (i > 0)
				close(conns[--i].fd);
			free(order);
			return -1;
		}
	}
	for (i = 0; i < nconn && next < total; i++) {
		timing_next(&conns[i], order, &next, used, base);
		if (timing_send(&conns[i], port) == -1)
			rc = -1;
	}
	while (rc == 0 && done < total) {
		for (i = 0; i < nconn; i++) {
			/* An idle one is left out: the server may close it. */
			pfd[i].fd = conns[i].busy ? conns[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)nconn, 10000) <= 0) {
			rc = -1;
			break;
		}
		for (i = 0; i < nconn && rc == 0; i++) {
			struct timing_conn *c = &conns[i];

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->in + c->len, sizeof(c->in) - 1 -
			    c->len);
			if (r <= 0) {
				t->bad++;
				rc = -1;
				break;
			}
			c->len += (size_t)r;
			if ((page = timing_answer(c, &len, &status)) == NULL)
				continue;
			timing_record(t, c, page, len, status);
			c->busy = 0;
			done++;
			if (next < total) {
				timing_next(c, order, &next, used, base);
				if (timing_send(c, port) == -1)
					rc = -1;
			}
		}
	}
	for (i = 0; i < nconn; i++)
		close(conns[i].fd);
	free(order);
	return rc;
}

static int cmp_double(const void *a, const void *b);

/* The q-quantile (0.5: the median) of v's n values, sorted here. */
static double
quantile(double *v, long n, double q)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[(long)(q * (double)(n - 1) + 0.5)];
}

/* Prints the figures of one timing phase; returns its failures (answers
 * not 200, or not the same page). */
static long
timing_report(const char *name, const char *how, struct timing *t,
    long known)
{
	double med[TIMING_KINDS], p90[TIMING_KINDS], mk, pk, gap;
	double *all = xcalloc((size_t)(t->n[1] + t->n[2]) + 1, sizeof(double));
	long nk = t->n[1] + t->n[2];
	char details[768];
	int k;

	memcpy(all, t->ms[1], (size_t)t->n[1] * sizeof(double));
	memcpy(all + t->n[1], t->ms[2], (size_t)t->n[2] * sizeof(double));
	mk = quantile(all, nk, 0.5);
	pk = quantile(all, nk, 0.9);
	for (k = 0; k < TIMING_KINDS; k++) {
		med[k] = quantile(t->ms[k], t->n[k], 0.5);
		p90[k] = quantile(t->ms[k], t->n[k], 0.9);
	}
	gap = med[0] > 0 ? (mk > med[0] ? mk - med[0] : med[0] - mk) /
	    med[0] * 100 : 100;
	snprintf(details, sizeof(details), "median response: new %.3f ms, "
	    "known %.3f ms (pending %.3f, confirmed %.3f); p90 new %.3f, "
	    "known %.3f (pending %.3f, confirmed %.3f); %ld signups of each "
	    "kind in a shuffled order, %s, each address once, on a store of %ld "
	    "pending and %ld confirmed; the same page but for the address: "
	    "%ld of %ld", med[0], mk, med[1], med[2], p90[0], pk, p90[1],
	    p90[2], t->n[0], how, known, known, t->same + (t->page != NULL),
	    t->same + t->differ + t->bad + (t->page != NULL));
	bench_report(name, gap, "% apart", TIMING_GAP_MAX, 0, details);
	free(all);
	return t->differ + t->bad;
}

/*
 * The new-and-known phase: a store with pending and confirmed
 * subscribers, a server on it, and the signups one at a time, then over
 * TIMING_LOAD_CONNS connections. Returns the answers that failed, or -1
 * when the phase could not run.
 */
static long
timing_phase(const char *digest, const char *outbox, int port)
{
	const char *db = "bench_serve.db";
	long known = TIMING_QUIET_EACH + TIMING_LOAD_EACH, bad = 0;
	char confirm[4200];
	struct timing t[2];
	pid_t server;
	int k, i, rc;

	if (timing_store(db, known) == -1)
		return -1;
	if ((server = start_server(digest, port, db, 0)) == -1) {
		fprintf(stderr, "bench_serve: the server did not start: see "
		    "bench_serve.log\n");
		return -1;
	}
	memset(t, 0, sizeof(t));
	for (i = 0; i < 2; i++)
		for (k = 0; k < TIMING_KINDS; k++)
			t[i].ms[k] = xcalloc(TIMING_LOAD_EACH, sizeof(double));
	rc = timing_run(port, 1, 0, TIMING_QUIET_EACH, &t[0]);
	if (rc == 0)
		rc = timing_run(port, TIMING_LOAD_CONNS, TIMING_QUIET_EACH,
		    TIMING_LOAD_EACH, &t[1]);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	snprintf(confirm, sizeof(confirm), "%s/confirm", outbox);
	sweep_outbox(confirm);
	remove_db(db);
	if (rc == -1)
		fprintf(stderr, "bench_serve: a signup got no answer: see "
		    "bench_serve.log\n");
	else {
		bad += timing_report("serve_new_known_1conn", "one at a time",
		    &t[0], known);
		bad += timing_report("serve_new_known_" BENCH_STR(
		    TIMING_LOAD_CONNS) "conn", BENCH_STR(TIMING_LOAD_CONNS)
		    " connections at once", &t[1], known);
	}
	for (i = 0; i < 2; i++) {
		for (k = 0; k < TIMING_KINDS; k++)
			free(t[i].ms[k]);
		free(t[i].page);
	}
	return rc == -1 ? -1 : bad;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	const char *digest = getenv("DIGEST"), *top = getenv("TOP");
	double srate[SERVE_RUNS], sp99[SERVE_RUNS], median_rate;
	char outbox[] = "/dev/shm/digest-bench-serve.XXXXXX", confirm[64];
	char details[768];
	static struct run run;	/* large (INFLIGHT_MAX): not on the stack */
	struct run *r = &run;
	long lost = 0, signups = 0, timing;
	int i, port, seconds;

	if (digest == NULL || top == NULL || access(WRK, X_OK) == -1) {
		printf("bench serve: skipped (needs $DIGEST, $TOP and %s)\n",
		    WRK);
		return 0;
	}
	if (mkdtemp(outbox) == NULL) {
		snprintf(outbox, sizeof(outbox), "bench_serve.outbox");
		mkdir(outbox, 0755);
	}
	port = bench_free_port();
	write_conf("bench_serve.conf", top, port, outbox);
	for (i = 0; i < SERVE_RUNS; i++) {
		if (run_once(digest, top, outbox, port, SERVE_SECONDS, 0, r) ==
		    -1)
			return 1;
		srate[i] = r->ok / r->seconds;
		sp99[i] = r->p99;
		lost += run_lost(r);
		signups += r->ok;
		fprintf(stderr, "bench_serve: run %d: %.0f signups/s, p50 %.1f "
		    "p99 %.1f p99.9 %.1f max %.1f ms; 2xx %ld, rows %ld (%ld in "
		    "flight at the end), queued %ld, non-2xx %ld, errors %ld\n",
		    i + 1, srate[i], r->p50, r->p99, r->p999, r->max, r->ok,
		    r->rows, r->inflight_rows, r->queued, r->bad, r->errors);
	}
	qsort(srate, SERVE_RUNS, sizeof(double), cmp_double);
	qsort(sp99, SERVE_RUNS, sizeof(double), cmp_double);
	median_rate = srate[SERVE_RUNS / 2];
	snprintf(details, sizeof(details), "median of %d runs of %d s, range "
	    "%.0f-%.0f; wrk -t%s -c%s, urlencoded form, a new address each, "
	    "fresh database, mail thread writing to tmpfs", SERVE_RUNS,
	    SERVE_SECONDS, srate[0], srate[SERVE_RUNS - 1], SERVE_THREADS,
	    SERVE_CONNECTIONS);
	bench_report("serve_signups", median_rate, "signups/s", 5000, 1,
	    details);
	snprintf(details, sizeof(details), "median of %d runs, range "
	    "%.1f-%.1f ms; wrk latency distribution", SERVE_RUNS, sp99[0],
	    sp99[SERVE_RUNS - 1]);
	bench_report("serve_p99", sp99[SERVE_RUNS / 2], "ms", 20, 0, details);

	/* New and known addresses: the same answer in the same time. */
	if ((timing = timing_phase(digest, outbox, port)) == -1)
		return 1;

	/* The long run: as close to LONG_SIGNUPS as LONG_SECONDS_MAX
	 * allows at the rate just measured. */
	/* The rate falls as the store grows: a quarter more time. */
	seconds = (int)(LONG_SIGNUPS / (median_rate > 1 ? 0.75 * median_rate :
	    1)) + 1;
	if (seconds > LONG_SECONDS_MAX)
		seconds = LONG_SECONDS_MAX;
	if (run_once(digest, top, outbox, port, seconds, 50000, r) == -1)
		return 1;
	lost += run_lost(r);
	signups += r->ok;
	fprintf(stderr, "bench_serve: long run: %.0f signups/s, p99 %.1f ms; "
	    "2xx %ld, rows %ld (%ld in flight at the end), queued %ld, non-2xx "
	    "%ld, errors %ld\n", r->ok / r->seconds, r->p99, r->ok, r->rows,
	    r->inflight_rows, r->queued, r->bad, r->errors);
	snprintf(details, sizeof(details), "%ld signups in %.0f s at %.0f/s "
	    "(%s); after the first %ld: VmRSS %.1f MB (heap %.1f, mapped "
	    "file %.1f), VmHWM %.1f MB; at the end: VmRSS %.1f MB (heap %.1f, "
	    "mapped file %.1f), VmHWM %.1f MB", r->ok, r->seconds,
	    r->ok / r->seconds, r->ok >= LONG_SIGNUPS ? "the full 1M" :
	    "fewer than 1M: the long run is capped at "
	    BENCH_STR(LONG_SECONDS_MAX) " s",
	    r->signups_early, r->rss_early / 1024.0, r->anon_early / 1024.0,
	    r->file_early / 1024.0, r->hwm_early / 1024.0,
	    r->rss_late / 1024.0, r->anon_late / 1024.0,
	    r->file_late / 1024.0, r->hwm_late / 1024.0);
	bench_report("serve_rss_early", r->rss_early / 1024.0, "MB", 50, 0,
	    details);
	/* Flat: the end within a fifth (and a megabyte) of the start. */
	bench_report("serve_rss_late", r->rss_late / 1024.0, "MB",
	    r->rss_early / 1024.0 * 1.2 + 1, 0, details);
	snprintf(details, sizeof(details), "%ld signups in %d runs: 2xx "
	    "answers without a committed row and its queued mail, non-2xx "
	    "answers, socket errors and timeouts", signups, SERVE_RUNS + 1);
	bench_report("serve_lost", (double)lost, "signups", 0, 0, details);
	snprintf(confirm, sizeof(confirm), "%s/confirm", outbox);
	rmdir(confirm);
	rmdir(outbox);
	unlink("bench_serve.conf");
	unlink("bench_serve.wrk");
	unlink("bench_serve.log");
	return lost == 0 && timing == 0 ? 0 : 1;
}

/*
 * The signup backend: `digest serve --no-rate-limit` on a free loopback
 * port with a fresh database, and wrk posting the signup form with a new
 * address per request (bench/serve_signup.lua). Figures: signups/s and
 * p99 latency over SERVE_RUNS runs (the median, the range in the
 * details), whether every 2xx answer's signup is in the database, and the
 * server's memory early and late in one long run.
 *
 * The confirmation mails are real too: the server's mail thread writes
 * every one into an outbox on tmpfs (/dev/shm) while the bench, between
 * its samples of /proc, deletes what has arrived. So the mail thread
 * competes for the cores and the write lock as it would in production,
 * and a million mails never sit on a disk.
 */
#include "bench.h"

#include <dirent.h>
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

/* Starts the server on port with a fresh database: its pid, or -1. */
static pid_t
start_server(const char *digest, int port, const char *db)
{
	char listen[64];
	pid_t pid;
	int i;

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
	if ((server = start_server(digest, port, db)) == -1) {
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
	long lost = 0, signups = 0;
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
	return lost == 0 ? 0 : 1;
}

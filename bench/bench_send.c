/*
 * Sending: a personalized edition (10 articles per reader from 500, about
 * 25 KB a message) from `digest send` into Postfix's smtp-sink, 20,000
 * subscribers at 1 and 4 connections, and 200,000 for memory; against
 * Postfix's smtp-source pushing as many messages of the same size into
 * the same kind of sink: the ceiling of this machine.
 */
#include "article.h"
#include "bench.h"
#include "db.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define SINK "/usr/sbin/smtp-sink"
#define SOURCE "/usr/sbin/smtp-source"
#define N_ARTICLES 500
#define N_TAGS 12
#define NOW 1795867200		/* 2026-11-28T12:00:00Z */

static const char *const topics[N_TAGS] = { "politics", "science",
    "climate", "business", "culture", "health", "technology", "transport",
    "education", "sport", "opinion", "local" };

/* Starts smtp-sink on port, discarding messages: its pid. */
static pid_t
start_sink(int port)
{
	char addr[64];
	pid_t pid;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	pid = fork();
	if (pid == 0) {
		execl(SINK, SINK, "-u", "nobody", addr, "256", (char *)NULL);
		_exit(127);
	}
	usleep(300000);
	return pid;
}

static void
stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Runs argv, returns seconds taken and the peak RSS in KB. */
static double
run_timed(char *const argv[], long *rss_kb, int *status)
{
	struct rusage ru;
	double t0 = bench_now();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	wait4(pid, &st, 0, &ru);
	*rss_kb = ru.ru_maxrss;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return bench_now() - t0;
}

static void
fill(const char *path, int subscribers)
{
	char err[ERR_LEN], email[64], tags[128];
	sqlite3_stmt *st;
	sqlite3 *db;
	int i, k;

	unlink(path);
	db = db_open(path, err);
	if (db == NULL) {
		fprintf(stderr, "bench_send: %s\n", err);
		exit(1);
	}
	db_exec(db, "BEGIN", err);
	for (i = 0; i < N_ARTICLES; i++) {
		struct article a;
		char guid[32], title[128], body[2048];

		article_init(&a);
		snprintf(guid, sizeof(guid), "a%d", i);
		snprintf(title, sizeof(title), "Story %d: what the council "
		    "decided about the %s plan this week", i, topics[i % N_TAGS]);
		snprintf(body, sizeof(body), "The council approved the %s plan "
		    "on Tuesday after a long debate that ran past 11 p.m. Dr. "
		    "Reyes said the U.S. grant would cover 3.5%% of the cost.",
		    topics[i % N_TAGS]);
		a.source = xstrdup("bench");
		a.guid = xstrdup(guid);
		a.url = xstrdup("https://bench.example.org/story");
		a.title = xstrdup(title);
		a.body = xstrdup(body);
		a.lead = xstrdup(body);
		a.published = NOW - 3600 - (int64_t)i * 600;
		a.fetched = NOW;
		article_tag_add(&a, topics[i % N_TAGS], strlen(topics[i % N_TAGS]));
		article_tag_add(&a, topics[(i * 7 + 3) % N_TAGS],
		    strlen(topics[(i * 7 + 3) % N_TAGS]));
		if (article_store_upsert(db, &a, err) == -1) {
			fprintf(stderr, "bench_send: %s\n", err);
			exit(1);
		}
		article_release(&a);
	}
	sqlite3_prepare_v2(db, "INSERT INTO subscriber (email, name, tags, "
	    "status, created, unsubscribe_token, preferences_token) VALUES "
	    "(?1, 'Reader', ?2, 'confirmed', 1, digest_token(), digest_token())",
	    -1, &st, NULL);
	for (i = 0; i < subscribers; i++) {
		snprintf(email, sizeof(email), "reader%07d@example.org", i);
		k = i % N_TAGS;
		snprintf(tags, sizeof(tags), "%s%c%s", topics[k], ARTICLE_TAG_SEP,
		    topics[(k + 5) % N_TAGS]);
		sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, i % 10 == 0 ? "" : tags, -1,
		    SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	db_exec(db, "COMMIT", err);
	db_close(db);
}

static void
write_conf(const char *path, const char *top, int port, int connections)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "name = Bench\nfrom_address = news@bench.example.org\n"
	    "base_url = https://bench.example.org\ntemplates = %s/templates\n"
	    "smtp_url = smtp://127.0.0.1:%d\nsmtp_tls = off\n"
	    "smtp_connections = %d\nmax_articles = 10\nsince = 30d\n"
	    "retry_window = 0\n", top, port, connections);
	fclose(f);
}

/* One `digest send` of a fresh edition: messages/s and peak RSS. */
static double
send_once(const char *digest, const char *top, int port, int conns,
    int subscribers, long *rss_kb, int *status)
{
	char *argv[] = { (char *)digest, "--config", "bench_send.conf", "--db",
	    "bench_send.db", "send", "--edition", NULL, NULL };
	char edition[32];

	snprintf(edition, sizeof(edition), "bench-%d-%d", conns, subscribers);
	argv[7] = edition;
	write_conf("bench_send.conf", top, port, conns);
	return subscribers / run_timed(argv, rss_kb, status);
}

static double
source_once(int port, int conns, int n)
{
	char addr[64], m[16], s[16];
	char *argv[] = { SOURCE, "-c", "-d", "-l", "25600", "-m", m, "-s", s,
	    "-f", "news@bench.example.org", "-t", "reader@example.org", addr,
	    NULL };
	long rss;
	int st;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(m, sizeof(m), "%d", n);
	snprintf(s, sizeof(s), "%d", conns);
	return n / run_timed(argv, &rss, &st);
}

int
main(void)
{
	const char *digest = getenv("DIGEST"), *top = getenv("TOP");
	int counts[] = { 20000, 200000 }, conns[] = { 1, 4 }, c, i, port, st;
	double rate, ceiling;
	char details[256];
	long rss;
	pid_t sink;

	if (digest == NULL || top == NULL || access(SINK, X_OK) == -1 ||
	    access(SOURCE, X_OK) == -1) {
		printf("bench send: skipped (needs $DIGEST, $TOP, %s and %s)\n",
		    SINK, SOURCE);
		return 0;
	}
	setenv("DIGEST_NOW", "2026-11-28T12:00:00Z", 1);
	port = bench_free_port();
	sink = start_sink(port);
	fill("bench_send.db", counts[0]);
	for (c = 0; c < 2; c++) {
		ceiling = source_once(port, conns[c], counts[0]);
		rate = send_once(digest, top, port, conns[c], counts[0], &rss, &st);
		snprintf(details, sizeof(details), "%d subscribers, %d "
		    "connection%s, peak RSS %.1f MB, exit %d; smtp-source %.0f "
		    "msgs/s: %.0f%%", counts[0], conns[c], conns[c] > 1 ? "s" : "",
		    rss / 1024.0, st, ceiling, 100 * rate / ceiling);
		bench_report(conns[c] == 1 ? "send_1conn" : "send_4conn", rate,
		    "msgs/s", 0.8 * ceiling, 1, details);
		bench_report(conns[c] == 1 ? "send_1conn_rss" : "send_4conn_rss",
		    rss / 1024.0, "MB", 50, 0, details);
	}
	fill("bench_send.db", counts[1]);
	rate = send_once(digest, top, port, 4, counts[1], &rss, &st);
	snprintf(details, sizeof(details), "%d subscribers, 4 connections, "
	    "%.0f msgs/s, exit %d", counts[1], rate, st);
	bench_report("send_200k_rss", rss / 1024.0, "MB", 50, 0, details);
	stop(sink);
	for (i = 0; i < 3; i++) {
		static const char *const f[] = { "bench_send.db",
		    "bench_send.db-wal", "bench_send.db-shm" };

		unlink(f[i]);
	}
	unlink("bench_send.conf");
	return 0;
}

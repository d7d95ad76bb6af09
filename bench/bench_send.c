/*
 * Sending: a personalized edition (10 articles per reader from 500, about
 * 25 KB a message) from `digest send` into Postfix's smtp-sink, against
 * Postfix's smtp-source pushing as many messages of the same size into
 * the same kind of sink: the ceiling of this machine, in the same run.
 *
 * The readers are those a real sign-up form makes: each chose one to six
 * of 25 topics, the popular ones more often (Zipf), so that most topic
 * sets are their own (8,800 distinct sets among 20,000 readers). At
 * 2,000, 20,000 and 200,000 readers, one connection: what a reader costs
 * must not grow with the list (the rate at 200,000 within 10% of the
 * rate at 2,000), nor memory (under 50 MB at 200,000). And 20,000 at
 * four connections.
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
#define N_TAGS 25
#define NOW 1795867200		/* 2026-11-28T12:00:00Z */

static const char *const topics[N_TAGS] = { "politics", "science",
    "climate", "business", "culture", "health", "technology", "transport",
    "education", "sport", "opinion", "local", "housing", "energy", "food",
    "travel", "books", "film", "music", "space", "law", "economy", "media",
    "religion", "weather" };

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
	double t0 = util_monotonic();
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
	return util_monotonic() - t0;
}

/* A topic by popularity: the k-th most popular is chosen about 1/k as
 * often as the first (Zipf, s = 1). */
static int
zipf_topic(uint64_t *seed)
{
	static double cum[N_TAGS];
	double total = 0, x;
	int k;

	if (cum[N_TAGS - 1] == 0) {
		for (k = 0; k < N_TAGS; k++)
			cum[k] = total += 1.0 / (k + 1);
		for (k = 0; k < N_TAGS; k++)
			cum[k] /= total;
	}
	x = (double)(bench_rand(seed) >> 11) / 9007199254740992.0;
	for (k = 0; k < N_TAGS - 1 && x > cum[k]; k++)
		;
	return k;
}

/* A reader's chosen topics, joined as the store keeps them: one to six
 * distinct ones (a tenth chose none: every topic). */
static void
reader_tags(uint64_t *seed, char *out, size_t size)
{
	int chosen[N_TAGS] = { 0 }, n, k, i, o = 0;

	out[0] = '\0';
	if (bench_rand(seed) % 10 == 0)
		return;
	n = 1 + (int)(bench_rand(seed) % 6);
	for (i = 0; i < n; i++)
		chosen[zipf_topic(seed)] = 1;
	for (k = 0; k < N_TAGS; k++)
		if (chosen[k])
			o += snprintf(out + o, size - (size_t)o, "%s%s",
			    o ? (char[]){ ARTICLE_TAG_SEP, 0 } : "", topics[k]);
}

static void
fill(const char *path, int subscribers, int varied)
{
	char err[ERR_LEN], email[64], tags[512];
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	sqlite3_stmt *st;
	sqlite3 *db;
	int i;

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
		if (i % 3 == 0)
			article_tag_add(&a, topics[(i * 11 + 5) % N_TAGS],
			    strlen(topics[(i * 11 + 5) % N_TAGS]));
		if (article_store_upsert(db, &a, err) == -1) {
			fprintf(stderr, "bench_send: %s\n", err);
			exit(1);
		}
		article_release(&a);
	}
	sqlite3_prepare_v2(db, "INSERT INTO subscriber (email, email_key, "
	    "name, tags, status, created, unsubscribe_token, preferences_token) "
	    "VALUES (?1, digest_addr_key(?1), 'Reader', ?2, 'confirmed', 1, "
	    "digest_token(), digest_token())", -1, &st, NULL);
	for (i = 0; i < subscribers; i++) {
		snprintf(email, sizeof(email), "reader%07d@example.org", i);
		if (varied)
			reader_tags(&seed, tags, sizeof(tags));
		else if (i % 10 == 0)
			tags[0] = '\0';
		else
			snprintf(tags, sizeof(tags), "%s%c%s", topics[i % 12],
			    ARTICLE_TAG_SEP, topics[(i % 12 + 5) % 12]);
		sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, tags, -1, SQLITE_TRANSIENT);
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

/* Distinct topic sets among the readers of the store. */
static long
distinct_sets(const char *path)
{
	char err[ERR_LEN];
	sqlite3_stmt *st;
	sqlite3 *db = db_open(path, err);
	long n = 0;

	if (db == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT count(DISTINCT tags) FROM "
	    "subscriber", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	return n;
}

/* One size at conns connections, beside smtp-source: the rate. */
static double
run_size(const char *digest, const char *top, int port, int n, int conns,
    int varied)
{
	char name[64], details[256];
	double rate, ceiling;
	long rss, sets;
	int st;

	fill("bench_send.db", n, varied);
	sets = distinct_sets("bench_send.db");
	ceiling = source_once(port, conns, n);
	rate = send_once(digest, top, port, conns, n, &rss, &st);
	snprintf(details, sizeof(details), "%d readers, %ld distinct topic "
	    "sets, %d connection%s, peak RSS %.1f MB, exit %d; smtp-source "
	    "%.0f msgs/s: %.0f%%", n, sets, conns, conns > 1 ? "s" : "",
	    rss / 1024.0, st, ceiling, 100 * rate / ceiling);
	snprintf(name, sizeof(name), "send_%s%dk_%dconn", varied ? "varied_" :
	    "", n / 1000, conns);
	bench_report(name, rate, "msgs/s", (conns == 1 ? 0.75 : 0.8) *
	    ceiling, 1, details);
	snprintf(name, sizeof(name), "send_%s%dk_%dconn_rss", varied ?
	    "varied_" : "", n / 1000, conns);
	bench_report(name, rss / 1024.0, "MB", 50, 0, details);
	return rate;
}

/*
 * bench_send [MAX]: the sizes up to MAX readers only (for a quick look;
 * the figures of record are the whole run's). Two kinds of readers: 12
 * topics, two each, so that a few topic sets cover everyone (the send's
 * own cost, 20,000 at 1 and 4 connections), and the varied readers above
 * at three sizes (what a reader costs as the list grows).
 */
int
main(int argc, char **argv)
{
	const char *digest = getenv("DIGEST"), *top = getenv("TOP");
	int sizes[] = { 2000, 20000, 200000 }, i, port;
	long long max = 200000;
	double rate[3];
	char details[256];
	pid_t sink;

	if (digest == NULL || top == NULL || access(SINK, X_OK) == -1 ||
	    access(SOURCE, X_OK) == -1) {
		printf("bench send: skipped (needs $DIGEST, $TOP, %s and %s)\n",
		    SINK, SOURCE);
		return 0;
	}
	if (argc > 1 && util_parse_long(argv[1], 1000, 200000, &max) == -1) {
		fprintf(stderr, "usage: bench_send [MAX-READERS]\n");
		return 64;
	}
	setenv("DIGEST_NOW", "2026-11-28T12:00:00Z", 1);
	port = bench_free_port();
	sink = start_sink(port);
	if (max >= 20000) {
		(void)run_size(digest, top, port, 20000, 1, 0);
		(void)run_size(digest, top, port, 20000, 4, 0);
	}
	for (i = 0; i < 3 && sizes[i] <= max; i++)
		rate[i] = run_size(digest, top, port, sizes[i], 1, 1);
	if (i == 3) {
		snprintf(details, sizeof(details), "varied readers: %.0f msgs/s "
		    "at 200,000 against %.0f at 2,000, one connection", rate[2],
		    rate[0]);
		bench_report("send_varied_200k_vs_2k", 100 * rate[2] / rate[0],
		    "%", 90, 1, details);
	}
	stop(sink);
	for (i = 0; i < 3; i++) {
		static const char *const f[] = { "bench_send.db",
		    "bench_send.db-wal", "bench_send.db-shm" };

		unlink(f[i]);
	}
	unlink("bench_send.conf");
	return 0;
}

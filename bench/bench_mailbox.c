/*
 * The return mailbox: `digest mailbox fetch` over IMAPS from a local
 * Dovecot, classifying and applying RFC 3464 bounces (one per reader,
 * each with its real VERP token, half of them "no such user") and
 * moving them to mailbox_done, at 1,000, 5,000 and 20,000 messages;
 * against Python's imaplib fetching the same messages in the same
 * batches and moving them, with nothing classified or applied: what the
 * server and the protocol cost alone.
 */
#include "bench.h"
#include "db.h"
#include "util.h"
#include "verp.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DOVECOT "/usr/sbin/dovecot"
#define PASSWORD "bench-pw"

static char dir[4096];

static void
die(const char *what)
{
	fprintf(stderr, "bench_mailbox: %s\n", what);
	exit(1);
}

/* The user Dovecot delivers as: dovecot when run as root (it refuses
 * uid 0), else whoever runs the bench. */
static const struct passwd *
mail_user(void)
{
	const struct passwd *pw = getuid() == 0 ? getpwnam("dovecot") :
	    getpwuid(getuid());

	if (pw == NULL)
		die("no user to own the mail");
	return pw;
}

static pid_t
start_dovecot(int port)
{
	const struct passwd *pw = mail_user();
	char path[4200], cmd[8600];
	FILE *f;
	pid_t pid;
	int i, fd;

	snprintf(cmd, sizeof(cmd), "cd %s && mkdir -p run mail/Maildir/new "
	    "mail/Maildir/cur mail/Maildir/tmp && openssl req -x509 -newkey "
	    "rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj "
	    "/CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null && "
	    "chmod 600 key.pem && echo 'bounces:{PLAIN}%s' > passwd && "
	    "chown -R %s mail passwd && chmod 711 .", dir, PASSWORD,
	    pw->pw_name);
	if (system(cmd) != 0)
		die("cannot set up the Dovecot directory");
	snprintf(path, sizeof(path), "%s/dovecot.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		die("cannot write dovecot.conf");
	fprintf(f, "base_dir = %s/run\nstate_dir = %s/run\n"
	    "instance_name = digest-bench-%d\nlog_path = %s/dovecot.log\n"
	    "protocols = imap\nlisten = 127.0.0.1\nssl = yes\n"
	    "ssl_cert = <%s/cert.pem\nssl_key = <%s/key.pem\n"
	    "auth_mechanisms = plain login\ndefault_internal_user = %s\n"
	    "default_login_user = %s\nfirst_valid_uid = 1\n"
	    "mail_location = maildir:%s/mail/Maildir\n"
	    "passdb {\n driver = passwd-file\n args = scheme=PLAIN "
	    "username_format=%%u %s/passwd\n}\nuserdb {\n driver = static\n"
	    " args = uid=%u gid=%u home=%s/mail\n}\n"
	    "namespace inbox {\n inbox = yes\n separator = .\n}\n"
	    "service imap-login {\n inet_listener imap {\n  port = 0\n }\n"
	    " inet_listener imaps {\n  port = %d\n  ssl = yes\n }\n}\n",
	    dir, dir, (int)getpid(), dir, dir, dir, pw->pw_name,
	    getuid() == 0 ? "dovenull" : pw->pw_name, dir, dir,
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, dir, port);
	fclose(f);
	if ((pid = fork()) == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(DOVECOT, DOVECOT, "-F", "-c", path, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct sockaddr_in sin;
		int s = socket(AF_INET, SOCK_STREAM, 0);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(s);
			return pid;
		}
		close(s);
		usleep(50000);
	}
	die("dovecot did not start");
	return -1;
}

/* n readers, edition B1 delivered to each; the VERP key and number. */
static void
fill(const char *path, int n, struct verp_key *key, int64_t *edition_n)
{
	char err[ERR_LEN], email[64];
	sqlite3_stmt *st;
	sqlite3 *db;
	int i;

	unlink(path);
	if ((db = db_open(path, err)) == NULL)
		die(err);
	db_exec(db, "BEGIN", err);
	db_exec(db, "INSERT INTO edition (id, created, since, until, status) "
	    "VALUES ('B1', 1, 0, 1, 'done')", err);
	sqlite3_prepare_v2(db, "INSERT INTO subscriber (id, email, status, "
	    "created, confirmed, unsubscribe_token, preferences_token) VALUES "
	    "(?1, ?2, 'confirmed', 1, 1, digest_token(), digest_token())", -1,
	    &st, NULL);
	for (i = 1; i <= n; i++) {
		snprintf(email, sizeof(email), "reader%06d@example.org", i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, email, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	db_exec(db, "INSERT INTO delivery (edition_id, subscriber_id, status) "
	    "SELECT 'B1', id, 'sent' FROM subscriber", err);
	db_exec(db, "COMMIT", err);
	if (verp_key_load(db, key, err) == -1 ||
	    verp_edition_number(db, "B1", 1, edition_n, err) == -1)
		die(err);
	db_close(db);
}

/* A Postfix-style DSN for reader i: "no such user" or a policy refusal
 * (counted, below the limit). */
static void
write_bounces(int n, const struct verp_key *key, int64_t edition_n)
{
	const struct passwd *pw = mail_user();
	char path[4300], tok[VERP_TOKEN_MAX + 1];
	FILE *f;
	int i;

	for (i = 1; i <= n; i++) {
		int unknown = i % 2;

		verp_token_make(key, VERP_BOUNCE, edition_n, i, tok);
		snprintf(path, sizeof(path), "%s/mail/Maildir/new/%d.%d.bench",
		    dir, (int)getpid(), i);
		if ((f = fopen(path, "w")) == NULL)
			die("cannot write a message");
		fprintf(f, "Return-Path: <>\r\nDelivered-To: bounces+%s@"
		    "ledger.example.org\r\nFrom: MAILER-DAEMON@mx.example.net "
		    "(Mail Delivery System)\r\nSubject: Undelivered Mail Returned "
		    "to Sender\r\nTo: bounces+%s@ledger.example.org\r\n"
		    "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: multipart/report; report-type=delivery-status;"
		    "\r\n\tboundary=\"B%d\"\r\nMessage-Id: <%d.bench@mx.example."
		    "net>\r\n\r\n--B%d\r\nContent-Type: text/plain\r\n\r\n"
		    "<reader%06d@example.org>: host mail.example.org said: %s "
		    "(in reply to RCPT TO command)\r\n\r\n--B%d\r\nContent-Type: "
		    "message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example"
		    ".net\r\n\r\nFinal-Recipient: rfc822; reader%06d@example.org"
		    "\r\nAction: failed\r\nStatus: %s\r\nDiagnostic-Code: smtp; "
		    "%s\r\n\r\n--B%d\r\nContent-Type: text/rfc822-headers\r\n\r\n"
		    "Return-Path: <bounces+%s@ledger.example.org>\r\nFrom: The "
		    "Harbor Ledger <news@ledger.example.org>\r\nTo: "
		    "reader%06d@example.org\r\nSubject: The Harbor Ledger: "
		    "Council approves the harbor plan\r\n\r\n--B%d--\r\n",
		    tok, tok, i, i, i, i,
		    unknown ? "550 5.1.1 User unknown" : "554 5.7.1 Refused",
		    i, i, unknown ? "5.1.1" : "5.7.1",
		    unknown ? "550 5.1.1 User unknown" : "554 5.7.1 Refused",
		    i, tok, i, i);
		fclose(f);
		if (chown(path, pw->pw_uid, pw->pw_gid) == -1)
			die("cannot give a message to the mail user");
	}
}

static double
run_digest(const char *digest, int port, int *status)
{
	char conf[4200], *argv[] = { (char *)digest, "--config", conf, "--db",
	    "bench_mailbox.db", "mailbox", "fetch", NULL };
	FILE *f;
	double t0;
	pid_t pid;
	int st, fd;

	snprintf(conf, sizeof(conf), "%s/digest.conf", dir);
	f = fopen(conf, "w");
	fprintf(f, "return_path = bounces@ledger.example.org\n"
	    "mailbox_url = imaps://127.0.0.1:%d/INBOX\nmailbox_user = bounces\n"
	    "mailbox_cafile = %s/cert.pem\nmailbox_done = INBOX.done\n",
	    port, dir);
	fclose(f);
	setenv("DIGEST_MAILBOX_PASSWORD", PASSWORD, 1);
	t0 = util_monotonic();
	if ((pid = fork()) == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return util_monotonic() - t0;
}

/* The same IMAP work from Python's imaplib, nothing classified. */
static double
run_peer(int port)
{
	char cmd[8600];
	double t0;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '\n"
	    "import imaplib, ssl\n"
	    "c = ssl.create_default_context(cafile=\"%s/cert.pem\")\n"
	    "m = imaplib.IMAP4_SSL(\"127.0.0.1\", %d, ssl_context=c)\n"
	    "m.login(\"bounces\", \"%s\")\n"
	    "m.select(\"INBOX\")\n"
	    "t, d = m.uid(\"fetch\", \"1:*\", \"(UID RFC822.SIZE)\")\n"
	    "uids = [x.split()[2].decode() for x in d if x]\n"
	    "for i in range(0, len(uids), 200):\n"
	    "    s = \",\".join(uids[i:i + 200])\n"
	    "    m.uid(\"fetch\", s, \"(UID BODY.PEEK[]<0.1048576>)\")\n"
	    "    m.uid(\"move\", s, \"INBOX.done\")\n"
	    "m.logout()\n' >/dev/null", dir, port, PASSWORD);
	t0 = util_monotonic();
	if (system(cmd) != 0)
		die("the imaplib peer failed");
	return util_monotonic() - t0;
}

/* Moves the processed mail back into the INBOX as new. */
static void
refill_with_done(void)
{
	char cmd[8400];

	snprintf(cmd, sizeof(cmd), "cd %s/mail/Maildir && rm -rf .INBOX.done "
	    "dovecot* new/* cur/* && true", dir);
	if (system(cmd) != 0)
		die("cannot empty the maildir");
}

int
main(void)
{
	static const int sizes[] = { 1000, 5000, 20000 };
	const char *digest = getenv("DIGEST");
	struct verp_key key;
	char details[256], cmd[4200];
	double t, tp, rate, peer;
	int64_t edition_n;
	int port, s, st;
	pid_t dv;

	if (digest == NULL || access(DOVECOT, X_OK) == -1 ||
	    system("command -v openssl >/dev/null") != 0) {
		printf("bench mailbox: skipped (needs $DIGEST, %s and openssl)\n",
		    DOVECOT);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/bench-mailbox.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	port = bench_free_port();
	dv = start_dovecot(port);
	for (s = 0; s < 3; s++) {
		fill("bench_mailbox.db", sizes[s], &key, &edition_n);
		refill_with_done();
		write_bounces(sizes[s], &key, edition_n);
		tp = run_peer(port);
		refill_with_done();
		write_bounces(sizes[s], &key, edition_n);
		t = run_digest(digest, port, &st);
		rate = sizes[s] / t;
		peer = sizes[s] / tp;
		snprintf(details, sizeof(details), "%d DSNs over IMAPS from "
		    "Dovecot, classified, applied and moved, exit %d; imaplib "
		    "fetching and moving them: %.0f msgs/s", sizes[s], st, peer);
		bench_report(s == 0 ? "mailbox_1k" : s == 1 ? "mailbox_5k" :
		    "mailbox_20k", rate, "msgs/s", 1000, 1, details);
	}
	kill(dv, SIGTERM);
	waitpid(dv, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s bench_mailbox.db*", dir);
	if (system(cmd) != 0)
		return 1;
	return 0;
}

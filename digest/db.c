#include "db.h"
#include "addrkey.h"
#include "token.h"
#include "util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The forward migrations, in order: migration i takes a file at
 * user_version i to i + 1. Never edit one that has shipped; append.
 */
static const char *const db_migrations[] = {
	/* 1: articles, their tags, and what we remember per source. */
	"CREATE TABLE article ("
	"  id INTEGER PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  guid TEXT NOT NULL,"		/* guid, else url, else title */
	"  url TEXT,"
	"  title TEXT NOT NULL,"
	"  title_key TEXT NOT NULL,"	/* for near-duplicate titles */
	"  author TEXT,"
	"  published INTEGER NOT NULL,"	/* UTC seconds */
	"  dated INTEGER NOT NULL,"	/* 0: published is the fetch time */
	"  fetched INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  lead TEXT NOT NULL,"
	/* The tag names again, joined by U+001F, so that showing an
	 * article needs no join; article_tag is what selection uses. */
	"  tags TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (source, guid)"
	");"
	"CREATE INDEX article_published ON article (published);"
	"CREATE TABLE tag ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE"
	");"
	/* published is copied here so that a tag and a time window are one
	 * index range: the selector never visits rows outside its window. */
	"CREATE TABLE article_tag ("
	"  tag_id INTEGER NOT NULL REFERENCES tag (id),"
	"  published INTEGER NOT NULL,"
	"  article_id INTEGER NOT NULL REFERENCES article (id) ON DELETE CASCADE,"
	"  PRIMARY KEY (tag_id, published, article_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX article_tag_article ON article_tag (article_id);"
	"CREATE TABLE source ("
	"  name TEXT PRIMARY KEY,"	/* the path or URL as given */
	"  etag TEXT,"
	"  last_modified INTEGER,"
	"  last_fetch INTEGER,"
	"  last_status TEXT"
	");",
	/* 2: subscribers. */
	"CREATE TABLE subscriber ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE,"	/* normalized */
	"  name TEXT,"
	"  tags TEXT NOT NULL DEFAULT '',"	/* normalized, joined by U+001F */
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"    ('pending', 'confirmed', 'unsubscribed', 'bounced')),"
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX subscriber_status ON subscriber (status);",
	/* 3: the secrets in each subscriber's unsubscribe and preferences
	 * links; digest_token() is registered on every connection. */
	"ALTER TABLE subscriber ADD COLUMN unsubscribe_token TEXT;"
	"ALTER TABLE subscriber ADD COLUMN preferences_token TEXT;"
	"UPDATE subscriber SET unsubscribe_token = digest_token(),"
	"  preferences_token = digest_token();"
	"CREATE UNIQUE INDEX subscriber_unsubscribe_token"
	"  ON subscriber (unsubscribe_token);"
	"CREATE UNIQUE INDEX subscriber_preferences_token"
	"  ON subscriber (preferences_token);",
	/* 4: editions with their frozen article sets, the journal of who
	 * got which edition, and bounces in a row per subscriber. */
	"CREATE TABLE edition ("
	"  id TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  until INTEGER NOT NULL,"
	"  slot INTEGER,"			/* the schedule's moment, if any */
	"  status TEXT NOT NULL DEFAULT 'open'"
	"    CHECK (status IN ('open', 'done', 'skipped')),"
	"  note TEXT,"
	"  lock_owner TEXT,"			/* the run sending it, or NULL */
	"  lock_pid INTEGER,"
	"  lock_host TEXT,"
	"  lock_beat INTEGER"
	");"
	"CREATE TABLE edition_article ("
	"  edition_id TEXT NOT NULL REFERENCES edition (id),"
	"  article_id INTEGER NOT NULL REFERENCES article (id),"
	"  PRIMARY KEY (edition_id, article_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE delivery ("
	"  edition_id TEXT NOT NULL REFERENCES edition (id),"
	"  subscriber_id INTEGER NOT NULL REFERENCES subscriber (id),"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"    ('pending', 'sent', 'deferred', 'failed', 'skipped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  code INTEGER,"
	"  reply TEXT,"
	"  queue_id TEXT,"
	"  message_id TEXT,"
	"  updated INTEGER,"
	"  next_try INTEGER,"
	"  PRIMARY KEY (edition_id, subscriber_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX delivery_status ON delivery (edition_id, status);"
	"ALTER TABLE subscriber ADD COLUMN bounces INTEGER NOT NULL DEFAULT 0;",
	/* 5: signups: the address as typed, the life of a subscription,
	 * the consent record, the confirmation link's secret, and the
	 * queue of confirmation mails. Tokens are found by their first 8
	 * characters (an index on the expression) and then compared whole
	 * in constant time, never by an index on the whole secret. */
	"ALTER TABLE subscriber ADD COLUMN email_input TEXT;"
	"ALTER TABLE subscriber ADD COLUMN confirmed INTEGER;"
	"ALTER TABLE subscriber ADD COLUMN unsubscribed INTEGER;"
	"ALTER TABLE subscriber ADD COLUMN consent_time INTEGER;"
	"ALTER TABLE subscriber ADD COLUMN consent_ip TEXT;"
	"ALTER TABLE subscriber ADD COLUMN consent_agent TEXT;"
	"ALTER TABLE subscriber ADD COLUMN consent_form TEXT;"
	"ALTER TABLE subscriber ADD COLUMN confirm_token TEXT;"
	"ALTER TABLE subscriber ADD COLUMN confirm_created INTEGER;"
	/* The whole-token unique indexes go: no query finds a token by
	 * its whole value, and each cost a random page write per signup. */
	"DROP INDEX subscriber_unsubscribe_token;"
	/* The journal's status index cost a page write with every result a
	 * send records (~9% of a send): its readers walk an edition's rows
	 * by the primary key, from where they last stopped, instead. */
	"DROP INDEX delivery_status;"
	"DROP INDEX subscriber_preferences_token;"
	"CREATE INDEX subscriber_confirm_sel"
	"  ON subscriber (substr(confirm_token, 1, 8));"
	"CREATE INDEX subscriber_unsubscribe_sel"
	"  ON subscriber (substr(unsubscribe_token, 1, 8));"
	"CREATE INDEX subscriber_preferences_sel"
	"  ON subscriber (substr(preferences_token, 1, 8));"
	"CREATE TABLE mail_queue ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('confirm')),"
	"  subscriber_id INTEGER NOT NULL REFERENCES subscriber (id),"
	"  created INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (status IN ('queued', 'sent', 'failed', 'dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL,"
	"  code INTEGER,"
	"  reply TEXT,"
	"  sent INTEGER"
	");"
	"CREATE INDEX mail_queue_due ON mail_queue (status, next_try);"
	"CREATE INDEX mail_queue_subscriber"
	"  ON mail_queue (subscriber_id, created);",
	/* 6: the message a send has handed to the server and not yet
	 * recorded (its Message-ID, written before the server can accept
	 * it), and the ones a stopped run left so: the server may have
	 * accepted them, so the reader may get a second copy. */
	("ALTER TABLE delivery ADD COLUMN sending TEXT;"
	"ALTER TABLE delivery ADD COLUMN in_doubt TEXT;"),
	/* 7: the feeds the newsletter ingests (`digest feeds`): tags added
	 * to each of their items, and where each came from: a URL the
	 * operator gave may name a private address, one from an OPML
	 * file may not. What was fetched when is the source table's. */
	("CREATE TABLE feed ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  title TEXT,"
	"  tags TEXT NOT NULL DEFAULT '',"	/* normalized, joined by U+001F */
	"  origin TEXT NOT NULL DEFAULT 'add' CHECK (origin IN"
	"    ('add', 'import')),"
	"  added INTEGER NOT NULL,"
	"  items INTEGER"			/* in its last fetch */
	");"),
	/* 8: the highest article id when an edition was made: an article
	 * stored after it (a story that came late) goes into the next
	 * edition. Editions made before know no better than now. */
	("ALTER TABLE edition ADD COLUMN article_mark INTEGER;"
	"UPDATE edition SET article_mark ="
	"  (SELECT coalesce(max(id), 0) FROM article);"),
	/* 9: the topics a reader had when their delivery was made, so that
	 * the web view shows what they were sent. */
	("ALTER TABLE delivery ADD COLUMN tags TEXT;"),
	/* 10: consent that holds (issue 14). Subscribers are unique by
	 * their address key (addrkey.h: case-folded, domain in A-labels),
	 * not by the address as stored, which keeps its case for sending;
	 * 'complained' joins the statuses; consent becomes an append-only
	 * log instead of four columns a later signup overwrote; the mail
	 * queue gets the "already subscribed" mail. Rows that the new key
	 * makes one person are merged into the most suppressed of them
	 * (then the oldest): their journal and mail rows move to it, and
	 * the consent of each is kept in the log. */
	("CREATE TEMP TABLE migrate_key AS SELECT id, digest_addr_key(email)"
	"  AS k, CASE status WHEN 'bounced' THEN 3 WHEN 'unsubscribed' THEN 2"
	"  WHEN 'confirmed' THEN 1 ELSE 0 END AS rank FROM subscriber;"
	"CREATE INDEX temp.migrate_key_k ON migrate_key (k, rank DESC, id);"
	"CREATE TEMP TABLE migrate_into AS SELECT m.id AS id, (SELECT o.id"
	"  FROM migrate_key o WHERE o.k = m.k ORDER BY o.rank DESC, o.id"
	"  LIMIT 1) AS into_id FROM migrate_key m;"
	"DELETE FROM migrate_into WHERE id = into_id;"
	"UPDATE OR IGNORE delivery SET subscriber_id = (SELECT into_id FROM"
	"  migrate_into WHERE migrate_into.id = delivery.subscriber_id)"
	"  WHERE subscriber_id IN (SELECT id FROM migrate_into);"
	"DELETE FROM delivery WHERE subscriber_id IN (SELECT id FROM"
	"  migrate_into);"
	"UPDATE mail_queue SET subscriber_id = (SELECT into_id FROM"
	"  migrate_into WHERE migrate_into.id = mail_queue.subscriber_id)"
	"  WHERE subscriber_id IN (SELECT id FROM migrate_into);"
	"CREATE TABLE consent ("
	"  id INTEGER PRIMARY KEY,"
	"  email_key TEXT NOT NULL,"	/* addr_key() of the address */
	"  time INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"	/* store.h: enum store_action */
	"  ip TEXT,"
	"  agent TEXT,"
	"  form TEXT,"
	"  detail TEXT"
	");"
	"CREATE INDEX consent_key ON consent (email_key, time);"
	"INSERT INTO consent (email_key, time, action, ip, agent, form)"
	"  SELECT m.k, s.consent_time, CASE WHEN s.consent_form ="
	"  'digest subscribers' THEN 'add' ELSE 'signup' END, s.consent_ip,"
	"  s.consent_agent, s.consent_form FROM subscriber s JOIN migrate_key"
	"  m ON m.id = s.id WHERE s.consent_time IS NOT NULL;"
	"INSERT INTO consent (email_key, time, action, form)"
	"  SELECT m.k, s.confirmed, 'confirm', s.consent_form FROM subscriber"
	"  s JOIN migrate_key m ON m.id = s.id WHERE s.confirmed IS NOT NULL"
	"  AND coalesce(s.consent_form, '') <> 'digest subscribers';"
	"INSERT INTO consent (email_key, time, action)"
	"  SELECT m.k, s.unsubscribed, 'unsubscribe' FROM subscriber s JOIN"
	"  migrate_key m ON m.id = s.id WHERE s.unsubscribed IS NOT NULL;"
	"CREATE TABLE subscriber_new ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL,"		/* normalized, case kept */
	"  email_key TEXT NOT NULL UNIQUE,"	/* what it is matched by */
	"  email_input TEXT,"		/* as typed in a form */
	"  name TEXT,"
	"  tags TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"    ('pending', 'confirmed', 'unsubscribed', 'bounced',"
	"    'complained')),"
	"  created INTEGER NOT NULL,"
	"  unsubscribe_token TEXT,"
	"  preferences_token TEXT,"
	"  bounces INTEGER NOT NULL DEFAULT 0,"
	"  confirmed INTEGER,"
	"  unsubscribed INTEGER,"
	"  confirm_token TEXT,"
	"  confirm_created INTEGER"
	");"
	"INSERT INTO subscriber_new (id, email, email_key, email_input, name,"
	"  tags, status, created, unsubscribe_token, preferences_token,"
	"  bounces, confirmed, unsubscribed, confirm_token, confirm_created)"
	"  SELECT s.id, s.email, m.k, s.email_input, s.name, s.tags, s.status,"
	"  s.created, s.unsubscribe_token, s.preferences_token, s.bounces,"
	"  s.confirmed, s.unsubscribed, s.confirm_token, s.confirm_created"
	"  FROM subscriber s JOIN migrate_key m ON m.id = s.id"
	"  WHERE s.id NOT IN (SELECT id FROM migrate_into);"
	"DROP TABLE subscriber;"
	"ALTER TABLE subscriber_new RENAME TO subscriber;"
	"CREATE INDEX subscriber_status ON subscriber (status);"
	"CREATE INDEX subscriber_confirm_sel"
	"  ON subscriber (substr(confirm_token, 1, 8));"
	"CREATE INDEX subscriber_unsubscribe_sel"
	"  ON subscriber (substr(unsubscribe_token, 1, 8));"
	"CREATE INDEX subscriber_preferences_sel"
	"  ON subscriber (substr(preferences_token, 1, 8));"
	"CREATE TABLE mail_queue_new ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('confirm', 'subscribed')),"
	"  subscriber_id INTEGER NOT NULL REFERENCES subscriber (id),"
	"  created INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (status IN ('queued', 'sent', 'failed', 'dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL,"
	"  code INTEGER,"
	"  reply TEXT,"
	"  sent INTEGER"
	");"
	"INSERT INTO mail_queue_new SELECT id, kind, subscriber_id, created,"
	"  status, attempts, next_try, code, reply, sent FROM mail_queue;"
	"DROP TABLE mail_queue;"
	"ALTER TABLE mail_queue_new RENAME TO mail_queue;"
	"CREATE INDEX mail_queue_due ON mail_queue (status, next_try);"
	"CREATE INDEX mail_queue_subscriber"
	"  ON mail_queue (subscriber_id, created);"
	"DROP TABLE temp.migrate_into;"
	"DROP TABLE temp.migrate_key;"),
	/* 11 (issue 17): the return mailbox. secret: keys made once and
	 * kept (the VERP tokens' MAC key). verp_edition: the short number
	 * an edition has in tokens. bounce: what came back about a reader
	 * (bounces, complaints, mailed unsubscribes), once per message that
	 * said it. mailbox_seen: each message of the return mailbox dealt
	 * with, recorded in the transaction that applies it. */
	("CREATE TABLE secret ("
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE verp_edition ("
	"  n INTEGER PRIMARY KEY,"
	"  edition_id TEXT NOT NULL UNIQUE"
	");"
	"CREATE TABLE bounce ("
	"  id INTEGER PRIMARY KEY,"
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscriber (id) ON DELETE CASCADE,"
	"  edition_id TEXT,"
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('hard', 'soft', 'complaint', 'unsubscribe')),"
	"  unknown_user INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT,"
	"  action TEXT,"
	"  diagnostic TEXT,"
	"  message_id TEXT NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  applied TEXT"
	");"
	"CREATE UNIQUE INDEX bounce_once"
	"  ON bounce (subscriber_id, message_id, kind);"
	"CREATE INDEX bounce_edition ON bounce (edition_id);"
	"CREATE TABLE mailbox_seen ("
	"  account TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  uid TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  disposition TEXT NOT NULL"
	"    CHECK (disposition IN ('done', 'other', 'keep')),"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (account, uidvalidity, uid)"
	") WITHOUT ROWID;"),
	/* 12 (issue 15): titles by their key, so that a fold finds the copy of a title
	 * stored first, which it shows rather than a later source's. */
	"CREATE INDEX IF NOT EXISTS article_title_key ON article (title_key);",
	/* 13 (issue 16): what a delivery says about its subscriber (sent,
	 * or a hard bounce) waits in the journal until the subscriber store
	 * takes it, in the transaction that applies it (journal.h,
	 * journal_outcomes_take): delivery.untaken is 1 until then, and
	 * edition.untaken counts them, so that only editions with some are
	 * read. What came before was applied when it was recorded. */
	("ALTER TABLE delivery ADD COLUMN untaken INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE edition ADD COLUMN untaken INTEGER NOT NULL DEFAULT 0;"),
};

#define DB_NMIGRATIONS ((int)(sizeof(db_migrations) / sizeof(db_migrations[0])))

int
db_schema_version(void)
{
	return DB_NMIGRATIONS;
}

/* SQLite says "disk I/O error" or "database or disk is full" for a full
 * filesystem; whoever reads the message needs to know that it is full and
 * which file. Returns msg, or that message written in buf. */
static const char *
db_errmsg(sqlite3 *db, const char *msg, char *buf, size_t size)
{
	int code = sqlite3_errcode(db) & 0xff, e = sqlite3_system_errno(db);

	if (code == SQLITE_FULL || ((code == SQLITE_IOERR ||
	    code == SQLITE_CANTOPEN) && (e == ENOSPC || e == EDQUOT))) {
		const char *path = sqlite3_db_filename(db, "main");
		int n = snprintf(buf, size, "%s for '%s'", e == EDQUOT ?
		    "disk quota exceeded" : "no space left on device",
		    path ? path : "");

		if (n > 0 && (size_t)n < size)
			return buf;
	}
	return msg;
}

int
db_err(sqlite3 *db, char *err, const char *what)
{
	char buf[ERR_LEN];

	return util_err(err, "%s: %s", what, db ? db_errmsg(db,
	    sqlite3_errmsg(db), buf, sizeof(buf)) : "out of memory");
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql, char *err)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db, st)) != NULL) {
		if (strcmp(sqlite3_sql(st), sql) == 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		db_err(db, err, "database");
		return NULL;
	}
	return st;
}

int
db_exec(sqlite3 *db, const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char buf[ERR_LEN];

		util_err(err, "database: %s", db_errmsg(db, msg ? msg :
		    sqlite3_errmsg(db), buf, sizeof(buf)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
db_sync_full(sqlite3 *db, int full, char *err)
{
	return db_exec(db, full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", err);
}

int
db_begin(sqlite3 *db, char *err)
{
	return db_exec(db, "BEGIN IMMEDIATE", err);
}

int
db_commit(sqlite3 *db, char *err)
{
	return db_exec(db, "COMMIT", err);
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int
db_user_version(sqlite3 *db, int *version, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*version = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(db, err, "database");
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_err(db, err, "database");
}

/* Applies the migrations the file lacks. The version is read again inside
 * the write lock, so two processes opening a new file migrate it once.
 * Foreign keys are off meanwhile (the pragma cannot change inside a
 * transaction), so that a migration may rebuild a table others refer to
 * as SQLite's ALTER TABLE documentation says; each migration's result
 * is checked with foreign_key_check before it commits. */
/* 0 when no row refers to a row that is not there, else -1 with err. */
static int
db_foreign_keys_hold(sqlite3 *db, int version, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		return db_err(db, err, "database");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		util_err(err, "migration %d leaves a row of '%s' referring to "
		    "nothing", version, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return -1;
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "database");
}

static int
db_migrate(sqlite3 *db, const char *path, int target, char *err)
{
	int version;
	char sql[64];

	if (db_user_version(db, &version, err) != 0)
		return -1;
	if (version < target && db_exec(db, "PRAGMA foreign_keys = OFF",
	    err) == -1)
		return -1;
	if (version > DB_NMIGRATIONS)
		return util_err(err, "database '%s' has schema version %d, newer "
		    "than this digest knows (%d): upgrade digest", path, version,
		    DB_NMIGRATIONS);
	while (version < target) {
		if (db_begin(db, err) == -1)
			return -1;
		if (db_user_version(db, &version, err) == -1)
			goto fail;
		if (version >= target) {
			db_rollback(db);
			break;
		}
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		if (db_exec(db, db_migrations[version], err) == -1 ||
		    db_foreign_keys_hold(db, version + 1, err) == -1 ||
		    db_exec(db, sql, err) == -1 || db_commit(db, err) == -1)
			goto fail;
		version++;
	}
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* digest_token(): a new link secret (token.h), for SQL that creates
 * subscribers. Fails the statement rather than return a weak one. */
static void
db_sql_token(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char tok[TOKEN_LEN + 1], err[ERR_LEN];

	(void)argc;
	(void)argv;
	if (token_new(tok, err) == -1) {
		sqlite3_result_error(ctx, err, -1);
		return;
	}
	sqlite3_result_text(ctx, tok, TOKEN_LEN, SQLITE_TRANSIENT);
}

/*
 * A new database file is created here, readable by its owner only,
 * whatever the umask: it holds every subscriber's link secrets and
 * consent record. SQLite gives its -wal and -shm files the database
 * file's mode. An existing file keeps the mode it has.
 */
static int
db_create_private(const char *path, char *err)
{
	int fd;

	if (*path == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 && errno != EEXIST)
		return util_err(err, "cannot create database '%s': %s", path,
		    errno == ENOSPC || errno == EDQUOT ?
		    "no space left on device" : strerror(errno));
	if (fd != -1 && (fchmod(fd, 0600) == -1 || close(fd) == -1))
		return util_err(err, "cannot create database '%s': %s", path,
		    strerror(errno));
	return 0;
}

/* digest_addr_key(address): its key (addrkey.h), for migrations that
 * match stored addresses; a text with no key (no '@', a domain IDNA
 * refuses: no address digest stored is like that) is its own key. */
static void
db_sql_addr_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	char key[ADDRKEY_MAX + 1], err[ERR_LEN];

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (addrkey_make(s, strlen(s), key, err) == -1)
		sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
}

static sqlite3 *
db_open_flags(const char *path, int flags, char *err)
{
	sqlite3 *db = NULL;
	char e[ERR_LEN];

	if ((flags & SQLITE_OPEN_CREATE) && db_create_private(path, err) == -1)
		return NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		util_err(err, "cannot open database '%s': %s", path,
		    db ? db_errmsg(db, sqlite3_errmsg(db), e, sizeof(e)) :
		    "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	if (sqlite3_create_function(db, "digest_token", 0, SQLITE_UTF8, NULL,
	    db_sql_token, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "digest_addr_key", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, db_sql_addr_key, NULL,
	    NULL) != SQLITE_OK) {
		util_err(err, "cannot open database '%s': %s", path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	/* Reads through a memory map rather than pread copies: selection
	 * over a large store touches rows all over the file. */
	if (db_exec(db, "PRAGMA mmap_size = 268435456", e) == -1) {
		util_err(err, "cannot open database '%s': %s", path, e);
		sqlite3_close(db);
		return NULL;
	}
	/* A large ingest is one transaction: with the default 2 MB page
	 * cache it spills to the WAL again and again before it commits. */
	/* page_size only takes on a new file: articles are about a kilobyte
	 * and 8 KB pages split less often while a store fills up. */
	/* synchronous = FULL: a commit is on disk (the WAL fsynced) before
	 * it returns, so whatever digest acknowledges after a commit (a
	 * signup, an unsubscribe, a message marked in flight) survives a
	 * power loss, not only a kill. NORMAL would sync only at
	 * checkpoints and could lose the last transactions. */
	if ((flags & SQLITE_OPEN_READWRITE) &&
	    (db_exec(db, "PRAGMA page_size = 8192", e) == -1 ||
	    db_exec(db, "PRAGMA cache_size = -65536", e) == -1 ||
	    db_exec(db, "PRAGMA journal_mode = WAL", e) == -1 ||
	    db_exec(db, "PRAGMA synchronous = FULL", e) == -1)) {
		util_err(err, "cannot open database '%s': %s", path, e);
		sqlite3_close(db);
		return NULL;
	}
	if (db_exec(db, "PRAGMA foreign_keys = ON", e) == -1) {
		util_err(err, "cannot open database '%s': %s", path, e);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *
db_open(const char *path, char *err)
{
	return db_open_version(path, DB_NMIGRATIONS, err);
}

sqlite3 *
db_open_version(const char *path, int version, char *err)
{
	sqlite3 *db;
	char e[ERR_LEN];

	db = db_open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    err);
	if (db == NULL)
		return NULL;
	if (db_migrate(db, path, version, e) == -1 ||
	    db_exec(db, "PRAGMA foreign_keys = ON", e) == -1) {
		util_err(err, "cannot open database '%s': %s", path, e);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *
db_open_readonly(const char *path, char *err)
{
	struct stat st;
	sqlite3 *db;
	int version = 0;
	char e[ERR_LEN];

	if (stat(path, &st) == -1) {
		util_err(err, "no database at '%s'", path);
		return NULL;
	}
	db = db_open_flags(path, SQLITE_OPEN_READONLY, err);
	if (db == NULL)
		return NULL;
	if (db_user_version(db, &version, e) == -1 || version != DB_NMIGRATIONS) {
		util_err(err, "database '%s' is at schema version %d, not %d: "
		    "open it once read-write to migrate", path, version,
		    DB_NMIGRATIONS);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void
db_limit_memory(sqlite3 *db, long cache_kb, long long mmap_bytes)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%ld", cache_kb);
	(void)db_exec(db, sql, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA mmap_size = %lld", mmap_bytes);
	(void)db_exec(db, sql, NULL);
}

void
db_temp_in_memory(sqlite3 *db)
{
	(void)db_exec(db, "PRAGMA temp_store = MEMORY", NULL);
}

int
db_checkpoint(sqlite3 *db, char *err)
{
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);

	/* BUSY: another connection is checkpointing; it does the work. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return db_err(db, err, "checkpoint");
	return 0;
}

void
db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	while ((st = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_close(db);
}

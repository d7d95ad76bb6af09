/*
 * db: the one SQLite file digest keeps everything in.
 *
 * Opening sets WAL with synchronous = FULL (every commit is on disk when
 * it returns), a busy timeout and foreign keys, then applies the
 * forward migrations the file has not seen (PRAGMA user_version counts
 * them), each in its own transaction. A file from a newer digest is
 * refused rather than misread.
 */
#ifndef DIGEST_DB_H
#define DIGEST_DB_H

#include <stdint.h>

struct sqlite3;

#define DB_DEFAULT_PATH "digest.db"
#define DB_BUSY_TIMEOUT_MS 5000

/* Opens (creating if needed) and migrates the database at path.
 * Returns the handle, or NULL with err. Close with db_close(). */
struct sqlite3 *db_open(const char *path, char *err);
/* As db_open, but migrates only up to schema version `version`: for
 * tests of the migrations themselves. */
struct sqlite3 *db_open_version(const char *path, int version, char *err);

/* As db_open, but fails when the file does not exist and never writes. */
struct sqlite3 *db_open_readonly(const char *path, char *err);
void db_close(struct sqlite3 *db);

/* Bounds the memory a connection uses: page cache in KB, memory map in
 * bytes (0 = read through the page cache). For long runs over a large
 * store, like a send, whose working set is small. */
void db_limit_memory(struct sqlite3 *db, long cache_kb, long long mmap_bytes);

/* Keeps this connection's temporary files in memory, the journal of a
 * savepoint among them: past 64 KB SQLite spills it to a file it makes
 * and deletes in every transaction. For a connection whose
 * transactions are small and many, like the signup server's. */
void db_temp_in_memory(struct sqlite3 *db);

/* Copies what the WAL holds into the database file (a passive
 * checkpoint: it never waits for a writer), for a thread that runs them
 * in place of another connection's automatic ones. 0, or -1 with err. */
int db_checkpoint(struct sqlite3 *db, char *err);

/* Sets this connection's commits to be fsynced (full, the default) or
 * only written (not full), until set again: for a writer whose commits
 * come in a known order, so that a lost unsynced one is found again
 * through an earlier synced one (send.c's marks). Outside a
 * transaction only. 0, or -1 with err. */
int db_sync_full(struct sqlite3 *db, int full, char *err);

/* The schema version this build writes. */
int db_schema_version(void);

/* BEGIN IMMEDIATE (read-then-write safe under WAL), COMMIT, ROLLBACK. */
int db_begin(struct sqlite3 *db, char *err);
int db_commit(struct sqlite3 *db, char *err);
void db_rollback(struct sqlite3 *db);

/* Returns the prepared statement for sql, reset and with its bindings
 * cleared. Statements are cached per connection (found again through
 * sqlite3_next_stmt) and owned by it: never finalize one; reset it when
 * done stepping. Not for a statement that is already being stepped. */
struct sqlite3_stmt *db_prepare(struct sqlite3 *db, const char *sql,
    char *err);

/* Runs one statement with no result rows. */
int db_exec(struct sqlite3 *db, const char *sql, char *err);

/* Fills err with "what: sqlite message" and returns -1. */
int db_err(struct sqlite3 *db, char *err, const char *what);

#endif

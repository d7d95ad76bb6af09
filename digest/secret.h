/*
 * secret: the passwords digest logs in with (SMTP, the return mailbox),
 * from the environment or from a file only its owner can read; never
 * from the configuration file or a command line, never logged.
 */
#ifndef DIGEST_SECRET_H
#define DIGEST_SECRET_H

#define SECRET_MAX 1024		/* bytes of a password */

/*
 * The password named by env ("DIGEST_SMTP_PASSWORD"): $env, else the
 * first line of the file path (when not NULL or ""), else of the file
 * $env_FILE. A file is refused when its group or others have any access
 * to it ("'x' can be read by others: chmod 600 x"). Writes an allocated
 * string into *out (NULL when none is configured); the caller frees it
 * after overwriting it (secret_free). 0, or -1 with err, which never
 * holds the password.
 */
int secret_load(const char *env, const char *path, char **out, char *err);

/* 1 when a password may be sent to host in plain text: this machine,
 * named as an address (127.0.0.0/8, [::1]) or "localhost"; a DNS name
 * such as 127.example.org is not. Else 0. */
int secret_plain_ok(const char *host);

/* Overwrites and frees a password from secret_load; NULL is fine. */
void secret_free(char *s);

#endif

#include "secret.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the first line of an open file (at most SECRET_MAX bytes) into
 * an allocated string; caller frees. 0, or -1 with err. */
static int
secret_read(int fd, const char *path, char **out, char *err)
{
	char buf[SECRET_MAX + 2];
	size_t n = 0, len;
	ssize_t k;
	int rc = 0;

	while (n < sizeof(buf) - 1) {
		k = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = util_err(err, "cannot read '%s': %s", path,
			    strerror(errno));
			break;
		}
		if (k == 0 || memchr(buf + n, '\n', (size_t)k) != NULL) {
			n += (size_t)k;
			break;
		}
		n += (size_t)k;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\n");
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (rc == 0 && len > SECRET_MAX)
		rc = util_err(err, "the password in '%s' is longer than %d "
		    "bytes", path, SECRET_MAX);
	else if (rc == 0 && len == 0)
		rc = util_err(err, "'%s' holds no password on its first line",
		    path);
	if (rc == 0)
		*out = xstrndup(buf, len);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* The first line of path, refused when its group or others have any
 * access: only its owner should know the password. */
static int
secret_file(const char *path, char **out, char *err)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return util_err(err, "cannot open password file '%s': %s",
		    path, strerror(errno));
	/* fstat, not stat: the file checked is the file read. */
	if (fstat(fd, &st) == -1)
		rc = util_err(err, "cannot stat '%s': %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = util_err(err, "password file '%s' is not a regular file",
		    path);
	else if ((st.st_mode & 077) != 0)
		rc = util_err(err, "'%s' can be read by others: chmod 600 %s",
		    path, path);
	else
		rc = secret_read(fd, path, out, err);
	close(fd);
	return rc;
}

int
secret_load(const char *env, const char *path, char **out, char *err)
{
	const char *value = getenv(env);
	char file_env[128];

	*out = NULL;
	if (value != NULL && *value != '\0') {
		if (strlen(value) > SECRET_MAX)
			return util_err(err, "$%s is longer than %d bytes",
			    env, SECRET_MAX);
		*out = xstrdup(value);
		return 0;
	}
	if (path == NULL || *path == '\0') {
		snprintf(file_env, sizeof(file_env), "%s_FILE", env);
		path = getenv(file_env);
	}
	if (path == NULL || *path == '\0')
		return 0;
	return secret_file(path, out, err);
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
secret_plain_ok(const char *host)
{
	struct in_addr a;

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127;
}

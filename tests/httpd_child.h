/*
 * httpd_child: tests/servers/httpd.py as a child of a cmocka test, for
 * the tests that fetch over real HTTP (test_fetch, test_ingest). It
 * listens on 127.0.0.1 on a port the kernel picks, serves a fresh
 * scratch directory as /files/, and logs each request. It also watches
 * its stdin, a pipe from this process, so it exits if the test dies
 * without stopping it. Include after cmocka.h and testutil.h.
 */
#ifndef DIGEST_HTTPD_CHILD_H
#define DIGEST_HTTPD_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#define HTTPD_PYTHON "/usr/bin/python3"

extern char **environ;

struct httpd_child {
	pid_t pid;
	int stdin_fd;		/* our end of the server's stdin */
	int port;
	char dir[4096];		/* served as /files/ */
	char log[4200];		/* dir/requests.log, the server's --log */
};


/* Starts the server in a new scratch directory: 0, or -1 (said on
 * stderr). Proxies from the environment are turned off, or they would
 * send 127.0.0.1 elsewhere. */
static inline int
httpd_child_start(struct httpd_child *h)
{
	char script[4096];
	char *argv[] = { HTTPD_PYTHON, script, "--dir", h->dir, "--log",
	    h->log, "--watch-stdin", NULL };
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->stdin_fd = -1;
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	snprintf(script, sizeof(script), "%s/servers/httpd.py",
	    tu_tests_dir());
	snprintf(h->dir, sizeof(h->dir), "%s", tu_tmpdir());
	snprintf(h->log, sizeof(h->log), "%s/requests.log", h->dir);
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	rc = posix_spawn(&h->pid, HTTPD_PYTHON, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	h->stdin_fd = in[1];
	if (rc != 0)
		h->pid = -1;
	rc = rc == 0 && (h->port = tu_read_port(out[0])) > 0 ? 0 : -1;
	close(out[0]);
	if (rc == -1)
		fprintf(stderr, "cannot start %s with %s\n", script,
		    HTTPD_PYTHON);
	return rc;
}

/* Stops the server (killed and reaped, whatever the tests did) and
 * removes its directory, with its log and the files the test put there. */
static inline void
httpd_child_stop(struct httpd_child *h)
{
	if (h->stdin_fd != -1)
		close(h->stdin_fd);
	h->stdin_fd = -1;
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	h->pid = -1;
	if (h->dir[0] != '\0')
		(void)tu_rmtree(h->dir);
}

/* The server's URL of path ("/feed"); static storage, one at a time. */
static inline const char *
httpd_child_url(const struct httpd_child *h, const char *path)
{
	static char u[4300];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", h->port, path);
	return u;
}

#endif

/*
 * bench: what the benchmark programs share. Each bench/bench_<x>.c is a
 * program that prints one line per figure:
 *     bench <name>: <value> <unit> (<details>) [target <t>: ok|MISSED]
 * Figures are measured, never asserted: `make bench` prints, tests test.
 */
#ifndef DIGEST_BENCH_H
#define DIGEST_BENCH_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"	/* util_monotonic(), the clock of every figure */

/* Prints a figure; higher_is_better says which way the target points. */
static inline void
bench_report(const char *name, double value, const char *unit,
    double target, int higher_is_better, const char *details)
{
	int met = higher_is_better ? value >= target : value <= target;

	printf("bench %s: %.2f %s (%s) [target %s %.0f %s: %s]\n", name, value,
	    unit, details, higher_is_better ? ">=" : "<=", target, unit,
	    met ? "ok" : "MISSED");
	fflush(stdout);
}

/* xorshift64 (Marsaglia's 13, 7, 17): a fixed seed builds the same input
 * on every run, so figures compare across runs and machines. Advances
 * *state, which must not be 0, and returns it. */
static inline uint64_t
bench_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* A free TCP port on 127.0.0.1, for a server a bench starts (free now:
 * bind it soon). Exits when there is none. */
static inline int
bench_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		fprintf(stderr, "bench: no free port\n");
		exit(1);
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Prints a figure that has no target of its own (the same figure at
 * another size, a peer's). */
static inline void
bench_figure(const char *name, double value, const char *unit,
    const char *details)
{
	printf("bench %s: %.2f %s (%s)\n", name, value, unit, details);
	fflush(stdout);
}

/* Runs argv (argv[0] a path) as a user would from a shell, stdin from
 * /dev/null and stdout to out_path (NULL: /dev/null); stderr is ours.
 * Returns the wall-clock seconds from fork to exit, with the child's CPU
 * seconds (user + system) in *cpu; -1 when it could not run or did not
 * exit 0. */
static inline double
bench_spawn(char *const argv[], const char *out_path, double *cpu)
{
	double t0 = util_monotonic(), wall;
	struct rusage ru;
	int status, in, out;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		in = open("/dev/null", O_RDONLY);
		out = open(out_path ? out_path : "/dev/null", O_WRONLY |
		    O_CREAT | O_TRUNC, 0600);
		if (in == -1 || out == -1 || dup2(in, STDIN_FILENO) == -1 ||
		    dup2(out, STDOUT_FILENO) == -1)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1)
		return -1;
	wall = util_monotonic() - t0;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? wall : -1;
}

#endif

#include "probe.h"
#include "util.h"

#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* A connection to where, libcurl's, and nothing sent on it: TLS for
 * https (no certificate check, no ALPN: only whether the handshake
 * completes), none for http. NULL when it could not be had within
 * timeout_ms. No proxy from the environment: the port itself is asked. */
static CURL *
probe_connect(const char *scheme, const char *where, long timeout_ms)
{
	char url[400];
	CURL *h;
	CURLcode rc;

	if (snprintf(url, sizeof(url), "%s://%s/", scheme, where) >=
	    (int)sizeof(url) || (h = curl_easy_init()) == NULL)
		return NULL;
	rc = curl_easy_setopt(h, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_SSL_ENABLE_ALPN, 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(h);
		return NULL;
	}
	return h;
}

enum probe_answer
probe_tls(const char *where, long timeout_ms)
{
	CURL *h = probe_connect("https", where, timeout_ms);

	if (h == NULL)
		return PROBE_UNKNOWN;
	curl_easy_cleanup(h);
	return PROBE_YES;
}

enum probe_answer
probe_greeting(const char *where, const char *greeting, long timeout_ms)
{
	double deadline = util_monotonic() + (double)timeout_ms / 1e3;
	size_t want = strlen(greeting), have = 0, n;
	char buf[64];
	curl_socket_t fd;
	CURL *h = probe_connect("http", where, timeout_ms);
	CURLcode rc;

	if (h == NULL)
		return PROBE_UNKNOWN;
	if (want > sizeof(buf) || curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET,
	    &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
		want = 0;
	/* The greeting comes first, unasked: read until there are enough
	 * bytes to compare, the server stops, or the time is up. */
	while (want > 0 && have < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - util_monotonic();

		if (left <= 0 || poll(&p, 1, (int)(left * 1e3) + 1) <= 0)
			break;
		rc = curl_easy_recv(h, buf + have, want - have, &n);
		if (rc == CURLE_AGAIN)
			continue;
		if (rc != CURLE_OK || n == 0)
			break;
		have += n;
	}
	curl_easy_cleanup(h);
	return want > 0 && have == want && strncasecmp(buf, greeting,
	    want) == 0 ? PROBE_YES : PROBE_UNKNOWN;
}

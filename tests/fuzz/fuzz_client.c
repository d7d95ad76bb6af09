/*
 * fuzz_client: who a request of the signup backend comes from
 * (subscribers/client.h), from a forwarding list a stranger writes. The
 * first byte's low bit picks Forwarded (RFC 7239) or X-Forwarded-For;
 * the rest is the list, behind a peer that is a trusted proxy. The
 * client found is the peer or an address of the list, never a range
 * nor a name; it prints as an address that parses back to itself; and
 * the same list gives the same client. The bytes are also read as a
 * trusted_proxies setting: accepted within CLIENT_PROXIES_MAX ranges
 * with prefixes in range, or refused with a reason.
 */
#include "client.h"
#include "fuzz.h"
#include "util.h"

#include <sys/socket.h>

static struct client_proxies fuzz_proxies;

static void
fuzz_client_init(void)
{
	char err[ERR_LEN];

	if (fuzz_proxies.n == 0 && client_proxies_parse(&fuzz_proxies,
	    "10.0.0.0/8, 2001:db8::/32, 127.0.0.1", err) == -1)
		abort();
}

/* The proxies setting read from the same bytes. */
static void
fuzz_client_setting(const char *s)
{
	struct client_proxies p;
	char err[ERR_LEN] = "";
	size_t i;

	memset(&p, 0, sizeof(p));
	if (client_proxies_parse(&p, s, err) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(p.n <= CLIENT_PROXIES_MAX);
	for (i = 0; i < p.n; i++)
		FUZZ_CHECK(p.v[i].bits >= 0 && p.v[i].bits <=
		    (p.v[i].ip.family == AF_INET ? 32 : 128));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_ip peer, a, b, back;
	char text[INET6_ADDRSTRLEN], *list;

	if (size < 1)
		return 0;
	fuzz_client_init();
	list = fuzz_cstr(data + 1, size - 1);
	FUZZ_CHECK(client_ip_parse("10.0.0.1", 8, &peer) == 0);
	a = peer;
	b = peer;
	client_forwarded(&fuzz_proxies, list, data[0] & 1, &a);
	client_forwarded(&fuzz_proxies, list, data[0] & 1, &b);
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
	client_ip_to_text(&a, text);
	FUZZ_CHECK(client_ip_parse(text, strlen(text), &back) == 0);
	FUZZ_CHECK(memcmp(&a, &back, sizeof(a)) == 0);
	/* Anything but the peer came from the list: its text is there,
	 * or the list has the IPv6 form it was written in. */
	FUZZ_CHECK(memcmp(&a, &peer, sizeof(a)) == 0 ||
	    strstr(list, text) != NULL || strchr(list, ':') != NULL);
	fuzz_client_setting(list);
	free(list);
	return 0;
}

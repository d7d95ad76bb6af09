/*
 * client: the peer, or the client a trusted proxy names (client.h).
 */
#include "client.h"
#include "util.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int
client_ip_parse(const char *s, size_t n, struct client_ip *ip)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *colon;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '"')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '"'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (*s == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return -1;
		n = (size_t)(close - s - 1);
		s++;
	} else if ((colon = memchr(s, ':', n)) != NULL &&
	    memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)) == NULL) {
		n = (size_t)(colon - s);	/* IPv4 with a port */
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, buf, ip->a) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ip->a) == 1)
		ip->family = AF_INET6;
	else
		return -1;
	if (ip->family == AF_INET6 && memcmp(ip->a,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->family = AF_INET;
	}
	return 0;
}

void
client_ip_from_sockaddr(const struct sockaddr *sa, struct client_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(ip->a, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		ip->family = AF_INET6;
		memcpy(ip->a, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
	}
}

void
client_ip_to_text(const struct client_ip *ip, char out[INET6_ADDRSTRLEN])
{
	if (inet_ntop(ip->family, ip->a, out, INET6_ADDRSTRLEN) == NULL)
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

static int
client_cidr_match(const struct client_cidr *c, const struct client_ip *ip)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->ip.family != ip->family || memcmp(c->ip.a, ip->a,
	    (size_t)full) != 0)
		return 0;
	return rest == 0 || ((c->ip.a[full] ^ ip->a[full]) &
	    (0xff << (8 - rest)) & 0xff) == 0;
}

int
client_proxies_trust(const struct client_proxies *p,
    const struct client_ip *ip)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (client_cidr_match(&p->v[i], ip))
			return 1;
	return 0;
}

int
client_proxies_parse(struct client_proxies *p, const char *list, char *err)
{
	const char *s = list, *slash;
	struct client_cidr *c;
	long long bits;
	char num[8];
	size_t k;

	while (*(s += strspn(s, " ,\t")) != '\0') {
		k = strcspn(s, " ,\t");
		if (p->n == CLIENT_PROXIES_MAX)
			return util_err(err, "trusted_proxies: more than %d "
			    "ranges", CLIENT_PROXIES_MAX);
		c = &p->v[p->n];
		slash = memchr(s, '/', k);
		if (client_ip_parse(s, slash ? (size_t)(slash - s) : k,
		    &c->ip) == -1)
			return util_err(err, "trusted_proxies: '%.*s' is not an "
			    "address or a CIDR range", (int)k, s);
		c->bits = c->ip.family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			snprintf(num, sizeof(num), "%.*s", (int)(k - (size_t)(
			    slash + 1 - s)), slash + 1);
			if (util_parse_long(num, 0, c->bits, &bits) == -1)
				return util_err(err, "trusted_proxies: bad prefix "
				    "length in '%.*s'", (int)k, s);
			c->bits = (int)bits;
		}
		p->n++;
		s += k;
	}
	return 0;
}

/* The for= of one element of Forwarded: [p, p + n) into *v, *vn. */
static int
client_forwarded_for(const char *p, size_t n, const char **v, size_t *vn)
{
	const char *end = p + n, *q;
	size_t k;

	while (p < end) {
		p += strspn(p, " \t;");
		q = memchr(p, ';', (size_t)(end - p));
		k = q ? (size_t)(q - p) : (size_t)(end - p);
		if (k > 4 && strncasecmp(p, "for=", 4) == 0) {
			*v = p + 4;
			*vn = k - 4;
			return 0;
		}
		p += k;
	}
	return -1;
}

void
client_forwarded(const struct client_proxies *p, const char *list,
    int rfc7239, struct client_ip *ip)
{
	const char *end = list + strlen(list), *comma, *v;
	struct client_ip hop;
	size_t vn;

	while (end > list) {
		for (comma = end; comma > list && comma[-1] != ','; comma--)
			;
		v = comma;
		vn = (size_t)(end - comma);
		if (rfc7239 && client_forwarded_for(comma, vn, &v, &vn) == -1)
			return;
		if (client_ip_parse(v, vn, &hop) == -1)
			return;
		*ip = hop;
		if (!client_proxies_trust(p, &hop))
			return;
		end = comma > list ? comma - 1 : list;
	}
}

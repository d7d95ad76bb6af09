/*
 * client: who is asking the signup backend. The peer's address, or,
 * when the peer is a trusted proxy (trusted_proxies), the client its
 * Forwarded (RFC 7239) or X-Forwarded-For header names. The rate
 * limiter keys on it and the consent log records it.
 *
 * Pure: no I/O, no allocation; the caller reads the headers
 * (http_header_join) and owns every string it passes.
 */
#ifndef DIGEST_CLIENT_H
#define DIGEST_CLIENT_H

#include <arpa/inet.h>
#include <stddef.h>

#define CLIENT_PROXIES_MAX 32

/* An address: IPv4 in the first 4 bytes (the rest zero), or IPv6. */
struct client_ip {
	int family;			/* AF_INET, AF_INET6 */
	unsigned char a[16];
};

/* The trusted proxies: addresses and CIDR ranges. */
struct client_proxies {
	struct client_cidr {
		struct client_ip ip;
		int bits;
	} v[CLIENT_PROXIES_MAX];
	size_t n;
};

/* Parses one address as a forwarding header gives it: "192.0.2.1",
 * "192.0.2.1:8080", "2001:db8::1", "[2001:db8::1]:8080", quoted or not;
 * an IPv4-mapped IPv6 address is that IPv4 address. 0, or -1 for
 * anything else ("unknown", "_hidden"). */
int client_ip_parse(const char *s, size_t n, struct client_ip *ip);
/* The address of a socket (AF_INET or AF_INET6; else 0.0.0.0). */
void client_ip_from_sockaddr(const struct sockaddr *sa,
    struct client_ip *ip);
/* The address as text, "?" when it has none. */
void client_ip_to_text(const struct client_ip *ip,
    char out[INET6_ADDRSTRLEN]);

/* Adds the trusted_proxies list (addresses and CIDR ranges separated
 * by spaces or commas) to p, which starts zeroed: 0, or -1 with err
 * naming the bad one. */
int client_proxies_parse(struct client_proxies *p, const char *list,
    char *err);
/* 1 when ip is one of the trusted proxies. */
int client_proxies_trust(const struct client_proxies *p,
    const struct client_ip *ip);

/*
 * The client of a request that came from the trusted proxy *ip, as the
 * forwarding list names it (Forwarded's elements when rfc7239, else
 * X-Forwarded-For's addresses): walking the list from its end (the hop
 * nearest to us), the first address that is not a trusted proxy. Each
 * proxy appends the address it was connected from, so what a client
 * writes into the header itself sits further left and is never reached
 * unless every hop after it is trusted. A value that is not an address
 * ends the walk at the last good hop. *ip is updated in place.
 */
void client_forwarded(const struct client_proxies *p, const char *list,
    int rfc7239, struct client_ip *ip);

#endif

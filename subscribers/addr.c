#include "addr.h"
#include "utf8.h"
#include "util.h"

#include <string.h>

#define ADDR_LOCAL_MAX 64
#define ADDR_LABEL_MAX 63

/* The atext characters of RFC 5322 3.2.3: what a dot-atom is made of. */
static int
addr_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
addr_is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Bytes that must never reach a mail header, whatever else is wrong:
 * line breaks (header injection), other controls, and text that is not
 * UTF-8 (it cannot even be shown back). */
static int
addr_check_controls(const char *s, size_t len, char *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n')
			return util_err(err, "the address contains a line "
			    "break");
		if (c == '\t')
			return util_err(err, "the address contains a tab");
		if (c < 0x20 || c == 0x7F)
			return util_err(err, "the address contains a control "
			    "character");
	}
	if (!utf8_valid(s, len))
		return util_err(err, "the address is not valid UTF-8");
	return 0;
}

/* Explains a non-ASCII character; the code point shows what an
 * invisible one is. */
static int
addr_non_ascii(const char *s, size_t len, char *err)
{
	uint32_t cp;
	size_t k = utf8_decode(s, len, &cp);

	if (utf8_is_space(cp))
		return util_err(err, "the address contains a space (U+%04X)",
		    (unsigned)cp);
	return util_err(err, "the address contains '%.*s' (U+%04X): addresses "
	    "with non-ASCII characters are not supported yet", (int)k, s,
	    (unsigned)cp);
}

/* The characters a dot-atom address can never hold, with the reason a
 * person needs. Brackets, quotes and commas mean the address was pasted
 * with what surrounds it, so those are looked for first. */
static int
addr_check_chars(const char *s, size_t len, char *err)
{
	size_t i;

	if (memchr(s, '<', len) != NULL || memchr(s, '>', len) != NULL)
		return util_err(err, "the address contains '<' or '>': give "
		    "the bare address, like name@example.com");
	if (memchr(s, '"', len) != NULL)
		return util_err(err, "the address contains a quote mark: "
		    "quoted addresses are not supported");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return addr_non_ascii(s + i, len - i, err);
		if (addr_is_atext(c) || c == '.' || c == '@')
			continue;
		if (c == ' ')
			return util_err(err, "the address contains a space");
		if (c == ',' || c == ';')
			return util_err(err, "the address contains '%c': give "
			    "one address at a time", c);
		if (c == '(' || c == ')')
			return util_err(err, "the address contains '%c': "
			    "comments are not allowed", c);
		if (c == '[' || c == ']')
			return util_err(err, "the address contains '%c': IP "
			    "addresses in brackets are not supported, use a "
			    "domain name", c);
		return util_err(err, "the address contains '%c', which is not "
		    "allowed", c);
	}
	return 0;
}

/* Dots in either part: not first, not last, not two in a row. */
static int
addr_check_dots(const char *s, size_t len, const char *part, char *err)
{
	if (s[0] == '.')
		return util_err(err, "the part %s @ starts with a dot", part);
	if (s[len - 1] == '.')
		return util_err(err, "the part %s @ ends with a dot", part);
	if (memmem(s, len, "..", 2) != NULL)
		return util_err(err, "there are two dots in a row");
	return 0;
}

static int
addr_check_local(const char *s, size_t len, char *err)
{
	if (len == 0)
		return util_err(err, "the part before @ is missing");
	if (addr_check_dots(s, len, "before", err) == -1)
		return -1;
	if (len > ADDR_LOCAL_MAX)
		return util_err(err, "the part before @ is longer than %d "
		    "characters", ADDR_LOCAL_MAX);
	return 0;
}

static int
addr_check_label(const char *s, size_t len, char *err)
{
	if (len > ADDR_LABEL_MAX)
		return util_err(err, "the part after @ has a name longer "
		    "than %d characters between its dots", ADDR_LABEL_MAX);
	if (s[0] == '-')
		return util_err(err, "'%.*s' after @ starts with a hyphen",
		    (int)len, s);
	if (s[len - 1] == '-')
		return util_err(err, "'%.*s' after @ ends with a hyphen",
		    (int)len, s);
	return 0;
}

static int
addr_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* LDH labels (RFC 1035, as RFC 5321 4.1.2 restricts a domain), at
 * least two, the last not all digits: a name that DNS can give an MX
 * record, never an IP address. */
static int
addr_check_domain(const char *s, size_t len, char *err)
{
	const char *label = s, *dot, *end = s + len;
	int numeric = 1;
	size_t i;

	if (len == 0)
		return util_err(err, "the part after @ is missing");
	if (addr_check_dots(s, len, "after", err) == -1)
		return -1;
	for (i = 0; i < len; i++)
		if (!addr_is_ldh((unsigned char)s[i]) && s[i] != '.')
			return util_err(err, "the part after @ contains '%c': "
			    "only letters, digits, hyphens and dots are "
			    "allowed there", s[i]);
	if (memchr(s, '.', len) == NULL)
		return util_err(err, "the part after @ needs a dot, like "
		    "example.com");
	for (;;) {
		dot = memchr(label, '.', (size_t)(end - label));
		if (addr_check_label(label, (size_t)((dot ? dot : end) - label),
		    err) == -1)
			return -1;
		numeric &= addr_all_digits(label,
		    (size_t)((dot ? dot : end) - label));
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	if (numeric)
		return util_err(err, "the part after @ is an IP address: use a "
		    "domain name, like example.com");
	if (addr_all_digits(label, (size_t)(end - label)))
		return util_err(err, "the part after @ ends in a number "
		    "('%.*s'), not a name like .com", (int)(end - label),
		    label);
	return 0;
}

int
addr_from_text(const char *s, size_t len, char out[ADDR_MAX + 1], char *err)
{
	const char *at;
	size_t local, i;

	s = util_trim(s, &len);
	if (len == 0)
		return util_err(err, "the address is empty");
	if (addr_check_controls(s, len, err) == -1 ||
	    addr_check_chars(s, len, err) == -1)
		return -1;
	if ((at = memchr(s, '@', len)) == NULL)
		return util_err(err, "the address needs an @, like "
		    "name@example.com");
	local = (size_t)(at - s);
	if (memchr(at + 1, '@', len - local - 1) != NULL)
		return util_err(err, "the address has more than one @");
	if (addr_check_local(s, local, err) == -1 ||
	    addr_check_domain(at + 1, len - local - 1, err) == -1)
		return -1;
	if (len > ADDR_MAX)
		return util_err(err, "the address is longer than %d characters",
		    ADDR_MAX);
	memcpy(out, s, local + 1);
	for (i = local + 1; i < len; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
		    s[i];
	out[len] = '\0';
	return 0;
}

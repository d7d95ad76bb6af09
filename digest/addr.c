#include "addr.h"
#include "addrkey.h"
#include "utf8.h"
#include "util.h"

#include <arpa/nameser.h>
#include <idn2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unictype.h>
#include <uninorm.h>

/* The reference counts the local part in characters, not octets: 64
 * two-byte letters are accepted (and the whole address then checked
 * against ADDR_MAX octets). */
#define ADDR_LOCAL_MAX 64
#define ADDR_LABEL_MAX 63
#define ADDR_DOMAIN_MAX 253
/* NFC never makes a character more than three, of at most 4 octets. */
#define ADDR_NFC_MAX (ADDR_LOCAL_MAX * 3 * 4)

/* One address being checked: where its parts are and their normal
 * forms. The local part points into the input when it is ASCII (nothing
 * to normalize) or into nfc. */
struct addr_work {
	const char *local;
	size_t local_len;
	int smtputf8;
	char nfc[ADDR_NFC_MAX];
	char domain[ADDR_DOMAIN_MAX + 1];	/* ASCII, lower case */
	size_t domain_len;
	size_t domain_unicode_len;	/* octets of its Unicode form */
};

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

static int
addr_is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/*
 * What is wrong anywhere in an address, whatever part it is in.
 */

/* Bytes that must never reach a mail header: line breaks (header
 * injection), other controls (C0, DEL and C1), and text that is not
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
		if (c == '\0')
			return util_err(err, "the address contains a control "
			    "character (a NUL byte)");
		if (c < 0x20 || c == 0x7F)
			return util_err(err, "the address contains a control "
			    "character");
		/* C1 controls, U+0080 to U+009F: C2 80 to C2 9F. */
		if (c == 0xC2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F)
			return util_err(err, "the address contains a control "
			    "character (U+%04X)", (unsigned char)s[i + 1]);
	}
	if (!addr_is_ascii(s, len) && !utf8_valid(s, len))
		return util_err(err, "the address is not valid UTF-8");
	return 0;
}

/* The ASCII characters a dot-atom address can never hold, before or
 * after the @, with the reason a person needs. Brackets, quotes and
 * commas mean the address was pasted with what surrounds it, so those
 * are looked for first. */
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

		if (c >= 0x80 || addr_is_atext(c) || c == '.' || c == '@')
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
		if (c == ':')
			return util_err(err, "the address contains ':': give "
			    "the bare address, without 'mailto:' or a name");
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

/*
 * The local part.
 */

/* A character the reference refuses in a local part once it is NFC:
 * controls, format characters (invisible: zero-width joiners, direction
 * overrides, soft hyphens), private use, unassigned code points and
 * spaces; a combining mark only first, where it would join whatever is
 * written before the address. */
static int
addr_check_local_char(uint32_t cp, int first, char *err)
{
	if (uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Z))
		return util_err(err, "the part before @ contains a space "
		    "(U+%04X)", (unsigned)cp);
	if (uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Co |
	    UC_CATEGORY_MASK_Cn))
		return util_err(err, "the part before @ contains U+%04X, "
		    "which is not an assigned character", (unsigned)cp);
	if (uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_C))
		return util_err(err, "the part before @ contains an invisible "
		    "character (U+%04X)", (unsigned)cp);
	if (first && uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_M))
		return util_err(err, "the part before @ starts with a "
		    "combining mark (U+%04X)", (unsigned)cp);
	return 0;
}

/* A local part with non-ASCII characters: NFC (RFC 6532 3.1) into
 * w->nfc, then each character checked. */
static int
addr_local_unicode(const char *s, size_t len, struct addr_work *w,
    char *err)
{
	size_t n = sizeof(w->nfc), i = 0, k;
	uint8_t *r;
	uint32_t cp;

	r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len,
	    (uint8_t *)w->nfc, &n);
	if (r == NULL)
		return util_err(err, "the part before @ cannot be normalized");
	if (r != (uint8_t *)w->nfc) {	/* cannot happen: see ADDR_NFC_MAX */
		free(r);
		return util_err(err, "the part before @ is too long");
	}
	/* NFC can turn a character into ASCII the raw check let through
	 * as non-ASCII (U+037E becomes ';'): the stored form must pass the
	 * ASCII rules too, or it would not validate again. */
	if (memchr(w->nfc, '@', n) != NULL)
		return util_err(err, "the address has more than one @");
	if (addr_check_chars(w->nfc, n, err) == -1 ||
	    addr_check_dots(w->nfc, n, "before", err) == -1)
		return -1;
	for (i = 0; i < n; i += k) {
		k = utf8_decode(w->nfc + i, n - i, &cp);
		if (addr_check_local_char(cp, i == 0, err) == -1)
			return -1;
	}
	w->local = w->nfc;
	w->local_len = n;
	w->smtputf8 = 1;
	return 0;
}

static int
addr_local(const char *s, size_t len, struct addr_work *w, char *err)
{
	if (len == 0)
		return util_err(err, "the part before @ is missing");
	if (addr_check_dots(s, len, "before", err) == -1)
		return -1;
	if (utf8_count(s, len) > ADDR_LOCAL_MAX)
		return util_err(err, "the part before @ is longer than %d "
		    "characters", ADDR_LOCAL_MAX);
	if (!addr_is_ascii(s, len))
		return addr_local_unicode(s, len, w, err);
	w->local = s;
	w->local_len = len;
	w->smtputf8 = 0;
	return 0;
}

/*
 * The domain.
 */

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
	/* "ab--cd": the 3rd and 4th places are kept for prefixes such as
	 * IDNA's "xn--" (RFC 5891 4.2.3.1). */
	if (len >= 4 && s[2] == '-' && s[3] == '-' &&
	    !(s[0] == 'x' && s[1] == 'n'))
		return util_err(err, "'%.*s' after @ has two hyphens in the "
		    "3rd and 4th places, which domain names may not have",
		    (int)len, s);
	return 0;
}

static int
addr_is_special_use(const char *tld, size_t len)
{
	/* IANA's special-use names that email-validator 1.3.0 refuses:
	 * never reachable from the Internet. */
	static const char *const names[] = { "arpa", "invalid", "local",
	    "localhost", "onion", "test" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], tld, len) == 0)
			return 1;
	return 0;
}

static int
addr_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return 0;
	return 1;
}

/* A domain whose last label does not end in a letter: no top-level
 * domain does, and an IP address is not a place mail can be sent to. */
static int
addr_tld_error(const char *s, size_t len, const char *tld, char *err)
{
	size_t n = len - (size_t)(tld - s);

	if (addr_all_digits(s, len))
		return util_err(err, "the part after @ is an IP address: use a "
		    "domain name, like example.com");
	if (addr_all_digits(tld, n))
		return util_err(err, "the part after @ ends in a number "
		    "('%.*s'), not a name like .com", (int)n, tld);
	return util_err(err, "the part after @ must end in a letter, like "
	    ".com, not '%.*s'", (int)n, tld);
}

/* The rules for the ASCII form of a domain, lower case in s: LDH labels
 * (RFC 1035, as RFC 5321 4.1.2 restricts a domain), at least two, the
 * last ending in a letter (every top-level domain does; never an IP
 * address), not a special-use name. */
static int
addr_check_domain_ascii(const char *s, size_t len, char *err)
{
	const char *label = s, *dot, *end = s + len;
	size_t i;

	if (addr_check_dots(s, len, "after", err) == -1)
		return -1;
	for (i = 0; i < len; i++)
		if (!addr_is_ldh((unsigned char)s[i]) && s[i] != '.')
			return util_err(err, "the part after @ contains '%c': "
			    "only letters, digits, hyphens and dots are "
			    "allowed there", s[i]);
	if (len > ADDR_DOMAIN_MAX)
		return util_err(err, "the part after @ is longer than %d "
		    "characters", ADDR_DOMAIN_MAX);
	for (;;) {
		dot = memchr(label, '.', (size_t)(end - label));
		if (addr_check_label(label, (size_t)((dot ? dot : end) - label),
		    err) == -1)
			return -1;
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	if (label == s)
		return util_err(err, "the part after @ needs a dot, like "
		    "example.com");
	if (end[-1] < 'a' || end[-1] > 'z')
		return addr_tld_error(s, len, label, err);
	if (addr_is_special_use(label, (size_t)(end - label)))
		return util_err(err, "'.%.*s' after @ is a special-use name "
		    "that mail on the Internet cannot reach",
		    (int)(end - label), label);
	return 0;
}

/* An A-label anywhere ("xn--", any case, first in a label): it must be
 * checked as IDNA, not only as LDH. */
static int
addr_has_alabel(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if ((i == 0 || s[i - 1] == '.') &&
		    (s[i] | 0x20) == 'x' && (s[i + 1] | 0x20) == 'n' &&
		    s[i + 2] == '-' && s[i + 3] == '-')
			return 1;
	return 0;
}

/* The common case: ASCII with no A-label, lower-cased into w->domain.
 * Its Unicode form is itself. */
static int
addr_domain_plain(const char *s, size_t len, struct addr_work *w,
    char *err)
{
	size_t i;

	if (len > ADDR_DOMAIN_MAX)
		return util_err(err, "the part after @ is longer than %d "
		    "characters", ADDR_DOMAIN_MAX);
	for (i = 0; i < len; i++)
		w->domain[i] = s[i] >= 'A' && s[i] <= 'Z' ?
		    (char)(s[i] - 'A' + 'a') : s[i];
	w->domain[len] = '\0';
	w->domain_len = w->domain_unicode_len = len;
	return addr_check_domain_ascii(w->domain, len, err);
}

/* Why libidn2 refused a domain, in a person's words. */
static int
addr_idna_error(int rc, const char *domain, char *err)
{
	switch (rc) {
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_PUNYCODE_OVERFLOW:
		return util_err(err, "the part after @ has an 'xn--' name that "
		    "is not valid punycode");
	case IDN2_TOO_BIG_DOMAIN:
		return util_err(err, "the part after @ is longer than %d "
		    "characters", ADDR_DOMAIN_MAX);
	case IDN2_TOO_BIG_LABEL:
		return util_err(err, "the part after @ has a name longer "
		    "than %d characters between its dots", ADDR_LABEL_MAX);
	case IDN2_LEADING_COMBINING:
		return util_err(err, "a name after @ starts with a combining "
		    "mark");
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
		return util_err(err, "the part after @ contains an invisible "
		    "joiner");
	case IDN2_BIDI:
		return util_err(err, "the part after @ mixes right-to-left "
		    "and left-to-right text in a way domain names may not");
	case IDN2_2HYPHEN:
		return util_err(err, "a name after @ has two hyphens in the "
		    "3rd and 4th places, which domain names may not have");
	default:
		return util_err(err, "the part after @ contains characters a "
		    "domain name cannot hold ('%.40s': %s)", domain,
		    idn2_strerror(rc));
	}
}

/* Non-ASCII or A-labels: UTS 46 non-transitional mapping (case, width,
 * "。" for ".", ignored invisibles) and IDNA 2008 (libidn2) give the
 * ASCII form, which must then pass the same rules as a plain domain;
 * the Unicode form is kept only for its length. */
static int
addr_domain_idna(const char *s, size_t len, struct addr_work *w,
    char *err)
{
	char *in, *ascii = NULL, *uni = NULL;
	size_t n;
	int rc;

	/* The error quotes the domain: from the terminated copy, as s is
	 * a slice of the input with no NUL after it. */
	in = xstrndup(s, len);
	rc = idn2_to_ascii_8z(in, &ascii, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		(void)addr_idna_error(rc, in, err);	/* fills err */
		free(in);
		return -1;
	}
	free(in);
	n = strlen(ascii);
	if (n == 0 || n > ADDR_DOMAIN_MAX) {
		free(ascii);
		return util_err(err, n == 0 ? "the part after @ is missing" :
		    "the part after @ is longer than %d characters",
		    ADDR_DOMAIN_MAX);
	}
	memcpy(w->domain, ascii, n + 1);
	w->domain_len = n;
	free(ascii);
	if (addr_check_domain_ascii(w->domain, n, err) == -1)
		return -1;
	rc = idn2_to_unicode_8z8z(w->domain, &uni, 0);
	if (rc != IDN2_OK) {
		(void)addr_idna_error(rc, w->domain, err);	/* fills err */
		return -1;
	}
	w->domain_unicode_len = strlen(uni);
	free(uni);
	return 0;
}

static int
addr_domain(const char *s, size_t len, struct addr_work *w, char *err)
{
	if (len == 0)
		return util_err(err, "the part after @ is missing");
	if (addr_is_ascii(s, len) && !addr_has_alabel(s, len))
		return addr_domain_plain(s, len, w, err);
	return addr_domain_idna(s, len, w, err);
}

/* At most ADDR_MAX octets as stored and as sent, and (as the reference
 * also checks) with the domain in Unicode. */
static int
addr_check_length(const struct addr_work *w, char *err)
{
	if (w->local_len + 1 + w->domain_len > ADDR_MAX ||
	    w->local_len + 1 + w->domain_unicode_len > ADDR_MAX)
		return util_err(err, "the address is longer than %d "
		    "characters", ADDR_MAX);
	return 0;
}

int
addr_parse(const char *s, size_t len, struct addr *a, char *err)
{
	struct addr_work w;
	const char *at;
	size_t local;

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
	if (addr_local(s, local, &w, err) != 0 ||
	    addr_domain(at + 1, len - local - 1, &w, err) != 0 ||
	    addr_check_length(&w, err) != 0)
		return -1;
	memcpy(a->text, w.local, w.local_len);
	a->text[w.local_len] = '@';
	memcpy(a->text + w.local_len + 1, w.domain, w.domain_len + 1);
	a->local_len = w.local_len;
	a->smtputf8 = w.smtputf8;
	return 0;
}

int
addr_from_text(const char *s, size_t len, char out[ADDR_MAX + 1], char *err)
{
	struct addr a;

	s = util_trim(s, &len);
	if (addr_parse(s, len, &a, err) == -1)
		return -1;
	memcpy(out, a.text, strlen(a.text) + 1);
	return 0;
}

/* The Unicode form of an ASCII domain with A-labels, or NULL when it
 * has none that IDNA 2008 takes back to the same A-labels (libidn2
 * decodes some that are not valid: "xn--a" gives U+0080). Free it. */
static char *
addr_domain_unicode(const char *domain)
{
	char *uni = NULL, *back = NULL;
	int ok;

	if (!addr_has_alabel(domain, strlen(domain)) ||
	    idn2_to_unicode_8z8z(domain, &uni, 0) != IDN2_OK) {
		free(uni);
		return NULL;
	}
	ok = idn2_to_ascii_8z(uni, &back, IDN2_NONTRANSITIONAL) == IDN2_OK &&
	    strcasecmp(back, domain) == 0;
	free(back);
	if (!ok) {
		free(uni);
		return NULL;
	}
	return uni;
}

char *
addr_display(const char *email)
{
	const char *at = strrchr(email, '@');
	char *uni, *out;
	size_t local;

	if (at == NULL || (uni = addr_domain_unicode(at + 1)) == NULL)
		return xstrdup(email);
	local = (size_t)(at - email);
	out = xmalloc(local + 1 + strlen(uni) + 1);
	memcpy(out, email, local + 1);
	memcpy(out + local + 1, uni, strlen(uni) + 1);
	free(uni);
	return out;
}

/*
 * Typos of popular mail domains.
 */

/* Where most subscribers of a newsletter get their mail. */
int
addr_key(const char *s, size_t len, char key[ADDR_KEY_MAX + 1], char *err)
{
	struct addr a;

	s = util_trim(s, &len);
	if (addr_parse(s, len, &a, err) == -1)
		return -1;
	return addrkey_make(a.text, strlen(a.text), key, err);
}

static const char *const addr_popular[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com",
	"outlook.com", "live.com", "msn.com", "icloud.com", "me.com",
	"aol.com", "protonmail.com", "proton.me", "gmx.de", "gmx.net",
	"web.de", "yahoo.co.uk", "hotmail.co.uk", "yahoo.fr", "hotmail.fr",
	"orange.fr", "free.fr", "mail.ru", "yandex.ru", "comcast.net",
	"verizon.net", "att.net", "qq.com", "163.com", "mail.com", "email.com",
	"ymail.com", "gmx.com", "live.co.uk", "sky.com",
};

/* Typos further than one edit from what was meant. */
static const struct {
	const char *typo, *meant;
} addr_typos[] = {
	{ "gamil.con", "gmail.com" }, { "gmial.con", "gmail.com" },
	{ "gmai.con", "gmail.com" }, { "gmal.con", "gmail.com" },
	{ "gmail.co.uk", "gmail.com" }, { "hotmial.con", "hotmail.com" },
	{ "hotmal.con", "hotmail.com" }, { "yahho.con", "yahoo.com" },
	{ "yaho.con", "yahoo.com" }, { "outlok.con", "outlook.com" },
};

/* 1 when a and b are one edit apart: one character replaced, added or
 * removed, or two neighbours swapped (the commonest slip: "gmial"). */
static int
addr_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0;

	if (na > nb)
		return addr_one_edit(b, nb, a, na);
	if (nb - na > 1)
		return 0;
	while (i < na && a[i] == b[i])
		i++;
	if (na == nb) {
		if (i == na)
			return 0;	/* equal */
		if (memcmp(a + i + 1, b + i + 1, na - i - 1) == 0)
			return 1;
		return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    memcmp(a + i + 2, b + i + 2, na - i - 2) == 0;
	}
	return memcmp(a + i, b + i + 1, na - i) == 0;
}

/* What the domain d (lower case, n octets) was probably meant to be, or
 * NULL. */
static const char *
addr_meant(const char *d, size_t n)
{
	size_t i, k;

	for (i = 0; i < sizeof(addr_popular) / sizeof(addr_popular[0]); i++)
		if (strlen(addr_popular[i]) == n &&
		    memcmp(addr_popular[i], d, n) == 0)
			return NULL;
	for (i = 0; i < sizeof(addr_typos) / sizeof(addr_typos[0]); i++)
		if (strlen(addr_typos[i].typo) == n &&
		    memcmp(addr_typos[i].typo, d, n) == 0)
			return addr_typos[i].meant;
	for (i = 0; i < sizeof(addr_popular) / sizeof(addr_popular[0]); i++) {
		const char *p = addr_popular[i];

		k = strlen(p);
		if (addr_one_edit(d, n, p, k))
			return p;
		/* "gmail": the name without its ending. */
		if (memchr(d, '.', n) == NULL && k > n && p[n] == '.' &&
		    memcmp(p, d, n) == 0 && strcmp(p + n, ".com") == 0)
			return p;
	}
	return NULL;
}

int
addr_suggest(const char *s, size_t len, char out[ADDR_MAX + 1])
{
	char d[ADDR_DOMAIN_MAX + 1];
	const char *at, *meant;
	size_t local, n, i;

	s = util_trim(s, &len);
	at = len > 0 ? memrchr(s, '@', len) : NULL;
	if (at == NULL)
		return 0;
	local = (size_t)(at - s);
	n = len - local - 1;
	if (local == 0 || n == 0 || n > ADDR_DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		d[i] = at[1 + i] >= 'A' && at[1 + i] <= 'Z' ?
		    (char)(at[1 + i] - 'A' + 'a') : at[1 + i];
	if ((meant = addr_meant(d, n)) == NULL ||
	    local + 1 + strlen(meant) > ADDR_MAX)
		return 0;
	memcpy(out, s, local + 1);
	memcpy(out + local + 1, meant, strlen(meant) + 1);
	return 1;
}

/*
 * Does the domain take mail?
 */

/* The answer to one query: 1 records of that type, 0 none (NODATA or
 * NXDOMAIN, which *nx tells apart), -1 the lookup failed. For MX, a
 * null MX (RFC 7505: one record whose exchange is the root) counts as
 * none and sets *null_mx. */
static int
addr_dns_query(res_state rs, const char *domain, int type, int *nx,
    int *null_mx, char *err)
{
	unsigned char buf[4096];
	char name[NS_MAXDNAME];
	ns_msg msg;
	ns_rr rr;
	int n, i, count, found = 0;

	n = res_nquery(rs, domain, ns_c_in, type, buf, sizeof(buf));
	if (n < 0) {
		if (rs->res_h_errno == HOST_NOT_FOUND) {
			*nx = 1;
			return 0;
		}
		if (rs->res_h_errno == NO_DATA)
			return 0;
		return util_err(err, "cannot look up '%s': %s", domain,
		    rs->res_h_errno == TRY_AGAIN ? "no answer in time (or "
		    "the server failed)" : "the DNS lookup failed");
	}
	if (ns_initparse(buf, n, &msg) == -1)
		return util_err(err, "cannot look up '%s': a malformed DNS "
		    "answer", domain);
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    (int)ns_rr_type(rr) != type)
			continue;
		if (type == ns_t_mx && ns_rr_rdlen(rr) >= 3 &&
		    dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, name, sizeof(name)) >= 0 &&
		    name[0] == '\0') {
			*null_mx = 1;
			continue;
		}
		found = 1;
	}
	return found;
}

int
addr_mx_check(const char *domain, int timeout_ms, char *err)
{
	struct __res_state rs;
	int rc, nx = 0, null_mx = 0;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) == -1)
		return util_err(err, "cannot read the resolver configuration");
	/* glibc counts in seconds: one try of at most the time given. */
	rs.retrans = timeout_ms <= 1000 ? 1 : (timeout_ms + 999) / 1000;
	rs.retry = 1;
	rc = addr_dns_query(&rs, domain, ns_t_mx, &nx, &null_mx, err);
	if (rc == 0 && !nx && !null_mx) {
		/* No MX: an address record stands in (RFC 5321 5.1). */
		rc = addr_dns_query(&rs, domain, ns_t_a, &nx, &null_mx, err);
		if (rc == 0)
			rc = addr_dns_query(&rs, domain, ns_t_aaaa, &nx,
			    &null_mx, err);
	}
	res_nclose(&rs);
	if (rc == 0)
		(void)util_err(err, nx ? "the domain '%s' does not exist" :
		    null_mx ? "the domain '%s' accepts no mail (null MX)" :
		    "the domain '%s' has no mail server", domain);
	return rc;
}

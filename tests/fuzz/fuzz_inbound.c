/*
 * fuzz_inbound: the return mailbox's classifier (DSN, ARF, bounces in
 * other styles, unsubscribes, auto-replies) on any bytes. It never
 * crashes and always answers; every field it keeps is one line of valid
 * UTF-8 within its size; only a bounce has a severity; a status is a
 * code ("5.1.1") or nothing; tokens are lower-case base32, distinct and
 * at most INBOUND_TOKENS_MAX. Classifying the same bytes twice gives the
 * same answer.
 */
#include "fuzz.h"
#include "inbound.h"

static const struct inbound_addrs fuzz_addrs = {
	"bounces@ledger.example.org", "unsubscribe@ledger.example.org",
};

static void
fuzz_field(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	FUZZ_CHECK(n < size);
	FUZZ_CHECK(utf8_valid(s, n));
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	FUZZ_CHECK(n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct inbound a, b;
	size_t i, j;

	inbound_classify((const char *)data, size, &fuzz_addrs, &a);
	FUZZ_CHECK(a.kind <= INBOUND_AUTOREPLY);
	FUZZ_CHECK(a.why != NULL && *a.why != '\0');
	FUZZ_CHECK(a.kind == INBOUND_BOUNCE || a.severity == INBOUND_NONE);
	FUZZ_CHECK(a.severity <= INBOUND_UNKNOWN_USER);
	fuzz_field(a.status, sizeof(a.status));
	fuzz_field(a.action, sizeof(a.action));
	fuzz_field(a.recipient, sizeof(a.recipient));
	fuzz_field(a.diagnostic, sizeof(a.diagnostic));
	fuzz_field(a.feedback_type, sizeof(a.feedback_type));
	fuzz_field(a.from, sizeof(a.from));
	fuzz_field(a.message_id, sizeof(a.message_id));
	fuzz_field(a.subject, sizeof(a.subject));
	FUZZ_CHECK(a.status[0] == '\0' || ((a.status[0] == '2' ||
	    a.status[0] == '4' || a.status[0] == '5') && a.status[1] == '.'));
	FUZZ_CHECK(a.ntokens <= INBOUND_TOKENS_MAX);
	for (i = 0; i < a.ntokens; i++) {
		const struct inbound_token *t = &a.tokens[i];

		FUZZ_CHECK(t->kind == VERP_BOUNCE ||
		    t->kind == VERP_UNSUBSCRIBE);
		FUZZ_CHECK(*t->text != '\0' && strlen(t->text) <=
		    VERP_TOKEN_MAX);
		FUZZ_CHECK(strspn(t->text, "abcdefghijklmnopqrstuvwxyz234567") ==
		    strlen(t->text));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(t->kind != a.tokens[j].kind ||
			    strcmp(t->text, a.tokens[j].text) != 0);
	}
	inbound_classify((const char *)data, size, &fuzz_addrs, &b);
	FUZZ_CHECK(a.kind == b.kind && a.severity == b.severity &&
	    a.ntokens == b.ntokens && a.why == b.why);
	FUZZ_CHECK(strcmp(a.diagnostic, b.diagnostic) == 0);
	return 0;
}

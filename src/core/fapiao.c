/* fapiao.c - owns the fapiao rules (see fapiao.h): defaults, the field checks and what a
 * special VAT invoice requires.  Phone rules come from country.c, the USCC from uscc.c. */
#include "fapiao.h"
#include <string.h>
#include "country.h"
#include "text.h"
#include "uscc.h"

#define LEN_TITLE 100
#define LEN_ADDRESS 200
#define LEN_BANK 100
#define LEN_NAME 50
#define LEN_PHONE 50
#define LEN_EMAIL 254
#define ACCOUNT_MIN 8
#define ACCOUNT_MAX 30

struct fctx {
	const char *prefix;
	struct pd_verrs *errs;
	struct pd_arena *ar;
};

static const char *path(const struct fctx *c, const char *name)
{
	return pd_printf(c->ar, "%s.%s", c->prefix, name);
}

/* UTF-8, at most max code points, no bidirectional controls; false after adding an error. */
static bool text_ok(const struct fctx *c, const char *name, const char *s, long max)
{
	if (!s)
		return true;
	long n = pd_utf8_len(s);
	if (n < 0)
		pd_verr_add(c->errs, 3000, path(c, name), PD_MSG_BAD_UTF8, NULL);
	else if (n > max)
		pd_verr_add(c->errs, 3000, path(c, name), PD_MSG_TOO_LONG, pd_printf(c->ar, "%ld", max));
	else
		return pd_text_check_bidi(c->errs, path(c, name), s);
	return false;
}

/* The account's digits without spaces and hyphens, or NULL if anything else is in it or
 * their number is outside 8-30. */
static const char *account_digits(const char *s, struct pd_arena *ar)
{
	size_t n = strlen(s), k = 0;
	char *d = pd_alloc(ar, n + 1);
	for (; *s; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (*s < '0' || *s > '9')
			return NULL;
		d[k++] = *s;
	}
	d[k] = 0;
	return k >= ACCOUNT_MIN && k <= ACCOUNT_MAX ? d : NULL;
}

static void check_type(struct pd_fapiao *f, const struct fctx *c)
{
	if (!f->invoice_type)
		f->invoice_type = "ordinary";
	else if (!strcmp(f->invoice_type, "ordinary") || !strcmp(f->invoice_type, "special"))
		return;
	else
		pd_verr_add(c->errs, 3000, path(c, "invoiceType"), PD_MSG_BAD_ENUM, "ordinary, special");
}

static void check_taxpayer(struct pd_fapiao *f, const char *regnum, const struct fctx *c)
{
	if (!f->taxpayer_id)
		f->taxpayer_id = regnum;
	if (!f->taxpayer_id) {
		pd_verr_add(c->errs, 3000, path(c, "taxpayerId"), PD_MSG_REQUIRED, NULL);
		return;
	}
	const char *canon = pd_uscc_verr(f->taxpayer_id, path(c, "taxpayerId"), c->errs, c->ar);
	if (canon)
		f->taxpayer_id = canon;
}

static void check_contacts(struct pd_fapiao *f, const struct fctx *c)
{
	if (text_ok(c, "registeredPhone", f->registered_phone, LEN_PHONE) && f->registered_phone &&
	    !pd_cn_phone_ok(f->registered_phone))
		pd_verr_add(c->errs, 3000, path(c, "registeredPhone"), PD_MSG_BAD_PHONE, "CN");
	if (text_ok(c, "bankAccount", f->bank_account, ACCOUNT_MAX * 2) && f->bank_account) {
		const char *d = account_digits(f->bank_account, c->ar);
		if (!d)
			pd_verr_add(c->errs, 3000, path(c, "bankAccount"), PD_MSG_BAD_ACCOUNT, NULL);
		else
			f->bank_account = d;
	}
	if (text_ok(c, "recipientMobile", f->recipient_mobile, LEN_PHONE) && f->recipient_mobile &&
	    !pd_cn_mobile_ok(f->recipient_mobile))
		pd_verr_add(c->errs, 3000, path(c, "recipientMobile"), PD_MSG_BAD_MOBILE, NULL);
	if (text_ok(c, "recipientEmail", f->recipient_email, LEN_EMAIL) && f->recipient_email &&
	    !pd_email_ok(f->recipient_email))
		pd_verr_add(c->errs, 3000, path(c, "recipientEmail"), PD_MSG_BAD_EMAIL, NULL);
}

/* A special VAT invoice (专用发票) carries the buyer's address, phone, bank and account. */
static void check_special(const struct pd_fapiao *f, const struct fctx *c)
{
	const struct {
		const char *name, *value;
	} need[] = {{"registeredAddress", f->registered_address}, {"registeredPhone", f->registered_phone},
		    {"bankName", f->bank_name}, {"bankAccount", f->bank_account}};
	if (!f->invoice_type || strcmp(f->invoice_type, "special"))
		return;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!need[i].value)
			pd_verr_add(c->errs, 3000, path(c, need[i].name), PD_MSG_FAPIAO_SPECIAL, NULL);
}

void pd_fapiao_check(struct pd_fapiao *f, const char *company_name, const char *regnum,
		     const char *prefix, struct pd_verrs *errs, struct pd_arena *ar)
{
	struct fctx c = {prefix, errs, ar};
	check_type(f, &c);
	if (f->digital < 0)
		f->digital = 0;
	if (!f->title)
		f->title = company_name;
	text_ok(&c, "title", f->title, LEN_TITLE);
	check_taxpayer(f, regnum, &c);
	text_ok(&c, "registeredAddress", f->registered_address, LEN_ADDRESS);
	text_ok(&c, "bankName", f->bank_name, LEN_BANK);
	text_ok(&c, "recipientName", f->recipient_name, LEN_NAME);
	check_contacts(f, &c);
	check_special(f, &c);
}

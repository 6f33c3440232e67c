/* store.c - backend selection by URL and the helpers common to every backend. */
#include "store_impl.h"
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum pd_err store_open(const char *url, bool migrate, struct store **out, char *errbuf,
		       size_t cap)
{
	*out = NULL;
	if (!strncmp(url, "sqlite:", 7))
		return store_sqlite_open(url + 7, migrate, out, errbuf, cap);
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return store_pg_open(url, migrate, out, errbuf, cap);
	snprintf(errbuf, cap, "unknown store URL '%s' (expected sqlite:PATH or postgresql://...)", url);
	return PD_EINVAL;
}

static enum pd_err make_key(struct store *st, void *arg)
{
	unsigned char *key = arg, raw[PD_KEY_LEN];
	char hex[2 * PD_KEY_LEN + 1];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	memcpy(key, raw, PD_KEY_LEN);
	sodium_memzero(raw, sizeof raw);
	return st->ops->setting_put(st, "digest_key", hex);
}

static enum pd_err read_key(struct store *st, unsigned char key[PD_KEY_LEN], bool *found)
{
	struct pd_arena *ar = pd_arena_new();
	char *hex = NULL;
	enum pd_err e = st->ops->setting_get(st, "digest_key", &hex, ar);
	size_t len = 0;
	*found = e == PD_OK;
	if (e == PD_OK && (sodium_hex2bin(key, PD_KEY_LEN, hex, strlen(hex), NULL, &len, NULL) != 0 ||
			   len != PD_KEY_LEN))
		e = PD_EINTERNAL;
	pd_arena_free(ar);
	return e == PD_ENOTFOUND ? PD_OK : e;
}

enum pd_err store_secret_key(struct store *st, unsigned char key[PD_KEY_LEN])
{
	bool found;
	enum pd_err e = read_key(st, key, &found);
	if (e != PD_OK || found)
		return e;
	e = store_tx(st, make_key, key);
	if (e == PD_ECONFLICT) /* another process made it first */
		return read_key(st, key, &found);
	return e;
}

enum pd_err store_tx(struct store *st, enum pd_err (*fn)(struct store *, void *), void *arg)
{
	enum pd_err e = store_begin(st);
	if (e != PD_OK)
		return e;
	e = fn(st, arg);
	if (e == PD_OK)
		return store_commit(st);
	store_rollback(st);
	return e;
}

char *store_billing_text(const struct pd_billing *b)
{
	struct pd_buf out; /* pd_billing_write_stored: the bytes jansson made of it, no tree */
	size_t n;
	pd_buf_init(&out, 1024);
	pd_billing_write_stored(&out, b);
	return pd_buf_take(&out, &n);
}

enum pd_err store_billing_parse(const char *text, struct pd_billing *b, struct pd_arena *ar)
{
	if (pd_billing_read_stored(text, b, ar)) /* the form store_billing_text writes */
		return PD_OK;
	struct pd_verrs errs = {0};
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	pd_billing_from_json(o, "billingProfile", b, &errs, ar);
	json_decref(o);
	return errs.n || !o ? PD_EINTERNAL : PD_OK;
}

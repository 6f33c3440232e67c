/* partners.c - creating a partner with its first global admin, in one transaction; used by
 * `partnerd partner add` and by the first start of an empty store.  The admin's password is
 * generated, hashed with Argon2id (the admin will be able to change it, so it is treated as
 * a human password) and returned once. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "country.h"
#include "ids.h"
#include "text.h"

struct create_args {
	const char *name, *email;
	struct pd_new_partner *out;
	char hash[PD_PWHASH_LEN];
};

static enum pd_err insert_partner(struct store *st, void *arg)
{
	struct create_args *a = arg;
	long long now = (long long)time(NULL);
	struct pd_partner p = {.id = a->out->partner_id, .name = a->name, .created = now};
	struct pd_user u = {.partner_id = p.id, .id = a->out->user_id, .email = a->email,
			    .display_name = "Global admin", .password_hash = a->hash,
			    .roles = "global_admin", .state = "active", .created = now};
	enum pd_err e = store_partner_insert(st, &p);
	return e == PD_OK ? store_user_insert(st, &u) : e;
}

enum pd_err pd_partner_create(struct store *st, const char *name, const char *admin_email,
			      struct pd_new_partner *out, char *errbuf, size_t cap)
{
	struct create_args a = {.name = name, .email = admin_email, .out = out};
	if (!name || !*name || pd_utf8_len(name) > 255)
		return snprintf(errbuf, cap, "--name must be 1-255 characters"), PD_EINVAL;
	if (pd_text_bidi(name))
		return snprintf(errbuf, cap, "--name must not contain the bidirectional control %s", pd_text_bidi(name)), PD_EINVAL;
	if (!admin_email || !pd_email_ok(admin_email) || strlen(admin_email) > 254)
		return snprintf(errbuf, cap, "--admin-email must be an e-mail address"), PD_EINVAL;
	pd_uuid_new(out->partner_id);
	pd_uuid_new(out->user_id);
	pd_password_generate(out->password);
	if (pd_password_hash(out->password, a.hash) != 0)
		return snprintf(errbuf, cap, "out of memory hashing the password"), PD_ENOMEM;
	enum pd_err e = store_tx(st, insert_partner, &a);
	if (e == PD_ECONFLICT)
		snprintf(errbuf, cap, "a user with the e-mail %s already exists", admin_email);
	else if (e != PD_OK)
		snprintf(errbuf, cap, "the store refused the write (%s)", pd_err_name(e));
	return e;
}

/* messages.h - the message catalog for error descriptions, in en-US, zh-CN and de-DE.
 * A message is a template; "{field}" and "{arg}" are replaced when rendered.  Adding a
 * message: add its key here and one row (three languages) in messages.c. */
#ifndef PD_MESSAGES_H
#define PD_MESSAGES_H
#include <stddef.h>

enum pd_locale { PD_LOCALE_EN = 0, PD_LOCALE_ZH, PD_LOCALE_DE, PD_LOCALE_COUNT };

enum pd_msg {
	PD_MSG_REQUIRED,          /* {field} is required */
	PD_MSG_TOO_LONG,          /* {field} is longer than {arg} characters */
	PD_MSG_TOO_SHORT,         /* {field} is shorter than {arg} characters */
	PD_MSG_INVALID,           /* {field} is not valid */
	PD_MSG_BAD_TYPE,          /* {field} must be {arg}: a type phrase ("a string", "an object",
				   * ... see messages.c), rendered in the caller's language */
	PD_MSG_BAD_ENUM,          /* {field} must be one of: {arg} */
	PD_MSG_BAD_EMAIL,         /* {field} is not a valid e-mail address */
	PD_MSG_BAD_COUNTRY,       /* {field} is not a supported ISO 3166-1 alpha-2 country code */
	PD_MSG_BAD_STATE,         /* {field} is not a state or province of {arg} */
	PD_MSG_BAD_POSTAL,        /* {field} does not match the postal code format of {arg} */
	PD_MSG_BAD_PHONE,         /* {field} is not a valid phone number for {arg} */
	PD_MSG_BAD_CULTURE,       /* {field} is not a supported culture for {arg} */
	PD_MSG_BAD_LANGUAGE,      /* {field} is not a supported language for {arg} */
	PD_MSG_REGNUM_REQUIRED,   /* 600049: registration number required in {arg} */
	PD_MSG_PHONE_REQUIRED,    /* 600051: phone number required in {arg} */
	PD_MSG_REGNUM_REFUSED,    /* 600002: registration number not accepted for {arg} */
	PD_MSG_BAD_DOMAIN,        /* {field}: prefix 1-27 letters/digits + .{arg} */
	PD_MSG_DOMAIN_TAKEN,      /* {field}: the domain {arg} is already taken */
	PD_MSG_BAD_UUID,          /* {field} is not a valid id (a UUID) */
	PD_MSG_BAD_SIZE,          /* {field} must be between 0 and {arg} */
	PD_MSG_BAD_TOKEN,         /* the continuation token is not valid */
	PD_MSG_BAD_FILTER,        /* {field}: the filter is not valid: {arg} */
	PD_MSG_BAD_JSON,          /* the body is not valid JSON: {arg} */
	PD_MSG_BAD_UTF8,          /* {field} is not valid UTF-8 */
	PD_MSG_NOT_FOUND,         /* {arg} was not found */
	PD_MSG_STALE_ETAG,        /* the resource changed since it was read (etag) */
	PD_MSG_ETAG_REQUIRED,     /* an etag is required (If-Match or attributes.etag) */
	PD_MSG_UNAUTHORIZED,      /* a valid bearer token is required */
	PD_MSG_FORBIDDEN,         /* this needs the role {arg} */
	PD_MSG_TOO_LARGE,         /* the body is larger than {arg} bytes */
	PD_MSG_MEDIA_TYPE,        /* Content-Type must be {arg} */
	PD_MSG_NO_ROUTE,          /* no such resource */
	PD_MSG_METHOD,            /* method not allowed; allowed: {arg} */
	PD_MSG_STORAGE,           /* the store cannot take writes now; retry later */
	PD_MSG_BUSY,              /* the service is busy or shutting down; retry later */
	PD_MSG_INTERNAL,          /* internal error */
	PD_MSG_SANDBOX_ONLY,      /* deleting customers is possible only in sandbox mode */
	PD_MSG_RATE_LIMITED,      /* too many requests; retry after {arg} s */
	PD_MSG_PASSWORD_CHANGE,   /* change your password first */
	PD_MSG_LAST_ADMIN,        /* the last active global admin must stay */
	PD_MSG_WEAK_PASSWORD,     /* {field}: password rules */
	PD_MSG_WRONG_PASSWORD,    /* {field} is not the current password */
	PD_MSG_EMAIL_TAKEN,       /* {field}: e-mail in use */
	PD_MSG_BAD_DATE,          /* {field} is not an ISO 8601 date or date-time */
	PD_MSG_OFFER_UNKNOWN,     /* {field}: no offer {arg} in the catalog */
	PD_MSG_OFFER_COUNTRY,     /* {field}: offer not sold in {arg} */
	PD_MSG_QUANTITY,          /* {field} must be between {arg} */
	PD_MSG_ADDON_BASE,        /* {field}: add-on needs one of {arg} */
	PD_MSG_SUB_SUSPENDED,     /* a suspended subscription: reactivate first */
	PD_MSG_SUB_DELETED,       /* deprovisioned subscription */
	PD_MSG_NO_RELATIONSHIP,   /* no reseller relationship with this customer */
	PD_MSG_ACTIVE_SUBS,       /* suspend subscriptions before ending the relationship */
	PD_MSG_UPN_DOMAIN,        /* {field} must end with @{arg} */
	PD_MSG_UPN_TAKEN,         /* {field}: {arg} exists */
	PD_MSG_TENANT_SHARED,     /* other partners still resell this customer */
	PD_MSG_CSRF,              /* {field}: a portal change needs the session's CSRF token */
	PD_MSG_CROSS_SITE,        /* {field}: sign-in only from partnerd's own pages */
	PD_MSG_BIDI,              /* {field} holds the bidirectional control character {arg} */
	PD_MSG_CHANGED,           /* {arg} was changed by another request meanwhile */
	PD_MSG_USCC_LENGTH,       /* {field}: a USCC has 18 characters, this one {arg} */
	PD_MSG_USCC_CHAR,         /* {field}: the character at position {arg} is not allowed */
	PD_MSG_USCC_AUTHORITY,    /* {field}: character 1 ({arg}) is no registration authority */
	PD_MSG_USCC_CATEGORY,     /* {field}: character 2 ({arg}) is no category of the authority */
	PD_MSG_USCC_DIVISION,     /* {field}: characters 3-8 ({arg}) are no division code */
	PD_MSG_USCC_CHECK,        /* {field}: the check character does not match */
	PD_MSG_USCC_PROVINCE,     /* warning: {field} was issued in {arg}, the address is elsewhere */
	PD_MSG_FAPIAO_COUNTRY,    /* {field}: fapiao details only for customers in CN, not {arg} */
	PD_MSG_FAPIAO_SPECIAL,    /* {field} is required for a special VAT invoice */
	PD_MSG_UNKNOWN_FIELD,     /* {field} is not a field of this object */
	PD_MSG_BAD_ACCOUNT,       /* {field}: a bank account number is 8-30 digits */
	PD_MSG_BAD_MOBILE,        /* {field} is not a mainland China mobile number */
	PD_MSG_RESELLER_UNKNOWN,  /* {field}: {arg} is not one of the partner's active indirect resellers */
	PD_MSG_RESELLER_ENDED,    /* the relationship with indirect reseller {arg} has already ended */
	PD_MSG_RESELLER_NOT_FOUND,/* the indirect reseller {arg} was not found */
	PD_MSG_RESELLER_TAKEN,    /* {field}: an indirect reseller with the id {arg} exists */
	PD_MSG_BAD_MPN,           /* {field} must be an MPN ID of 6 to 10 digits */
	PD_MSG_MPN_TAKEN,         /* {field}: another indirect reseller has the MPN ID {arg} */
	/* issue 16 */
	PD_MSG_NOT_ACCEPTED,      /* {field} is not a property partnerd takes here */
	PD_MSG_READ_ONLY,         /* {field} cannot be changed here */
	PD_MSG_REQUEST_REUSED,    /* MS-RequestId {arg} was used for another request */
	PD_MSG_ORDER_NOT_FOUND,   /* {field}: the order {arg} was not found (20000) */
	PD_MSG_BAD_FORMAT,        /* {field} must be {arg} (a list's $format) */
	PD_MSG_INVITATION_REVOKED, /* the invitation was revoked; POST makes a new one */
	PD_MSG_POSSIBLE_DUPLICATE,       /* {field}: {arg} customers with the same normalised name */
	PD_MSG_POSSIBLE_DUPLICATE_USCC, /* {field}: {arg} customers hold the same USCC */
	PD_MSG_DUPLICATE_ROW,     /* {field}: a possible duplicate of row {arg} (partnerctl import) */
	PD_MSG_SORT_FILTER,       /* {field}: sort=newest lists the whole collection, not a filter's result */
	/* issue 22: the change feed */
	PD_MSG_BAD_CURSOR,        /* {field} must be a cursor: a whole number from 0, or latest */
	PD_MSG_EVENTS_PRUNED,     /* 410: {field}: events after it are no longer kept; the oldest kept is {arg} */
	PD_MSG_EVENTS_WAITING,    /* 429/503: {arg} requests wait for events already; retry */
	PD_MSG_UNKNOWN_PARAM,     /* {field} is not a parameter here; the parameters are {arg} */
	PD_MSG_PARAM_TWICE,       /* the query parameter {field} is given more than once */
	/* issue 22: webhooks */
	PD_MSG_WEBHOOK_HTTPS,     /* {field} must be an https URL (http only with --webhook-allow-http) */
	PD_MSG_WEBHOOK_ABSOLUTE,  /* {field} must be an absolute URL: scheme, host, optional port */
	PD_MSG_WEBHOOK_USERINFO,  /* {field} must not carry a user name or password */
	PD_MSG_WEBHOOK_HOST,      /* {field}: the host or port is not valid */
	PD_MSG_WEBHOOK_FRAGMENT,  /* {field} must not have a #fragment: it is never sent */
	PD_MSG_WEBHOOK_ASCII,     /* {field} must be printable ASCII: an IDN host as xn--, the rest %-encoded */
	PD_MSG_WEBHOOK_RESOLVE,   /* {field}: the host {arg} cannot be resolved */
	PD_MSG_WEBHOOK_ADDRESS,   /* {field}: {arg} is loopback, private, ... or partnerd's own: refused */
	PD_MSG_WEBHOOK_RESOLVE_SLOW, /* {field}: the host {arg} could not be resolved in 5 s */
	PD_MSG_WEBHOOK_RESOLVE_BUSY, /* {field}: {arg} host names are being resolved already: try again */
	PD_MSG_WEBHOOK_EVENT,     /* {field}: {arg} is not a webhook event */
	PD_MSG_WEBHOOK_EVENTS,    /* {field} must name at least one event */
	PD_MSG_WEBHOOK_DUPLICATE, /* {field} names {arg} twice */
	PD_MSG_WEBHOOK_EXISTS,    /* a registration exists: use PUT */
	PD_MSG_WEBHOOK_NO_TEST,   /* {field}: register for test-created before asking for a test event */
	PD_MSG_WEBHOOK_NOT_PARKED, /* the event {arg} is not parked: nothing to redeliver */
	PD_MSG_COUNT
};

/* The things an error can name ("The customer 0000..."), in the caller's language: a
 * message never takes an English noun phrase as its {arg}. */
enum pd_noun {
	PD_NOUN_CUSTOMER, PD_NOUN_CUSTOMER_LIST, PD_NOUN_USER, PD_NOUN_USERS, PD_NOUN_CUSTOMER_USER,
	PD_NOUN_APP, PD_NOUN_APPS, PD_NOUN_INVITATION, PD_NOUN_ACTIVITY_LOG, PD_NOUN_AUDIT_RECORD,
	PD_NOUN_DOMAIN, PD_NOUN_STORE, PD_NOUN_TOKEN, PD_NOUN_SESSION, PD_NOUN_SUBSCRIPTION,
	PD_NOUN_ORDER, PD_NOUN_OFFER, PD_NOUN_COUNTRY, PD_NOUN_RESELLER, PD_NOUN_RESELLERS,
	PD_NOUN_WEBHOOK, PD_NOUN_WEBHOOK_TEST, PD_NOUN_WEBHOOK_DELIVERY, PD_NOUN_COUNT
};

/* "The customer 0000..." (id may be NULL: "The customer") in `loc`, into buf; returns buf. */
char *pd_noun_render(char *buf, size_t cap, enum pd_noun n, enum pd_locale loc, const char *id);

/* Partner Center's error code for "not found" of `n` (error-codes.md: 20003 subscription,
 * 20000 order, 60002 user object; 1000 otherwise). */
int pd_noun_not_found_code(enum pd_noun n);

/* Partner Center's error code of a message where its error tables have one (2001, 2011,
 * 27009, 20002, ...); 0 where the kind of error decides (errors.c). */
int pd_msg_code(enum pd_msg m);

/* Parses an X-Locale / Accept-Language value ("zh-CN", "de", "en-US,en;q=0.8");
 * anything unknown is English. */
enum pd_locale pd_locale_parse(const char *s);

/* The template of `m` in `loc`. */
const char *pd_msg_template(enum pd_msg m, enum pd_locale loc);

/* Renders into buf (always NUL-terminated, truncated at cap); returns buf. */
char *pd_msg_render(char *buf, size_t cap, enum pd_msg m, enum pd_locale loc,
		    const char *field, const char *arg);

#endif

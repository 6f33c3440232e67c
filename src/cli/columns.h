/* columns.h - the customer as partnerctl's columns: one table names each column once (its CSV
 * header, its JSON path in the REST API, its `add`/`update` flag and help) and drives CSV
 * export and import, the command-line flags, the `show` listing and the validate-first pass of
 * import, which runs the server's own checks (core/country.c) so errors match the server's.
 * Rows are arrays of NUL-terminated strings indexed by enum cli_col (NULL or "" = absent). */
#ifndef CLI_COLUMNS_H
#define CLI_COLUMNS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "messages.h"

/* CLI_COL_BOOL: the value is true or false in JSON (any other text is sent as it is, for the
 * server to refuse by name). */
enum { CLI_COL_CREATE = 1, CLI_COL_BILLING = 2, CLI_COL_BOOL = 4 };
#define CLI_COL_FAPIAO (CLI_COL_CREATE | CLI_COL_BILLING)

/* X(enum, CSV name, JSON path, second JSON path or NULL, flag metavariable, flags, help) */
#define CLI_COLUMNS(X)                                                                                   \
	X(ID, "id", "id", NULL, NULL, 0, "the customer id (export only)")                                \
	X(DOMAIN, "domain", "companyProfile.domain", NULL, "DOMAIN", CLI_COL_CREATE,                     \
	  "default domain: PREFIX.SUFFIX, or just PREFIX (1-27 letters or digits)")                      \
	X(COMPANY, "companyName", "billingProfile.companyName", NULL, "NAME",                            \
	  CLI_COL_CREATE | CLI_COL_BILLING, "company name, 1-255 characters")                            \
	X(EMAIL, "email", "billingProfile.email", NULL, "EMAIL", CLI_COL_CREATE | CLI_COL_BILLING,      \
	  "billing contact e-mail")                                                                      \
	X(CULTURE, "culture", "billingProfile.culture", NULL, "CULTURE", CLI_COL_CREATE | CLI_COL_BILLING, \
	  "culture, e.g. zh-CN or en-US")                                                                \
	X(LANGUAGE, "language", "billingProfile.language", NULL, "LANG", CLI_COL_CREATE | CLI_COL_BILLING, \
	  "language, e.g. zh or en")                                                                     \
	X(FIRST_NAME, "firstName", "billingProfile.firstName", "billingProfile.defaultAddress.firstName", \
	  "NAME", CLI_COL_CREATE | CLI_COL_BILLING, "contact's first name")                              \
	X(LAST_NAME, "lastName", "billingProfile.lastName", "billingProfile.defaultAddress.lastName",    \
	  "NAME", CLI_COL_CREATE | CLI_COL_BILLING, "contact's last name")                               \
	X(LINE1, "addressLine1", "billingProfile.defaultAddress.addressLine1", NULL, "TEXT",             \
	  CLI_COL_CREATE | CLI_COL_BILLING, "address line 1")                                            \
	X(LINE2, "addressLine2", "billingProfile.defaultAddress.addressLine2", NULL, "TEXT",             \
	  CLI_COL_CREATE | CLI_COL_BILLING, "address line 2 (optional)")                                 \
	X(CITY, "city", "billingProfile.defaultAddress.city", NULL, "CITY", CLI_COL_CREATE | CLI_COL_BILLING, \
	  "city")                                                                                        \
	X(STATE, "state", "billingProfile.defaultAddress.state", NULL, "STATE",                          \
	  CLI_COL_CREATE | CLI_COL_BILLING, "state or province (CN: 广东省 or Guangdong)")               \
	X(POSTAL, "postalCode", "billingProfile.defaultAddress.postalCode", NULL, "CODE",                \
	  CLI_COL_CREATE | CLI_COL_BILLING, "postal code (CN: 6 digits)")                                \
	X(COUNTRY, "country", "billingProfile.defaultAddress.country", NULL, "ISO2",                     \
	  CLI_COL_CREATE | CLI_COL_BILLING, "country, ISO 3166-1 alpha-2 (CN, US, DE, ...)")             \
	X(PHONE, "phoneNumber", "billingProfile.defaultAddress.phoneNumber", NULL, "PHONE",              \
	  CLI_COL_CREATE | CLI_COL_BILLING, "phone number (optional in most countries)")                 \
	X(REGNUM, "organizationRegistrationNumber", "companyProfile.organizationRegistrationNumber", NULL, \
	  "NUMBER", CLI_COL_CREATE,                                                                      \
	  "company registration number (required in AM AZ BY HU KZ KG MD RU TJ UZ UA; CN: the "         \
	  "18-character unified social credit code, optional; refused elsewhere)")                       \
	X(FP_TYPE, "fapiaoInvoiceType", "billingProfile.fapiao.invoiceType", NULL, "ordinary|special",   \
	  CLI_COL_FAPIAO, "CN fapiao: ordinary (增值税普通发票, the default) or special (专用发票)")     \
	X(FP_DIGITAL, "fapiaoDigital", "billingProfile.fapiao.digital", NULL, "true|false",              \
	  CLI_COL_FAPIAO | CLI_COL_BOOL, "CN fapiao: fully digital (数电发票)")                          \
	X(FP_TITLE, "fapiaoTitle", "billingProfile.fapiao.title", NULL, "TEXT", CLI_COL_FAPIAO,          \
	  "CN fapiao: title, 1-100 characters (default: the company name)")                             \
	X(FP_TAXPAYER, "fapiaoTaxpayerId", "billingProfile.fapiao.taxpayerId", NULL, "USCC",             \
	  CLI_COL_FAPIAO, "CN fapiao: the buyer's taxpayer id (default: organizationRegistrationNumber)") \
	X(FP_ADDRESS, "fapiaoRegisteredAddress", "billingProfile.fapiao.registeredAddress", NULL, "TEXT", \
	  CLI_COL_FAPIAO, "CN fapiao: registered address (special: required)")                          \
	X(FP_PHONE, "fapiaoRegisteredPhone", "billingProfile.fapiao.registeredPhone", NULL, "PHONE",     \
	  CLI_COL_FAPIAO, "CN fapiao: registered phone (special: required)")                            \
	X(FP_BANK, "fapiaoBankName", "billingProfile.fapiao.bankName", NULL, "TEXT", CLI_COL_FAPIAO,     \
	  "CN fapiao: bank (special: required)")                                                        \
	X(FP_ACCOUNT, "fapiaoBankAccount", "billingProfile.fapiao.bankAccount", NULL, "DIGITS",          \
	  CLI_COL_FAPIAO, "CN fapiao: bank account, 8-30 digits (special: required)")                   \
	X(FP_RECIPIENT, "fapiaoRecipientName", "billingProfile.fapiao.recipientName", NULL, "NAME",      \
	  CLI_COL_FAPIAO, "CN fapiao: who receives it")                                                 \
	X(FP_MOBILE, "fapiaoRecipientMobile", "billingProfile.fapiao.recipientMobile", NULL, "MOBILE",   \
	  CLI_COL_FAPIAO, "CN fapiao: the recipient's mobile number")                                   \
	X(FP_EMAIL, "fapiaoRecipientEmail", "billingProfile.fapiao.recipientEmail", NULL, "EMAIL",       \
	  CLI_COL_FAPIAO, "CN fapiao: the recipient's e-mail address") \
	X(RESELLER, "associatedPartnerId", "associatedPartnerId", NULL, "ID", CLI_COL_CREATE,           \
	  "the indirect reseller the customer is for (two-tier CSP; optional)")

#define CLI_COL_ENUM(e, ...) CLI_COL_##e,
enum cli_col { CLI_COLUMNS(CLI_COL_ENUM) CLI_NCOLUMNS };
#undef CLI_COL_ENUM

struct cli_column {
	const char *name;   /* CSV header and the flag's camelCase form */
	const char *path;   /* JSON path in a customer (export) and a create body */
	const char *path2;  /* a second path set to the same value (billing and address names) */
	const char *metavar;
	unsigned flags;     /* CLI_COL_CREATE: settable on add; CLI_COL_BILLING: on update */
	const char *help;
};

extern const struct cli_column cli_columns[CLI_NCOLUMNS];

/* The column named `name` (case-sensitive, as in the CSV header), or -1. */
int cli_column_find(const char *name);

/* The column a server error field names ("billingProfile.defaultAddress.postalCode",
 * "billingProfile.firstName"), or -1. */
int cli_column_of_field(const char *field);

/* Sets `value` at the dotted `path` in `root`, creating objects on the way and matching
 * existing members without regard to case; an empty value removes the member. */
void cli_json_set_path(json_t *root, const char *path, const char *value);

/* The string at the dotted path, or NULL. */
const char *cli_json_get_path(json_t *root, const char *path);

/* cli_json_set_path for column `col`: a CLI_COL_BOOL column's "true" or "false" (any case)
 * becomes a JSON boolean. */
void cli_column_set(json_t *root, int col, const char *path, const char *value);

/* A POST /v1/customers body from a row (every CLI_COL_CREATE column that has a value).
 * New reference. */
json_t *cli_row_to_body(const char *const row[CLI_NCOLUMNS]);

/* Fills row from a customer as GET /v1/customers returns it; strings borrowed from c. */
void cli_row_from_customer(json_t *c, const char *row[CLI_NCOLUMNS]);

/* The key a domain is known by: lower case, a bare prefix completed with `suffix`.  False
 * (with an error added to the list) when it is not a domain partnerd can create. */
#define CLI_DOMAIN_MAX 256
bool cli_domain_key(const char *domain, const char *suffix, char out[CLI_DOMAIN_MAX]);

/* The domain suffix for bare prefixes: $PARTNERCTL_DOMAIN_SUFFIX or partnerd's default. */
const char *cli_domain_suffix(void);

/* One failing column of a row, its message rendered in the caller's locale. */
struct cli_row_err {
	int col;             /* enum cli_col, or -1 for the row as a whole */
	const char *message; /* in the arena */
};
#define CLI_ROW_ERR_MAX 20

/* Checks a row as POST /v1/customers would (shape, domain syntax, the country rules of
 * core/country.c).  Returns the number of errors written to errs (at most CLI_ROW_ERR_MAX). */
size_t cli_row_check(const char *const row[CLI_NCOLUMNS], enum pd_locale loc,
		     struct cli_row_err *errs, struct pd_arena *ar);

#endif

/* signer.c - the webhook signing key and its certificate (see signer.h), with OpenSSL 3's
 * EVP interface. */
#include "signer.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arena.h"
#include "store.h"

#define KEY_BITS 3072
#define SETTING "webhook_key"

struct pd_signer {
	pthread_mutex_t mu;
	char *file;          /* --webhook-key, or SQLite's PATH.webhook-key.pem; NULL: PostgreSQL's settings */
	bool given;          /* --webhook-key: never made */
	char *db_url;
	EVP_PKEY *key;       /* NULL until ready */
	char *cert;          /* PEM */
	size_t cert_len;
};

static void ssl_error(char *err, size_t cap, const char *what)
{
	char buf[256] = "";
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	snprintf(err, cap, "%s%s%s", what, *buf ? ": " : "", buf);
}

/* An RSA key of 2048 bits or more from PEM text. */
static EVP_PKEY *key_from_pem(const char *pem, size_t n, const char *what, char *err, size_t cap)
{
	BIO *b = BIO_new_mem_buf(pem, (int)n);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!k)
		return ssl_error(err, cap, what), NULL;
	if (!EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_get_bits(k) < 2048) {
		snprintf(err, cap, "%s: not an RSA private key of 2048 bits or more", what);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* The whole of a small file; NULL with errno set. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = f ? calloc(1, 65537) : NULL;
	if (buf)
		*n = fread(buf, 1, 65536, f);
	if (f)
		fclose(f);
	return buf;
}

/* The key file (`label` names it in errors): owned by no one else (no group or other bits),
 * then its key. */
static EVP_PKEY *read_key_file(const char *path, const char *label, char *err, size_t cap)
{
	struct stat sb;
	size_t n = 0;
	if (stat(path, &sb) != 0)
		return snprintf(err, cap, "%s %s: %s", label, path, strerror(errno)), NULL;
	if (sb.st_mode & 077)
		return snprintf(err, cap, "%s %s: mode %03o lets others read the signing key; chmod 600 it", label, path,
				(unsigned)(sb.st_mode & 0777)), NULL;
	char *pem = slurp(path, &n), what[300];
	if (!pem)
		return snprintf(err, cap, "%s %s: %s", label, path, strerror(errno)), NULL;
	snprintf(what, sizeof what, "%s %s", label, path);
	EVP_PKEY *k = key_from_pem(pem, n, what, err, cap);
	sodium_memzero(pem, n);
	free(pem);
	return k;
}

/* A new key's PEM (malloc'd, NUL-terminated) or NULL. */
static char *new_key_pem(EVP_PKEY **out, size_t *n)
{
	EVP_PKEY *k = EVP_RSA_gen(KEY_BITS);
	BIO *b = k ? BIO_new(BIO_s_mem()) : NULL;
	char *pem = NULL, *data;
	long len;
	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) && (len = BIO_get_mem_data(b, &data)) > 0 &&
	    (pem = calloc(1, (size_t)len + 1))) {
		memcpy(pem, data, (size_t)len);
		*n = (size_t)len;
	}
	BIO_free(b);
	if (!pem)
		EVP_PKEY_free(k), k = NULL;
	*out = k;
	return pem;
}

/* SQLite: the file beside the store, made with mode 0600 when there is none. */
static EVP_PKEY *file_key(struct pd_signer *s, char *err, size_t cap)
{
	size_t n = 0;
	if (access(s->file, F_OK) == 0 || s->given)
		return read_key_file(s->file, s->given ? "--webhook-key" : "the webhook signing key", err, cap);
	EVP_PKEY *k = NULL;
	char *pem = new_key_pem(&k, &n);
	int fd = pem ? open(s->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	bool ok = fd >= 0 && write(fd, pem, n) == (ssize_t)n && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (pem)
		sodium_memzero(pem, n), free(pem);
	if (!ok) {
		snprintf(err, cap, "cannot write the webhook signing key %s: %s", s->file, k ? strerror(errno) : "no key");
		EVP_PKEY_free(k);
		if (fd >= 0)
			unlink(s->file);
		return NULL;
	}
	return k;
}

struct put {
	const char *pem;
};

static enum pd_err put_key(struct store *st, void *arg)
{
	return store_setting_put(st, SETTING, ((struct put *)arg)->pem);
}

/* PostgreSQL: the settings row, made by the first instance that needs it (another's wins a race). */
static EVP_PKEY *store_key(struct pd_signer *s, char *err, size_t cap)
{
	struct store *st = NULL;
	struct pd_arena *ar = pd_arena_new();
	char *pem = NULL, e2[256];
	EVP_PKEY *k = NULL;
	size_t n = 0;
	enum pd_err e = store_open(s->db_url, false, &st, e2, sizeof e2);
	if (e == PD_OK && (e = store_setting_get(st, SETTING, &pem, ar)) == PD_ENOTFOUND) {
		char *made = new_key_pem(&k, &n);
		EVP_PKEY_free(k), k = NULL;
		e = made ? store_tx(st, put_key, &(struct put){made}) : PD_ENOMEM;
		if (made)
			sodium_memzero(made, n), free(made);
		if (e == PD_OK || e == PD_ECONFLICT)
			e = store_setting_get(st, SETTING, &pem, ar);
	}
	if (e == PD_OK)
		k = key_from_pem(pem, strlen(pem), "the webhook signing key in the store", err, cap);
	else
		snprintf(err, cap, "cannot read or keep the webhook signing key in the store (%s)", pd_err_name(e));
	if (pem)
		sodium_memzero(pem, strlen(pem));
	pd_arena_free(ar);
	if (st)
		store_close(st);
	return k;
}

/* A self-signed certificate of the key, valid for ten years, O=partnerd, as PEM. */
static int make_cert(struct pd_signer *s, char *err, size_t cap)
{
	X509 *x = X509_new();
	X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	BIO *b = NULL;
	char *data;
	long len = 0;
	int ok = x && name && RAND_bytes(serial, sizeof serial) == 1 && (serial[0] &= 0x7f, 1) &&
		 (bn = BN_bin2bn(serial, sizeof serial, NULL)) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
		 X509_set_version(x, 2) && X509_gmtime_adj(X509_getm_notBefore(x), -86400) &&
		 X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) &&
		 X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"partnerd", -1, -1, 0) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"partnerd webhooks", -1,
					    -1, 0) &&
		 X509_set_issuer_name(x, name) && X509_set_pubkey(x, s->key) && X509_sign(x, s->key, EVP_sha256()) &&
		 (b = BIO_new(BIO_s_mem())) && PEM_write_bio_X509(b, x) && (len = BIO_get_mem_data(b, &data)) > 0 &&
		 (s->cert = calloc(1, (size_t)len + 1));
	if (ok)
		memcpy(s->cert, data, (size_t)len), s->cert_len = (size_t)len;
	else
		ssl_error(err, cap, "cannot make the webhook certificate");
	BN_free(bn);
	BIO_free(b);
	X509_free(x);
	return ok ? 0 : -1;
}

/* With the lock held. */
static int load(struct pd_signer *s, char *err, size_t cap)
{
	if (s->key)
		return 0;
	s->key = s->file ? file_key(s, err, cap) : store_key(s, err, cap);
	if (s->key && make_cert(s, err, cap) == 0)
		return 0;
	EVP_PKEY_free(s->key);
	s->key = NULL;
	return -1;
}

struct pd_signer *pd_signer_new(const char *key_file, const char *db_url, char *err, size_t cap)
{
	struct pd_signer *s = calloc(1, sizeof *s);
	if (!s)
		return snprintf(err, cap, "out of memory"), NULL;
	pthread_mutex_init(&s->mu, NULL);
	s->db_url = strdup(db_url);
	s->given = key_file != NULL;
	if (key_file)
		s->file = strdup(key_file);
	else if (!strncmp(db_url, "sqlite:", 7) && (s->file = malloc(strlen(db_url) + 20)))
		sprintf(s->file, "%s.webhook-key.pem", db_url + 7);
	if (key_file && load(s, err, cap) != 0) {
		pd_signer_free(s);
		return NULL;
	}
	return s;
}

int pd_signer_ready(struct pd_signer *s, char *err, size_t cap)
{
	pthread_mutex_lock(&s->mu);
	int rc = load(s, err, cap);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) /* the reason names the file or the store, never the key */
		fprintf(stderr, "partnerd: webhooks: %s\n", err);
	return rc;
}

char *pd_signer_sign(struct pd_signer *s, const void *body, size_t n)
{
	unsigned char sig[1024];
	size_t len = sizeof sig;
	char *out = NULL;
	pthread_mutex_lock(&s->mu);
	EVP_MD_CTX *ctx = s->key ? EVP_MD_CTX_new() : NULL;
	if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) == 1 &&
	    EVP_DigestSign(ctx, sig, &len, body, n) == 1) {
		size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
		if ((out = malloc(b64)))
			sodium_bin2base64(out, b64, sig, len, sodium_base64_VARIANT_ORIGINAL);
	}
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	pthread_mutex_unlock(&s->mu);
	return out;
}

const char *pd_signer_cert(struct pd_signer *s, size_t *len)
{
	pthread_mutex_lock(&s->mu);
	const char *c = s->cert;
	*len = s->cert_len;
	pthread_mutex_unlock(&s->mu);
	return c;
}

void pd_signer_free(struct pd_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	free(s->cert);
	free(s->file);
	free(s->db_url);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

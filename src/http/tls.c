/* tls.c - the TLS of tls.h on OpenSSL 3 and libevent's openssl bufferevents.  The current
 * SSL_CTX sits behind a mutex; each connection's SSL takes its own reference to the context it
 * was made from, so a reload only swaps the pointer and drops the old reference: connections
 * that are open keep their context until they close.  Only forward-secret AEAD suites for TLS
 * 1.2; TLS 1.3 with OpenSSL's defaults; no compression, no renegotiation. */
#include "tls.h"
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!MD5:!RC4"

struct pd_tls {
	pthread_mutex_t mu;
	SSL_CTX *ctx;
	char *cert, *key;
};

/* "FLAG PATH: reason": the file's errno when it cannot be opened, else OpenSSL's last error. */
static void reason(char *err, size_t cap, const char *flag, const char *path)
{
	FILE *f = fopen(path, "r");
	int e = errno;
	unsigned long code = ERR_peek_error(); /* the first: "no start line", not "PEM lib" */
	const char *why = ERR_reason_error_string(code);
	if (!f)
		snprintf(err, cap, "%s %s: %s", flag, path, strerror(e));
	else
		snprintf(err, cap, "%s %s: %s", flag, path, why ? why : "not a PEM file OpenSSL can use");
	if (f)
		fclose(f);
	ERR_clear_error();
}

/* The certificate chain and its key into c: 0, or -1 with the reason in err. */
static int load_pair(SSL_CTX *c, const char *cert, const char *key, char *err, size_t cap)
{
	if (SSL_CTX_use_certificate_chain_file(c, cert) != 1)
		return reason(err, cap, "--tls-cert", cert), -1;
	if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(c) == 1)
		return 0;
	if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH || !ERR_peek_error())
		snprintf(err, cap, "--tls-key %s does not match the certificate in --tls-cert %s", key, cert);
	else
		reason(err, cap, "--tls-key", key);
	ERR_clear_error();
	return -1;
}

static SSL_CTX *make_ctx(const char *cert, const char *key, char *err, size_t cap)
{
	ERR_clear_error();
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	if (!c) {
		snprintf(err, cap, "cannot create a TLS context: %s", ERR_reason_error_string(ERR_get_error()));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS); /* idle keep-alive connections hold no buffers */
	int rc = SSL_CTX_set_cipher_list(c, CIPHERS) == 1 ? load_pair(c, cert, key, err, cap)
							   : (snprintf(err, cap, "cannot set the TLS ciphers"), -1);
	ERR_clear_error();
	if (rc != 0)
		SSL_CTX_free(c);
	return rc == 0 ? c : NULL;
}

struct pd_tls *pd_tls_new(const char *cert, const char *key, char *err, size_t cap)
{
	struct pd_tls *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	if (!(t->cert = strdup(cert)) || !(t->key = strdup(key))) {
		snprintf(err, cap, "out of memory");
		pd_tls_free(t);
		return NULL;
	}
	if (!(t->ctx = make_ctx(cert, key, err, cap))) {
		pd_tls_free(t);
		return NULL;
	}
	return t;
}

void pd_tls_free(struct pd_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->mu);
	free(t->cert);
	free(t->key);
	free(t);
}

int pd_tls_reload(struct pd_tls *t, char *err, size_t cap)
{
	SSL_CTX *fresh = make_ctx(t->cert, t->key, err, cap), *old;
	if (!fresh)
		return -1;
	pthread_mutex_lock(&t->mu);
	old = t->ctx;
	t->ctx = fresh;
	pthread_mutex_unlock(&t->mu);
	SSL_CTX_free(old); /* open connections hold their own references */
	return 0;
}

struct bufferevent *pd_tls_bev(struct pd_tls *t, struct event_base *base)
{
	pthread_mutex_lock(&t->mu);
	SSL *ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->mu);
	if (!ssl)
		return NULL;
	struct bufferevent *bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
								  BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1); /* clients that just close are normal */
	return bev;
}

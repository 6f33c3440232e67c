/* tls.h - partnerd's https: the certificate and key (--tls-cert, --tls-key) in an OpenSSL 3
 * SSL_CTX (TLS 1.2 and 1.3 only, no weak ciphers), the server-side TLS bufferevent of each new
 * connection, and the re-reading of the pair on SIGHUP: a good new pair serves the
 * connections accepted from then on (those open keep theirs); a bad one leaves the old in
 * place.  Safe to use from every event loop at once. */
#ifndef PD_TLS_H
#define PD_TLS_H
#include <stddef.h>

struct pd_tls;
struct bufferevent;
struct event_base;

/* Loads the pair.  NULL with "--tls-cert PATH: <OpenSSL's reason>" (or --tls-key, or that the
 * key does not match the certificate) in err. */
struct pd_tls *pd_tls_new(const char *cert, const char *key, char *err, size_t cap);
void pd_tls_free(struct pd_tls *t);

/* Re-reads the files given to pd_tls_new.  0, or -1 with the reason in err (the old pair is
 * kept). */
int pd_tls_reload(struct pd_tls *t, char *err, size_t cap);

/* A bufferevent that accepts a TLS connection on the socket evhttp gives it later (fd -1 as
 * evhttp's bevcb wants); NULL when out of memory. */
struct bufferevent *pd_tls_bev(struct pd_tls *t, struct event_base *base);

#endif

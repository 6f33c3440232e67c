/* signer.h - the key that signs webhook deliveries (issue 22) and its certificate, as Partner
 * Center signs its events: RSA-SHA256 (PKCS#1 v1.5) over the exact body bytes, base64, sent as
 * `Authorization: Signature <base64>`; the certificate (PEM, self-signed from the key when the
 * key is loaded, O=partnerd) is served at /webhooks/v1/certificate.  The key: --webhook-key
 * FILE (PEM, mode 0600 or stricter, RSA of 2048 bits or more), read at start; without it a
 * SQLite store keeps one in PATH.webhook-key.pem beside the store and a PostgreSQL store in its
 * settings table (so every instance has the same), made (RSA 3072) when first needed.  Every
 * instance makes its own certificate, and each verifies every instance's signatures.  The key
 * is never logged or served. */
#ifndef PD_SIGNER_H
#define PD_SIGNER_H
#include <stddef.h>

struct pd_signer;

/* A signer for the store at db_url; with key_file, the key is read now.  NULL with err set
 * (naming --webhook-key) when that fails. */
struct pd_signer *pd_signer_new(const char *key_file, const char *db_url, char *err, size_t cap);
/* The key loaded (read or made on first use, thread-safe; may take a second to make): 0, or
 * -1 with err set. */
int pd_signer_ready(struct pd_signer *s, char *err, size_t cap);
/* The base64 signature of body[0..n) (malloc'd), NULL when the key is not ready or OpenSSL
 * fails. */
char *pd_signer_sign(struct pd_signer *s, const void *body, size_t n);
/* The certificate as PEM once ready (the signer's memory), else NULL. */
const char *pd_signer_cert(struct pd_signer *s, size_t *len);
void pd_signer_free(struct pd_signer *s);

#endif

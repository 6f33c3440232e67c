/* uri.h - the pure parts of reading a request line: the decoded path and the
 * name=value lists of a query string or a form-encoded body.  No sockets, no event loop:
 * the server and the fuzz targets (tests/fuzz/) call the same functions. */
#ifndef PD_URI_H
#define PD_URI_H
#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include "arena.h"

/* The percent-decoded path (arena copy) of a raw path, or NULL when it does not start with
 * '/' or decodes to a NUL byte. */
const char *pd_uri_path(const char *raw, struct pd_arena *ar);

/* Parses "a=1&b=2" (percent- and '+'-decoded) into out, which must be initialised (TAILQ_INIT).
 * false, with out left empty, when the text is malformed or encodes a NUL byte. */
bool pd_uri_params(const char *text, struct evkeyvalq *out);

/* The first name in q that is not in `known` (NULL-terminated), or NULL: a parameter a route
 * does not take.  The first name given more than once, or NULL (a lookup sees only its first). */
const char *pd_uri_params_unknown(const struct evkeyvalq *q, const char *const *known);
const char *pd_uri_params_repeated(const struct evkeyvalq *q);

#endif

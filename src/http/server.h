/* server.h - the HTTP server: one libevent event loop (evhttp) per core, all accepting from
 * one listening socket (an address in use is an error, never shared), a worker pool for
 * CPU-heavy phases, the group-committing writer, the access log and clean shutdown on
 * SIGTERM/SIGINT.  It knows routes only as a table. */
#ifndef PD_SERVER_H
#define PD_SERVER_H
#include "request.h"

/* Descriptors kept out of the connection cap's default (--max-connections 0): 64 for the
 * store's files, the logs and the listening socket, 8 per event loop (its epoll and wake-up
 * descriptors, its store connection's files) and the PostgreSQL pool (--db-pool). */
#define PD_FD_RESERVE 64
#define PD_FD_PER_LOOP 8

/* The open-files budget of cfg (its connections, loops and the store's pools, --db-read's
 * included) checked from the settings alone: before a connection to the store is opened. */
int pd_server_check_limits(const struct pd_config *cfg, char *err, size_t cap);

/* Serves `routes` on cfg->listen with the store already opened (and migrated) as `st`,
 * which becomes the writer's connection.  Returns when a SIGTERM or SIGINT has been handled
 * and every in-flight request has been answered; 0 on a clean stop. */
int pd_server_run(const struct pd_config *cfg, const struct pd_route *routes, struct store *st,
		  const unsigned char key[PD_KEY_LEN]);

#endif

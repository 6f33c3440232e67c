/* store_impl.h - what lies behind a struct store: the table of operations each backend fills
 * (made from store.h's STORE_OPS list, each member documented there) and the backends' open
 * functions.  Only src/store/ includes it; everything else goes through store.h's entry
 * points (store_call.c). */
#ifndef PD_STORE_IMPL_H
#define PD_STORE_IMPL_H
#include "store.h"

struct store_ops {
	const char *name;
	void (*close)(struct store *);
	void (*read_end)(struct store *); /* after every successful read_begin; NULL with it */
#define STORE_OP_MEMBER(op, kind, dflt, params, args) enum pd_err(*op) params;
	STORE_OPS(STORE_OP_MEMBER)
#undef STORE_OP_MEMBER
};

struct drv;

struct store {
	const struct store_ops *ops;
	const struct drv *drv; /* the engine below the operations (driver.h) */
	bool in_tx;      /* store_begin succeeded and no commit or rollback since (store_call.c) */
	bool auth_dirty; /* ... and a write in it may change what token_lookup answers */
	bool data_dirty; /* ... or what a customer GET answers (store_data_generation) */
	unsigned long long read_gen; /* store_data_generation as its last read_begin began */
	enum { READ_NONE, READ_PENDING, READ_OPEN, READ_FAILED } read; /* the read snapshot (store_call.c) */
};

/* Engines (driver_sqlite.c, driver_pg.c). */
enum pd_err store_sqlite_open(const char *path, bool migrate, struct store **out, char *errbuf,
			      size_t cap);
enum pd_err store_pg_open(const char *url, bool migrate, struct store **out, char *errbuf,
			  size_t cap);

#endif

/* test_reply.c - unit tests of the response headers a handler adds (server.c's
 * pd_reply_header): every one is kept, in order, however many there are; none is dropped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "arena.h"
#include "request.h"

Test(reply, every_header_added_is_kept_in_order)
{
	struct pd_req r = {.ar = pd_arena_new()};
	char *names[40];
	for (int i = 0; i < 40; i++) {
		names[i] = pd_printf(r.ar, "X-Header-%d", i);
		pd_reply_header(&r, names[i], pd_printf(r.ar, "value %d", i));
	}
	cr_assert_eq(r.resp.nh, 40);
	for (int i = 0; i < 40; i++) {
		char want[32];
		snprintf(want, sizeof want, "value %d", i);
		cr_assert_str_eq(r.resp.hk[i], names[i]);
		cr_assert_str_eq(r.resp.hv[i], want);
	}
	pd_arena_free(r.ar);
}

Test(reply, the_ninth_header_is_kept)
{
	struct pd_req r = {.ar = pd_arena_new()};
	for (int i = 0; i < 8; i++)
		pd_reply_header(&r, "X-Filler", "x");
	pd_reply_header(&r, "Retry-After", "5");
	cr_assert_eq(r.resp.nh, 9);
	cr_assert_str_eq(r.resp.hk[8], "Retry-After");
	cr_assert_str_eq(r.resp.hv[8], "5");
	pd_arena_free(r.ar);
}

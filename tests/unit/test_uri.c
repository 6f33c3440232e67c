/* test_uri.c - unit tests of src/http/uri.c: decoded paths (no NUL, must start with '/'),
 * query and form lists, and the refusal of %00, which would cut a value short. */
#include <criterion/criterion.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include "arena.h"
#include "uri.h"

static struct pd_arena *ar;
static struct evkeyvalq q;

static void setup(void)
{
	ar = pd_arena_new();
	TAILQ_INIT(&q);
}

static void teardown(void)
{
	evhttp_clear_headers(&q);
	pd_arena_free(ar);
}

TestSuite(uri, .init = setup, .fini = teardown);

Test(uri, path_is_percent_decoded)
{
	cr_assert_str_eq(pd_uri_path("/v1/customers/%41b%2Fc", ar), "/v1/customers/Ab/c");
	cr_assert_str_eq(pd_uri_path("/invite/%2e%2e", ar), "/invite/..");
	cr_assert_str_eq(pd_uri_path("/a+b", ar), "/a+b"); /* '+' is a space only in queries */
}

Test(uri, path_refuses_nul_and_relative_forms)
{
	cr_assert_null(pd_uri_path("/v1/%00x", ar));
	cr_assert_null(pd_uri_path("v1/customers", ar));
	cr_assert_null(pd_uri_path("", ar));
	cr_assert_null(pd_uri_path(NULL, ar));
}

Test(uri, params_are_decoded)
{
	cr_assert(pd_uri_params("size=20&filter=%7B%22a%22%7D&name=a+b", &q));
	cr_assert_str_eq(evhttp_find_header(&q, "size"), "20");
	cr_assert_str_eq(evhttp_find_header(&q, "filter"), "{\"a\"}");
	cr_assert_str_eq(evhttp_find_header(&q, "name"), "a b");
}

Test(uri, params_refuse_an_encoded_nul)
{
	/* found by test_hostile.py: "size=5%00x" used to be size 5 */
	cr_assert_not(pd_uri_params("size=5%00x", &q));
	cr_assert_null(q.tqh_first, "the list is left empty");
	cr_assert_not(pd_uri_params("a%00=1", &q));
	cr_assert(pd_uri_params("a=%100", &q)); /* %10 then 0: no NUL */
	cr_assert_str_eq(evhttp_find_header(&q, "a"), "\x10" "0");
}

Test(uri, params_of_nothing_are_empty)
{
	cr_assert(pd_uri_params(NULL, &q));
	cr_assert(pd_uri_params("", &q));
	cr_assert_null(q.tqh_first);
}

/* A path without '%' is taken as it is (no decoding call): the same as evhttp's decoding
 * gives for it. */
Test(uri, path_without_percent_is_as_decoded)
{
	static const char *paths[] = {"/", "/v1/customers/3f2504e0-4f89-41d3-9a0c-0305e82c3301", "/a+b/c d",
				      "/ü/日本", "//x//", "/?x", "x/y"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		size_t len = 0;
		char *dec = evhttp_uridecode(paths[i], 0, &len);
		const char *got = pd_uri_path(paths[i], ar);
		if (dec[0] == '/')
			cr_assert(got && !strcmp(got, dec), "%s", paths[i]);
		else
			cr_assert_null(got, "%s", paths[i]);
		free(dec);
	}
}

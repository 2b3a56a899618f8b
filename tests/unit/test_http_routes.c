/* test_http_routes.c - method/path matching: exact paths, extender verbs
 * under any urlPrefix, 404 and 405, debug routes only when enabled. */
#include "common.h"
#include "http/http.h"

#include <criterion/criterion.h>

static const struct http_route *find(bool debug, const char *method,
                                     const char *path, int *status,
                                     const char **allow)
{
    struct http_server srv;

    memset(&srv, 0, sizeof(srv));
    srv.opts.debug_endpoints = debug;
    return http_route_find(&srv, method, path, status, allow);
}

Test(routes, extender_verbs_match_under_any_url_prefix)
{
    const struct http_route *r;
    const char *allow;
    int st;

    r = find(false, "POST", "/filter", &st, &allow);
    cr_assert(r && r->verb == EXT_FILTER);
    r = find(false, "POST", "/muster/prioritize", &st, &allow);
    cr_assert(r && r->verb == EXT_PRIORITIZE);
    r = find(false, "POST", "//preempt", &st, &allow);
    cr_assert(r && r->verb == EXT_PREEMPT);
    r = find(false, "POST", "/a/b/bind", &st, &allow);
    cr_assert(r && r->verb == EXT_BIND);
    /* a suffix must be a whole path segment */
    cr_assert_null(find(false, "POST", "/xbind", &st, &allow));
    cr_assert_eq(st, 404);
}

Test(routes, wrong_method_is_405_with_allow_and_unknown_is_404)
{
    const char *allow;
    int st;

    cr_assert_null(find(false, "GET", "/filter", &st, &allow));
    cr_assert_eq(st, 405);
    cr_assert_str_eq(allow, "POST");
    cr_assert_null(find(false, "POST", "/healthz", &st, &allow));
    cr_assert_eq(st, 405);
    cr_assert_str_eq(allow, "GET");
    cr_assert_null(find(false, "GET", "/nothing", &st, &allow));
    cr_assert_eq(st, 404);
    cr_assert_null(allow);
    cr_assert_not_null(find(false, "HEAD", "/metrics", &st, &allow));
}

Test(routes, debug_cache_only_with_debug_endpoints)
{
    const char *allow;
    int st;

    cr_assert_null(find(false, "GET", "/debug/cache", &st, &allow));
    cr_assert_eq(st, 404);
    cr_assert_not_null(find(true, "GET", "/debug/cache", &st, &allow));
}

/* every /debug/ route, not only the cache: they show pods and gangs */
Test(routes, debug_gangs_only_with_debug_endpoints)
{
    const char *allow;
    int st;

    cr_assert_null(find(false, "GET", "/debug/gangs", &st, &allow));
    cr_assert_eq(st, 404);
    cr_assert_not_null(find(true, "GET", "/debug/gangs", &st, &allow));
}

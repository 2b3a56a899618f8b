/* routes.c - the static route table and method/path matching (404, 405). */
#include "common.h"
#include "http/http.h"

static const struct http_route routes[] = {
    {"POST", "/filter", EXT_FILTER, NULL, false},
    {"POST", "/prioritize", EXT_PRIORITIZE, NULL, false},
    {"POST", "/preempt", EXT_PREEMPT, NULL, false},
    {"POST", "/bind", EXT_BIND, NULL, false},
    {"GET", "/healthz", EXT_NVERBS, http_healthz, false},
    {"GET", "/readyz", EXT_NVERBS, http_readyz, false},
    {"GET", "/metrics", EXT_NVERBS, http_metrics, false},
    {"GET", "/debug/cache", EXT_NVERBS, http_debug_cache, true},
    {"GET", "/debug/gangs", EXT_NVERBS, http_debug_gangs, true},
};

/* Exact match, or for an extender verb: path ends with "/<verb>". */
static bool path_matches(const struct http_route *r, const char *path)
{
    size_t pl, rl;

    if (strcmp(path, r->path) == 0)
        return true;
    if (r->verb == EXT_NVERBS)
        return false;
    pl = strlen(path);
    rl = strlen(r->path);
    return pl > rl && strcmp(path + pl - rl, r->path) == 0;
}

const struct http_route *http_route_find(const struct http_server *srv,
                                         const char *method, const char *path,
                                         int *status, const char **allow)
{
    const struct http_route *found = NULL;

    *status = 404;
    *allow = NULL;
    for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
        const struct http_route *r = &routes[i];

        if (r->debug && !srv->opts.debug_endpoints)
            continue;
        if (!path_matches(r, path))
            continue;
        if (strcmp(method, r->method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0))
            return r;
        found = r;
    }
    if (found) {
        *status = 405;
        *allow = found->method;
    }
    return NULL;
}

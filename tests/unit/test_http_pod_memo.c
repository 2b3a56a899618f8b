/* test_http_pod_memo.c - the bounded memo of filtered pods used by /bind. */
#include "common.h"
#include "http/pod_memo.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

static struct pod *mkpod(const char *uid, int64_t cpu)
{
    struct pod *p = pod_new();

    p->ns = xstrdup("ns");
    p->name = xasprintf("pod-%s", uid);
    p->uid = uid ? xstrdup(uid) : NULL;
    p->nreq = 1;
    p->req = xcalloc(1, sizeof(*p->req));
    p->req[0].id = RES_CPU;
    p->req[0].v = cpu;
    return p;
}

Test(pod_memo, get_returns_an_independent_copy_of_the_newest_put)
{
    struct pod_memo m;
    struct pod *a, *b;

    pod_memo_init(&m, 4);
    pod_memo_put(&m, mkpod("u1", 100));
    pod_memo_put(&m, mkpod("u1", 250));
    cr_assert_eq(pod_memo_len(&m), 1);
    a = pod_memo_get(&m, "u1");
    b = pod_memo_get(&m, "u1");
    cr_assert_not_null(a);
    cr_assert_neq(a, b);
    cr_assert_neq(a->name, b->name);
    cr_assert_str_eq(a->name, "pod-u1");
    cr_assert_eq(pod_request(a, RES_CPU), 250);
    pod_free(a);
    pod_free(b);
    cr_assert_null(pod_memo_get(&m, "u2"));
    pod_memo_fini(&m);
}

Test(pod_memo, oldest_entry_is_dropped_past_the_cap)
{
    struct pod_memo m;
    char uid[16];
    struct pod *p;

    pod_memo_init(&m, 3);
    for (int i = 0; i < 5; i++) {
        snprintf(uid, sizeof(uid), "u%d", i);
        pod_memo_put(&m, mkpod(uid, i));
    }
    /* re-putting u2 makes it the newest: u3 is dropped next, not u2 */
    pod_memo_put(&m, mkpod("u2", 2));
    pod_memo_put(&m, mkpod("u5", 5));
    cr_assert_eq(pod_memo_len(&m), 3);
    cr_assert_null(pod_memo_get(&m, "u0"));
    cr_assert_null(pod_memo_get(&m, "u1"));
    cr_assert_null(pod_memo_get(&m, "u3"));
    p = pod_memo_get(&m, "u2");
    cr_assert_not_null(p);
    pod_free(p);
    p = pod_memo_get(&m, "u4");
    cr_assert_not_null(p);
    pod_free(p);
    pod_memo_fini(&m);
}

Test(pod_memo, pod_without_uid_is_not_remembered)
{
    struct pod_memo m;

    pod_memo_init(&m, 3);
    pod_memo_put(&m, mkpod(NULL, 1));
    pod_memo_put(&m, mkpod("", 1));
    cr_assert_eq(pod_memo_len(&m), 0);
    pod_memo_fini(&m);
}

/* test_util_core.c - buf, strmap, labels and node selector terms. */
#include "common.h"
#include "cache/model.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

Test(buf, cap_is_enforced_and_contents_kept)
{
    struct buf b;

    buf_init(&b, 8);
    cr_assert_eq(buf_adds(&b, "12345678"), MU_OK);
    cr_assert_eq(buf_addc(&b, 'x'), MU_ELIMIT);
    cr_assert_str_eq(b.data, "12345678");
    buf_fini(&b);
}

Test(buf, i64_and_json_strings_escape_like_go)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_add_i64(&b, -9223372036854775807LL - 1);
    buf_addc(&b, ' ');
    buf_add_i64(&b, 0);
    buf_addc(&b, ' ');
    buf_add_jstrz(&b, "a\"b\\c\n<&>\x01");
    cr_assert_str_eq(b.data, "-9223372036854775808 0 "
                             "\"a\\\"b\\\\c\\n\\u003c\\u0026\\u003e\\u0001\"");
    buf_fini(&b);
}

Test(strmap, put_get_del_and_growth)
{
    struct strmap m;
    char *keys[2000];
    size_t iter = 0, seen = 0;
    void *v;

    strmap_init(&m);
    for (int i = 0; i < 2000; i++) {
        keys[i] = xasprintf("node-%d", i);
        cr_assert_null(strmap_put(&m, keys[i], strlen(keys[i]), keys[i]));
    }
    cr_assert_eq(strmap_len(&m), 2000);
    for (int i = 0; i < 2000; i += 2)
        cr_assert_eq(strmap_del(&m, keys[i], strlen(keys[i])), keys[i]);
    for (int i = 0; i < 2000; i++) {
        v = strmap_get(&m, keys[i], strlen(keys[i]));
        cr_assert_eq(v, i % 2 ? keys[i] : NULL, "key %s", keys[i]);
    }
    while (strmap_next(&m, &iter, NULL, NULL, &v))
        seen++;
    cr_assert_eq(seen, 1000);
    /* reinsert over tombstones */
    for (int i = 0; i < 2000; i += 2)
        strmap_put(&m, keys[i], strlen(keys[i]), keys[i]);
    cr_assert_eq(strmap_len(&m), 2000);
    strmap_fini(&m);
    for (int i = 0; i < 2000; i++)
        free(keys[i]);
}

static struct node_info *mknode(const char *name, int nl, ...)
{
    struct node_info *n = node_new();
    va_list ap;

    n->name = xstrdup(name);
    n->labels.kv = xcalloc((size_t)nl, sizeof(struct label));
    va_start(ap, nl);
    for (int i = 0; i < nl; i++) {
        n->labels.kv[i].key = xstrdup(va_arg(ap, const char *));
        n->labels.kv[i].val = xstrdup(va_arg(ap, const char *));
    }
    va_end(ap);
    n->labels.n = (uint32_t)nl;
    cr_assert_eq(labels_sort(&n->labels), MU_OK);
    return n;
}

Test(labels, sorted_lookup_and_duplicates)
{
    struct node_info *n = mknode("a", 3, "zone", "z1", "app", "x", "gpu", "8");

    cr_assert_str_eq(labels_get(&n->labels, "gpu"), "8");
    cr_assert_str_eq(labels_get(&n->labels, "zone"), "z1");
    cr_assert_null(labels_get(&n->labels, "nope"));
    node_free(n);
    n = node_new();
    n->labels.kv = xcalloc(2, sizeof(struct label));
    n->labels.kv[0] = (struct label){xstrdup("k"), xstrdup("1")};
    n->labels.kv[1] = (struct label){xstrdup("k"), xstrdup("2")};
    n->labels.n = 2;
    cr_assert_eq(labels_sort(&n->labels), MU_EINVAL);
    node_free(n);
}

Test(selector, operators_and_match_fields)
{
    struct node_info *n = mknode("node-1", 2, "gpus", "8", "zone", "a");
    char *vals_in[] = {"a", "b"}, *vals_gt[] = {"4"}, *vals_name[] = {"node-1"};
    struct sel_req in = {"zone", SEL_IN, 2, vals_in};
    struct sel_req gt = {"gpus", SEL_GT, 1, vals_gt};
    struct sel_req lt = {"gpus", SEL_LT, 1, vals_gt};
    struct sel_req ex = {"missing", SEL_DOES_NOT_EXIST, 0, NULL};
    struct sel_req name = {"metadata.name", SEL_IN, 1, vals_name};
    struct sel_term t1 = {1, &in, 0, NULL}, t2 = {1, &gt, 0, NULL};
    struct sel_term t3 = {1, &lt, 0, NULL}, t4 = {1, &ex, 1, &name};
    struct sel_term empty = {0, NULL, 0, NULL};

    cr_assert(sel_term_match(&t1, n));
    cr_assert(sel_term_match(&t2, n));
    cr_assert_not(sel_term_match(&t3, n));
    cr_assert(sel_term_match(&t4, n));
    cr_assert_not(sel_term_match(&empty, n), "an empty term matches nothing");
    node_free(n);
}

Test(node, pack_keeps_every_field_in_one_block)
{
    struct node_info *n = mknode("gpu-1", 3, "zone", "z1", "app", "x", "k", "");
    struct node_info *p;

    n->ntaints = 1;
    n->taints = xcalloc(1, sizeof(*n->taints));
    n->taints[0] = (struct taint){xstrdup("gpu"), xstrdup("yes"),
                                  EFFECT_NO_SCHEDULE};
    n->ready = true;
    n->alloc[RES_CPU] = 8000;
    n->used[RES_CPU] = 500;
    p = node_pack(n);   /* consumes n */
    cr_assert(p->packed);
    cr_assert_str_eq(p->name, "gpu-1");
    cr_assert_str_eq(labels_get(&p->labels, "zone"), "z1");
    cr_assert_str_eq(labels_get(&p->labels, "k"), "");
    cr_assert_str_eq(p->taints[0].key, "gpu");
    cr_assert_str_eq(p->taints[0].value, "yes");
    cr_assert_eq(p->taints[0].effect, EFFECT_NO_SCHEDULE);
    cr_assert(p->ready);
    cr_assert_eq(p->alloc[RES_CPU], 8000);
    cr_assert_eq(p->used[RES_CPU], 500);
    /* everything lies inside the one allocation, after the struct */
    cr_assert((char *)p->name > (char *)p && (char *)p->labels.kv > (char *)p);
    cr_assert_eq(node_pack(p), p, "packing twice is a no-op");
    node_free(p);
}

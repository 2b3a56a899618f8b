/* fuzz_podgroup.c - libFuzzer target: PodGroup objects. The first byte
 * picks the entry: 0, one object (podgroup_decode, as in snapshots) put
 * into a cluster and looked up again; 1, a PodGroupList page as polled from
 * the API server (kube_podgroups_parse). */
#include "common.h"
#include "fuzz.h"
#include "cache/podgroup.h"
#include "kube/kube.h"
#include "util/xmalloc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void one_object(const char *p, size_t n)
{
    struct jscan js;
    struct podgroup *pg = NULL;
    struct cluster *c;
    const struct podgroup *got;
    char *key;

    js_init(&js, p, n);
    if (podgroup_decode(&js, &pg) != MU_OK) {
        FUZZ_CHECK(pg == NULL, "object returned on failure");
        fuzz_check_err(js_error(&js), sizeof(js.err));
        return;
    }
    FUZZ_CHECK(pg->min_member >= 1 && pg->min_member <= PODGROUP_MAX_MEMBERS,
               "minMember %lld", (long long)pg->min_member);
    FUZZ_CHECK(pg->timeout_s >= 0, "timeout %lld", (long long)pg->timeout_s);
    c = cluster_new();
    key = xstrdup(pg->key);
    cluster_wrlock(c);
    cluster_podgroup_put(c, pg);
    got = cluster_podgroup_get(c, key, strlen(key));
    FUZZ_CHECK(got != NULL, "podgroup %s not found after put", key);
    FUZZ_CHECK(cluster_podgroup_del(c, got->ns, got->name) == MU_OK,
               "podgroup %s not deleted", key);
    cluster_unlock(c);
    free(key);
    cluster_free(c);
}

static void one_list(const char *p, size_t n)
{
    struct podgroup **v = NULL;
    size_t nv = 0;
    char cont[256], err[512];

    if (kube_podgroups_parse(p, n, &v, &nv, cont, sizeof(cont), err,
                             sizeof(err)) != MU_OK) {
        FUZZ_CHECK(v == NULL && nv == 0, "objects returned on failure");
        fuzz_check_err(err, sizeof(err));
        return;
    }
    FUZZ_CHECK(memchr(cont, '\0', sizeof(cont)) != NULL, "continue token");
    for (size_t i = 0; i < nv; i++)
        podgroup_free(v[i]);
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        one_list((const char *)data + 1, size - 1);
    else
        one_object((const char *)data + 1, size - 1);
    return 0;
}

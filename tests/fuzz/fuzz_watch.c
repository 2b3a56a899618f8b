/* fuzz_watch.c - libFuzzer target: a watch response body cut into chunks
 * at arbitrary places (kstream_feed), each event applied to a cluster
 * (kube_apply_event), or a LIST page swapped in (kube_apply_list_page,
 * kube_apply_relist).
 *
 * Input: byte 0 picks the mode (bit 0: pods, else nodes; bit 1: a LIST
 * page, else a watch stream) and the event size cap (bits 2-7: small caps
 * reach the MU_ELIMIT paths); byte 1 gives K, the number of chunk sizes
 * that follow (0..15); the K bytes are chunk lengths 1..256, used in turn.
 * The rest is the body. The cluster starts as fuzz_cluster.h, so events
 * can modify and delete objects that exist.
 *
 * Oracle: the events the splitter delivers, and its result, do not depend
 * on the chunking: the same body fed in one piece must give the same
 * events (count and hash), the same code and the same pending tail. */
#include "common.h"
#include "fuzz.h"
#include "fuzz_cluster.h"
#include "cache/snapshot.h"
#include "kube/stream.h"
#include "kube/watch.h"

#define FUZZ_NOW_MS 1000000

struct sink {
    struct cluster *c; /* NULL: only record the events */
    enum kres res;
    uint64_t n, hash;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static int on_event(void *arg, const char *line, size_t len)
{
    struct sink *k = arg;
    struct kevent ev;
    char err[1024];
    int rc;

    k->n++;
    for (size_t i = 0; i < len; i++)
        k->hash = (k->hash ^ (uint8_t)line[i]) * 1099511628211u;
    k->hash = (k->hash ^ 0xff) * 1099511628211u;
    if (!k->c)
        return MU_OK;
    rc = kube_apply_event(k->c, k->res, line, len, FUZZ_NOW_MS + k->n, &ev, err,
                          sizeof(err));
    /* MU_ELIMIT: a Node naming more than RES_MAX distinct resources, a
     * process-wide table that earlier inputs may have filled (pods cannot
     * hit it: past RES_POD_QUOTA their names become RES_UNLISTED). */
    FUZZ_CHECK(rc == MU_OK || rc == MU_EINVAL || rc == MU_ELIMIT,
               "apply: %d: %s", rc, err);
    if (rc)
        fuzz_check_err(err, sizeof(err));
    FUZZ_CHECK(memchr(ev.rv, '\0', sizeof(ev.rv)) != NULL, "rv");
    return MU_OK;
}

static struct cluster *fresh_cluster(void)
{
    struct cluster *c = NULL;
    char err[512];

    if (snapshot_parse(fuzz_cluster_json, sizeof(fuzz_cluster_json) - 1,
                       "fuzz_cluster", &c, err, sizeof(err))) {
        fprintf(stderr, "fuzz_watch: cluster: %s\n", err);
        abort();
    }
    return c;
}

/* Feed body in chunks of the given sizes (cycled); RET the first error. */
static int feed_chunked(struct kstream *s, const uint8_t *body, size_t n,
                        const uint8_t *sizes, size_t nsizes)
{
    size_t pos = 0, k = 0, step;
    int rc;

    while (pos < n) {
        step = nsizes ? (size_t)sizes[k++ % nsizes] + 1 : n - pos;
        step = MU_MIN(step, n - pos);
        if ((rc = kstream_feed(s, (const char *)body + pos, step)))
            return rc;
        pos += step;
    }
    return MU_OK;
}

static void watch_stream(enum kres res, size_t max, const uint8_t *sizes,
                         size_t nsizes, const uint8_t *body, size_t n)
{
    struct sink cut = {
        .c = fresh_cluster(), .res = res, .hash = 14695981039346656037u};
    struct sink whole = {.res = res, .hash = 14695981039346656037u};
    struct kstream a, b;
    int rca, rcb;

    kstream_init(&a, max, on_event, &cut);
    kstream_init(&b, max, on_event, &whole);
    rca = feed_chunked(&a, body, n, sizes, nsizes);
    rcb = kstream_feed(&b, (const char *)body, n);
    FUZZ_CHECK(rca == rcb, "chunked rc %d, whole rc %d", rca, rcb);
    FUZZ_CHECK(cut.n == whole.n && cut.hash == whole.hash,
               "chunked gave %llu events, whole %llu (or different bytes)",
               (unsigned long long)cut.n, (unsigned long long)whole.n);
    if (rca == MU_OK)
        FUZZ_CHECK(kstream_pending(&a) == kstream_pending(&b),
                   "pending %zu vs %zu", kstream_pending(&a),
                   kstream_pending(&b));
    kube_expire_assumed(cut.c, FUZZ_NOW_MS + 60000);
    kstream_fini(&a);
    kstream_fini(&b);
    cluster_free(cut.c);
}

static void list_page(enum kres res, const uint8_t *body, size_t n)
{
    struct cluster *c = fresh_cluster(), *fresh = cluster_new();
    char rv[KUBE_RV_MAX], cont[512], err[1024];

    if (kube_apply_list_page(fresh, res, (const char *)body, n, rv, cont,
                             sizeof(cont), err, sizeof(err)) == MU_OK) {
        FUZZ_CHECK(memchr(rv, '\0', sizeof(rv)) &&
                       memchr(cont, '\0', sizeof(cont)),
                   "rv or continue token not terminated");
        kube_apply_relist(c, res, fresh, FUZZ_NOW_MS);
    } else {
        fuzz_check_err(err, sizeof(err));
        cluster_free(fresh);
    }
    cluster_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum kres res;
    size_t nsizes, max;

    if (size < 2)
        return 0;
    res = (data[0] & 1) ? KRES_PODS : KRES_NODES;
    max = (data[0] >> 2) ? (size_t)(data[0] >> 2) * 64 : KSTREAM_MAX_EVENT;
    nsizes = MU_MIN((size_t)(data[1] & 15), size - 2);
    if (data[0] & 2)
        list_page(res, data + 2, size - 2);
    else
        watch_stream(res, max, data + 2, nsizes, data + 2 + nsizes,
                     size - 2 - nsizes);
    return 0;
}

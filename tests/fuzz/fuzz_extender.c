/* fuzz_extender.c - libFuzzer target: extender request bodies of all four
 * verbs through ext_handle, the function the HTTP server feeds bodies to,
 * against a fresh copy of a small fixed cluster (fuzz_cluster.h) per input.
 *
 * Input: one or more calls separated by NUL bytes (bodies are JSON, which
 * never holds a raw NUL). The first byte of a call picks the verb (low two
 * bits: filter, prioritize, preempt, bind); bit 2 of the first call's byte
 * turns on gang scheduling (the gang-topology policy and a gang table). So
 * a filter then a bind of the same pod exercises the memo, and gangs see
 * several members. At most FUZZ_MAX_CALLS calls run. */
#include "common.h"
#include "fuzz.h"
#include "fuzz_cluster.h"
#include "cache/snapshot.h"
#include "http/extender.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "util/buf.h"

#define FUZZ_MAX_CALLS 6

static const char plain_policy[] =
    "{\"description\":\"fuzz\",\"filters\":[\"node-ready\","
    "\"taint-toleration\",\"node-affinity\",\"resources-fit\"],"
    "\"scores\":[{\"name\":\"least-allocated\",\"weight\":1},"
    "{\"name\":\"node-affinity-preferred\",\"weight\":1}]}";

static const char gang_policy[] =
    "{\"description\":\"fuzz gangs\",\"filters\":[\"gang\",\"node-ready\","
    "\"taint-toleration\",\"node-affinity\",\"resources-fit\"],"
    "\"scores\":[{\"name\":\"gang-topology\",\"weight\":4},"
    "{\"name\":\"gpu-fit\",\"weight\":3},{\"name\":\"most-allocated\","
    "\"weight\":1,\"args\":{\"resources\":{\"nvidia.com/gpu\":1}}},"
    "{\"name\":\"balanced-allocation\",\"weight\":1}],"
    "\"gang\":{\"defaultTimeoutSeconds\":30,\"maxHoldSeconds\":4,"
    "\"backoffSeconds\":10,\"starvationSeconds\":300,\"topologyKeys\":"
    "[\"kubernetes.io/hostname\",\"topology.muster.dev/rack\","
    "\"topology.kubernetes.io/zone\"]}}";

static struct policy *pol_plain, *pol_gang;

static struct policy *load_policy(const char *json)
{
    struct policy *p = NULL;
    char err[512];

    if (policy_parse(json, strlen(json), "fuzz", &p, err, sizeof(err))) {
        fprintf(stderr, "fuzz_extender: policy: %s\n", err);
        abort();
    }
    return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    pol_plain = load_policy(plain_policy);
    pol_gang = load_policy(gang_policy);
    return 0;
}

/* kube-scheduler uses Error as a format string: it must hold no '%'. */
static void check_error_text(const struct buf *out)
{
    const char *e = memmem(out->data, out->len, "\"Error\":\"", 9);
    const char *end = out->data + out->len;

    if (!e)
        return;
    for (e += 9; e < end && *e != '"'; e++) {
        if (*e == '\\')
            e++;
        else
            FUZZ_CHECK(*e != '%', "'%%' in Error: %.*s", (int)out->len,
                       out->data);
    }
}

static void one_call(struct ext_service *s, const uint8_t *p, size_t n)
{
    struct buf out;
    struct ext_call call;
    enum ext_verb v = (enum ext_verb)(p[0] & 3);
    int rc;

    buf_init(&out, 1u << 20);
    memset(&call, 0, sizeof(call));
    call.body = (const char *)p + 1;
    call.len = n - 1;
    call.out = &out;
    rc = ext_handle(s, v, &call);
    FUZZ_CHECK(rc == MU_OK || rc == MU_ELIMIT, "ext_handle: %d", rc);
    if (rc == MU_OK) {
        FUZZ_CHECK(call.status >= 200 && call.status < 600, "status %d",
                   call.status);
        FUZZ_CHECK(!call.held, "held without a ticket");
        FUZZ_CHECK(out.len > 0 && (out.data[0] == '{' || out.data[0] == '['),
                   "answer not JSON: %.*s", (int)out.len, out.data);
        check_error_text(&out);
    }
    buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cluster *c = NULL;
    struct gang_table *gangs = NULL;
    struct ext_service s;
    char err[512];
    size_t pos = 0;
    int calls = 0;
    bool gang = size > 0 && (data[0] & 4);

    if (size == 0)
        return 0;
    if (snapshot_parse(fuzz_cluster_json, sizeof(fuzz_cluster_json) - 1,
                       "fuzz_cluster", &c, err, sizeof(err))) {
        fprintf(stderr, "fuzz_extender: cluster: %s\n", err);
        abort();
    }
    ext_service_init(&s, c, gang ? pol_gang : pol_plain, NULL, NULL);
    if (gang) {
        gangs = gang_table_new();
        s.gangs = gangs;
    }
    while (pos < size && calls++ < FUZZ_MAX_CALLS) {
        const uint8_t *p = data + pos;
        const uint8_t *nul = memchr(p, 0, size - pos);
        size_t n = nul ? (size_t)(nul - p) : size - pos;

        if (n > 0)
            one_call(&s, p, n);
        pos += n + 1;
    }
    ext_service_fini(&s);
    gang_table_free(gangs);
    cluster_free(c);
    return 0;
}

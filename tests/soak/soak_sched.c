/* soak_sched.c - the soak's kube-scheduler stand-in: one pending pod at a
 * time, /filter with NodeNames (a nodeCacheCapable extender), /prioritize
 * over the nodes that passed, then /bind to the best-scored node in its own
 * thread, so that held gang binds proceed concurrently as kube-scheduler's
 * binding cycles do. Unschedulable pods back off 250 ms .. 4 s. */
#include "common.h"
#include "soak.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>

#define BACKOFF_MAX_MS 4000

struct attempt {
    size_t idx;
    char name[48], uid[48], node[32];
    const char *ns;
    char *json;
};

/* The next pending pod whose backoff is over, copied under S.mu; and the
 * live node names as a JSON array. RET false when there is none. */
static bool next_pod(size_t *cursor, struct attempt *a, struct buf *names)
{
    int64_t now = soak_now_ms();
    size_t n;
    bool found = false;

    pthread_mutex_lock(&S.mu);
    n = S.npods - SOAK_BG_PODS;
    for (size_t j = 0; j < n && !found && S.binds_in_flight < SOAK_MAX_BINDS;
         j++) {
        size_t i = SOAK_BG_PODS + (*cursor + j) % n;
        struct spod *p = &S.pods[i];

        if (p->state != SP_PENDING || p->next_try_ms > now)
            continue;
        a->idx = i;
        snprintf(a->name, sizeof(a->name), "%s", p->name);
        snprintf(a->uid, sizeof(a->uid), "%s", p->uid);
        a->ns = p->ns;
        a->json = xstrdup(p->json);
        *cursor = (i - SOAK_BG_PODS + 1) % n;
        found = true;
    }
    buf_reset(names);
    buf_addc(names, '[');
    for (int i = 0; found && i < SOAK_NODES; i++) {
        if (S.nodes[i].alive)
            buf_printf(names, "%s\"node-%d\"", names->len > 1 ? "," : "", i);
    }
    buf_addc(names, ']');
    buf_addc(names, '\0');
    pthread_mutex_unlock(&S.mu);
    return found;
}

static void backoff(const struct attempt *a)
{
    pthread_mutex_lock(&S.mu);
    struct spod *p = &S.pods[a->idx];

    S.unschedulable++;
    if (p->state == SP_PENDING) {
        p->next_try_ms = soak_now_ms() +
                         MU_MIN(250LL << MU_MIN(p->tries, 5), BACKOFF_MAX_MS);
        p->tries++;
    }
    pthread_mutex_unlock(&S.mu);
}

/* POST /filter; OUT the passing names as a JSON array. RET their count. */
static int do_filter(CURL *h, const struct attempt *a, const char *names,
                     struct buf *out, struct buf *pass)
{
    char *body = xasprintf("{\"Pod\":%s,\"NodeNames\":%s}", a->json, names);
    long st = soak_http(h, S.muster_port, "POST", "/filter", body, out);
    cJSON *j = st == 200 ? cJSON_Parse(out->data) : NULL;
    cJSON *nn = cJSON_GetObjectItemCaseSensitive(j, "NodeNames"), *x;
    int n = 0;

    pthread_mutex_lock(&S.mu);
    S.filters++;
    pthread_mutex_unlock(&S.mu);
    buf_reset(pass);
    buf_addc(pass, '[');
    cJSON_ArrayForEach(x, nn)
    {
        if (cJSON_IsString(x))
            buf_printf(pass, "%s\"%s\"", n++ ? "," : "", x->valuestring);
    }
    buf_addc(pass, ']');
    buf_addc(pass, '\0');
    cJSON_Delete(j);
    free(body);
    return n;
}

/* POST /prioritize; OUT a->node: the best score, ties broken at random.
 * RET false when no score came back. */
static bool do_prioritize(CURL *h, struct attempt *a, const char *pass,
                          struct buf *out, uint64_t *r)
{
    char *body = xasprintf("{\"Pod\":%s,\"NodeNames\":%s}", a->json, pass);
    long st = soak_http(h, S.muster_port, "POST", "/prioritize", body, out);
    cJSON *j = st == 200 ? cJSON_Parse(out->data) : NULL, *x;
    double best = -1;
    int ties = 0;

    pthread_mutex_lock(&S.mu);
    S.prioritizes++;
    pthread_mutex_unlock(&S.mu);
    a->node[0] = '\0';
    if (!cJSON_IsArray(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
    cJSON_ArrayForEach(x, j)
    {
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(x, "Host");
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(x, "Score");

        if (!cJSON_IsString(host) || !cJSON_IsNumber(sc) ||
            sc->valuedouble < best)
            continue;
        ties = sc->valuedouble > best ? 1 : ties + 1;
        best = sc->valuedouble;
        if (soak_rnd(r, (uint32_t)ties) == 0)
            snprintf(a->node, sizeof(a->node), "%s", host->valuestring);
    }
    cJSON_Delete(j);
    free(body);
    return a->node[0] != '\0';
}

/* Record a bind's answer: bound, or back to pending for a retry. */
static void bind_done(const struct attempt *a, long st, const char *answer)
{
    cJSON *j = st == 200 ? cJSON_Parse(answer) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "Error");
    bool ok = cJSON_IsString(e) && e->valuestring[0] == '\0';

    pthread_mutex_lock(&S.mu);
    struct spod *p = &S.pods[a->idx];

    if (st != 200)
        S.bind_transport++;
    else if (ok)
        S.binds_ok++;
    else
        S.bind_errors++;
    /* deleted meanwhile: whatever the answer, nothing to check */
    if (p->state == SP_BINDING && ok) {
        p->state = SP_BOUND;
        snprintf(p->node, sizeof(p->node), "%s", a->node);
    } else if (p->state == SP_BINDING) {
        p->state = SP_PENDING;
        p->next_try_ms = soak_now_ms() + 1000;
    }
    S.binds_in_flight--;
    pthread_mutex_unlock(&S.mu);
    cJSON_Delete(j);
}

static void *bind_main(void *arg)
{
    struct attempt *a = arg;
    char *body = xasprintf("{\"PodName\":\"%s\",\"PodNamespace\":\"%s\","
                           "\"PodUID\":\"%s\",\"Node\":\"%s\"}",
                           a->name, a->ns, a->uid, a->node);
    struct buf out;
    long st;

    buf_init(&out, 1 << 20);
    st = soak_http(NULL, S.muster_port, "POST", "/bind", body, &out);
    bind_done(a, st, out.data);
    buf_fini(&out);
    free(body);
    free(a->json);
    free(a);
    return NULL;
}

/* Hand the pod to a bind thread unless it changed meanwhile. */
static void bind_start(struct attempt *a)
{
    struct attempt *copy;
    pthread_t th;
    bool go;

    pthread_mutex_lock(&S.mu);
    go = S.pods[a->idx].state == SP_PENDING;
    if (go) {
        S.pods[a->idx].state = SP_BINDING;
        S.binds_in_flight++;
    }
    pthread_mutex_unlock(&S.mu);
    if (!go)
        return;
    copy = xmalloc(sizeof(*copy));
    *copy = *a;
    copy->json = a->json;
    a->json = NULL;
    if (pthread_create(&th, NULL, bind_main, copy) == 0) {
        pthread_detach(th);
        return;
    }
    bind_done(copy, 0, "");
    free(copy->json);
    free(copy);
}

void *soak_sched_main(void *arg)
{
    CURL *h = curl_easy_init();
    uint64_t r = S.seed * 40503u + 7;
    struct buf names, out, pass;
    struct attempt a;
    size_t cursor = 0;

    MU_UNUSED(arg);
    buf_init(&names, 1 << 20);
    buf_init(&out, BUF_UNLIMITED);
    buf_init(&pass, 1 << 20);
    while (!atomic_load(&S.sched_stop)) {
        memset(&a, 0, sizeof(a));
        if (!next_pod(&cursor, &a, &names)) {
            soak_sleep_ms(50);
            continue;
        }
        if (do_filter(h, &a, names.data, &out, &pass) == 0 ||
            !do_prioritize(h, &a, pass.data, &out, &r))
            backoff(&a);
        else
            bind_start(&a);
        FREE_NULL(a.json);
    }
    buf_fini(&names);
    buf_fini(&out);
    buf_fini(&pass);
    curl_easy_cleanup(h);
    return NULL;
}

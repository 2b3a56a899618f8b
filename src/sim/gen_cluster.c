/* gen_cluster.c - writes synthetic Node lists shaped like kubectl's JSON. */
#include "common.h"
#include "sim/gen_cluster.h"

#include <stdarg.h>
#include <time.h>

/* Fixed facts of every generated node: what a kubeadm node with the NVIDIA
 * device plugin reports. Only the fields that vary per node are random. */
#define GEN_GPU_PRODUCT "NVIDIA-H100-80GB-HBM3"
#define GEN_EPOCH 1767225600          /* 2026-01-01T00:00:00Z */
#define GEN_HEARTBEAT "2026-11-23T18:00:00Z"
#define GEN_CPU_RESERVED 100          /* millicores kept by the kubelet */
#define GEN_MEM_RESERVED_KI 204800    /* 200Mi system + eviction reserve */

/* ---- a pretty JSON writer that prints the way kubectl does -------------- */

#define JW_MAX_DEPTH 16

/* Go's json.MarshalIndent with four spaces: `"key": value`, one member per
 * line, empty containers as {} and []. The first buffer error is kept and
 * every later call does nothing, so callers check once at the end. */
struct jw {
    struct buf *b;
    int rc;
    int depth;
    bool has[JW_MAX_DEPTH];   /* the open container at this level has members */
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (!w->rc)
        w->rc = buf_add(w->b, s, n);
}

static void jw_newline(struct jw *w, int depth)
{
    static const char sp[] = "\n                                "
                             "                                ";

    MU_ASSERT(depth >= 0 && 1 + (size_t)depth * 4 < sizeof(sp));
    jw_raw(w, sp, 1 + (size_t)depth * 4);
}

static void jw_str(struct jw *w, const char *s)
{
    if (!w->rc)
        w->rc = buf_add_jstrz(w->b, s);
}

/* Comma after the previous member, new line, indent, then `"key": `. */
static void jw_member(struct jw *w, const char *key)
{
    if (w->depth > 0) {
        if (w->has[w->depth - 1])
            jw_raw(w, ",", 1);
        w->has[w->depth - 1] = true;
        jw_newline(w, w->depth);
    }
    if (key) {
        jw_str(w, key);
        jw_raw(w, ": ", 2);
    }
}

static void jw_open(struct jw *w, const char *key, char c)
{
    jw_member(w, key);
    jw_raw(w, &c, 1);
    MU_ASSERT(w->depth < JW_MAX_DEPTH);
    w->has[w->depth++] = false;
}

static void jw_close(struct jw *w, char c)
{
    MU_ASSERT(w->depth > 0);
    w->depth--;
    if (w->has[w->depth])
        jw_newline(w, w->depth);
    jw_raw(w, &c, 1);
}

static void jw_kstr(struct jw *w, const char *key, const char *val)
{
    jw_member(w, key);
    jw_str(w, val);
}

static void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_member(w, key);
    if (!w->rc)
        w->rc = buf_add_i64(w->b, v);
}

/* A string member built with printf; values here are short by design. */
static void MU_PRINTF(3, 4) jw_kfmt(struct jw *w, const char *key,
                                    const char *fmt, ...)
{
    char tmp[160];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    MU_ASSERT(n >= 0 && (size_t)n < sizeof(tmp));
    jw_kstr(w, key, tmp);
}

/* ---- deterministic randomness ------------------------------------------ */

/* splitmix64: tiny, fast and good enough for ids; the same seed gives the
 * same stream on every platform. */
static uint64_t gen_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Each node (and each image) gets its own stream, so node i's fields do not
 * depend on how many nodes or images come before it. */
static uint64_t gen_stream(uint64_t seed, uint64_t kind, uint64_t i)
{
    uint64_t s = seed ^ (kind << 56) ^ (i * 0xd1342543de82ef95ULL);

    return gen_next(&s);
}

/* A version-4 UUID string from the stream. */
static void gen_uuid(uint64_t *s, char *dst, size_t cap)
{
    uint64_t a = gen_next(s), b = gen_next(s);

    snprintf(dst, cap, "%08x-%04x-4%03x-%04x-%012llx",
             (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

static void gen_hex(uint64_t *s, char *dst, size_t nhex)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t r = 0;

    for (size_t i = 0; i < nhex; i++) {
        if (i % 16 == 0)
            r = gen_next(s);
        dst[i] = hex[r & 15];
        r >>= 4;
    }
    dst[nhex] = '\0';
}

/* ---- options and placement --------------------------------------------- */

void gen_opts_init(struct gen_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->gpus_per_node = 8;
    o->cpu_milli = 64 * 1000;
    o->memory_bytes = 512LL << 30;
    o->racks = 1;
    o->zones = 1;
    o->seed = 1;
}

int gen_opts_check(const struct gen_opts *o, char *err, size_t errlen)
{
    if (o->nodes == 0)
        snprintf(err, errlen, "--nodes is required (1..%u)", GEN_MAX_NODES);
    else if (o->nodes > GEN_MAX_NODES)
        snprintf(err, errlen, "--nodes %u not in 1..%u", o->nodes,
                 GEN_MAX_NODES);
    else if (o->gpus_per_node > GEN_MAX_GPUS)
        snprintf(err, errlen, "--gpus-per-node %u not in 0..%u",
                 o->gpus_per_node, GEN_MAX_GPUS);
    else if (o->cpu_milli < 1000 || o->cpu_milli > GEN_MAX_CPU_MILLI)
        snprintf(err, errlen, "--cpu %lldm not in 1..%lld cores",
                 (long long)o->cpu_milli, GEN_MAX_CPU_MILLI / 1000);
    else if (o->memory_bytes < (1LL << 30) || o->memory_bytes > GEN_MAX_MEMORY)
        snprintf(err, errlen, "--memory %lld bytes not in 1Gi..64Ti",
                 (long long)o->memory_bytes);
    else if (o->racks < 1 || o->racks > o->nodes)
        snprintf(err, errlen, "--racks %u not in 1..%u (the node count)",
                 o->racks, o->nodes);
    else if (o->zones < 1 || o->zones > o->racks)
        snprintf(err, errlen, "--zones %u not in 1..%u (the rack count)",
                 o->zones, o->racks);
    else if (o->images > GEN_MAX_IMAGES)
        snprintf(err, errlen, "--images %u not in 0..%u", o->images,
                 GEN_MAX_IMAGES);
    else
        return MU_OK;
    return MU_EINVAL;
}

/* Contiguous blocks whose sizes differ by at most one: node i is in rack
 * floor(i * racks / nodes), as consecutive machines share a rack. */
uint32_t gen_node_rack(const struct gen_opts *o, uint32_t i)
{
    return (uint32_t)((uint64_t)i * o->racks / o->nodes);
}

uint32_t gen_rack_zone(const struct gen_opts *o, uint32_t rack)
{
    return (uint32_t)((uint64_t)rack * o->zones / o->racks);
}

/* kubelet style: whole cores as "64", otherwise millicores "63900m". */
static void gen_fmt_cpu(int64_t milli, char *dst, size_t cap)
{
    if (milli % 1000 == 0)
        snprintf(dst, cap, "%lld", (long long)(milli / 1000));
    else
        snprintf(dst, cap, "%lldm", (long long)milli);
}

static void gen_fmt_time(int64_t t, char *dst, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- one node ------------------------------------------------------------ */

/* What a node needs while it is written: its index, names and stream. */
struct gen_node {
    const struct gen_opts *o;
    uint32_t i;
    char name[16];
    uint64_t rng;
};

static void gen_node_metadata(struct jw *w, struct gen_node *n)
{
    char ts[32], uid[40];
    uint32_t rack = gen_node_rack(n->o, n->i);

    gen_fmt_time(GEN_EPOCH + n->i, ts, sizeof(ts));
    gen_uuid(&n->rng, uid, sizeof(uid));
    jw_open(w, "metadata", '{');
    jw_open(w, "annotations", '{');
    jw_kstr(w, "node.alpha.kubernetes.io/ttl", "0");
    jw_kstr(w, "volumes.kubernetes.io/controller-managed-attach-detach",
            "true");
    jw_close(w, '}');
    jw_kstr(w, "creationTimestamp", ts);
    jw_open(w, "labels", '{');
    jw_kstr(w, "beta.kubernetes.io/arch", "amd64");
    jw_kstr(w, "beta.kubernetes.io/os", "linux");
    jw_kstr(w, "kubernetes.io/arch", "amd64");
    jw_kstr(w, "kubernetes.io/hostname", n->name);
    jw_kstr(w, "kubernetes.io/os", "linux");
    if (n->o->gpus_per_node > 0)
        jw_kstr(w, "nvidia.com/gpu.product", GEN_GPU_PRODUCT);
    jw_kfmt(w, "topology.kubernetes.io/zone", "zone-%u",
            gen_rack_zone(n->o, rack));
    jw_kfmt(w, "topology.muster.dev/rack", "rack-%u", rack);
    jw_close(w, '}');
    jw_kstr(w, "name", n->name);
    jw_kfmt(w, "resourceVersion", "%u", 1000 + n->i * 7);
    jw_kstr(w, "uid", uid);
    jw_close(w, '}');
}

static void gen_node_spec(struct jw *w, const struct gen_node *n)
{
    /* a /26 of 10.0.0.0/8 per node: distinct for all GEN_MAX_NODES */
    uint32_t x = n->i * 64;
    char cidr[32];

    snprintf(cidr, sizeof(cidr), "10.%u.%u.%u/26", x >> 16, (x >> 8) & 255,
             x & 255);
    jw_open(w, "spec", '{');
    jw_kstr(w, "podCIDR", cidr);
    jw_open(w, "podCIDRs", '[');
    jw_kstr(w, NULL, cidr);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* capacity (alloc false) or allocatable (alloc true) */
static void gen_node_resources(struct jw *w, const struct gen_node *n,
                               bool alloc)
{
    int64_t cpu = n->o->cpu_milli - (alloc ? GEN_CPU_RESERVED : 0);
    int64_t mem_ki = n->o->memory_bytes / 1024 -
                     (alloc ? GEN_MEM_RESERVED_KI : 0);
    char tmp[32];

    gen_fmt_cpu(cpu, tmp, sizeof(tmp));
    jw_open(w, alloc ? "allocatable" : "capacity", '{');
    jw_kstr(w, "cpu", tmp);
    jw_kstr(w, "ephemeral-storage", alloc ? "972991057538" : "1055762868Ki");
    jw_kstr(w, "hugepages-1Gi", "0");
    jw_kstr(w, "hugepages-2Mi", "0");
    jw_kfmt(w, "memory", "%lldKi", (long long)mem_ki);
    if (n->o->gpus_per_node > 0)
        jw_kfmt(w, "nvidia.com/gpu", "%u", n->o->gpus_per_node);
    jw_kstr(w, "pods", "110");
    jw_close(w, '}');
}

static void gen_condition(struct jw *w, const char *type, const char *status,
                          const char *reason, const char *message)
{
    jw_open(w, NULL, '{');
    jw_kstr(w, "lastHeartbeatTime", GEN_HEARTBEAT);
    jw_kstr(w, "lastTransitionTime", "2026-01-01T00:05:00Z");
    jw_kstr(w, "message", message);
    jw_kstr(w, "reason", reason);
    jw_kstr(w, "status", status);
    jw_kstr(w, "type", type);
    jw_close(w, '}');
}

static void gen_node_conditions(struct jw *w)
{
    jw_open(w, "conditions", '[');
    gen_condition(w, "MemoryPressure", "False", "KubeletHasSufficientMemory",
                  "kubelet has sufficient memory available");
    gen_condition(w, "DiskPressure", "False", "KubeletHasNoDiskPressure",
                  "kubelet has no disk pressure");
    gen_condition(w, "PIDPressure", "False", "KubeletHasSufficientPID",
                  "kubelet has sufficient PID available");
    gen_condition(w, "Ready", "True", "KubeletReady",
                  "kubelet is posting ready status");
    jw_close(w, ']');
}

static void gen_node_addresses(struct jw *w, const struct gen_node *n)
{
    /* 172.16.0.0/12 holds every node: n + 1 <= 100001 < 2^20 */
    uint32_t x = n->i + 1;

    jw_open(w, "addresses", '[');
    jw_open(w, NULL, '{');
    jw_kfmt(w, "address", "172.%u.%u.%u", 16 + (x >> 16), (x >> 8) & 255,
            x & 255);
    jw_kstr(w, "type", "InternalIP");
    jw_close(w, '}');
    jw_open(w, NULL, '{');
    jw_kstr(w, "address", n->name);
    jw_kstr(w, "type", "Hostname");
    jw_close(w, '}');
    jw_close(w, ']');
}

/* One entry of status.images: image j of the cluster-wide pool, its digest
 * and size drawn from the image's own stream so all nodes agree on them. */
static void gen_image(struct jw *w, uint64_t seed, uint32_t j)
{
    uint64_t s = gen_stream(seed, 2, j);
    char digest[65];

    gen_hex(&s, digest, 64);
    jw_open(w, NULL, '{');
    jw_open(w, "names", '[');
    jw_kfmt(w, NULL, "registry.example.com/muster-bench/app-%03u@sha256:%s", j,
            digest);
    jw_kfmt(w, NULL, "registry.example.com/muster-bench/app-%03u:v1.%u.%u", j,
            (unsigned)(gen_next(&s) % 40), (unsigned)(gen_next(&s) % 10));
    jw_close(w, ']');
    /* 50 MB .. 10 GB, like real layers of CUDA images and sidecars */
    jw_kint(w, "sizeBytes", 50000000 + (int64_t)(gen_next(&s) % 9950000000ULL));
    jw_close(w, '}');
}

/* `images` consecutive entries of a pool four times larger, from a random
 * start: nodes share images, as real nodes of one cluster do. */
static void gen_node_images(struct jw *w, struct gen_node *n)
{
    uint32_t k = n->o->images, pool = 4 * k + 16;
    uint32_t start = (uint32_t)(gen_next(&n->rng) % pool);

    if (k == 0)
        return;   /* Go omits an empty images list (omitempty) */
    jw_open(w, "images", '[');
    for (uint32_t j = 0; j < k; j++)
        gen_image(w, n->o->seed, (start + j) % pool);
    jw_close(w, ']');
}

static void gen_node_info(struct jw *w, struct gen_node *n)
{
    char boot[40], machine[33], sysuuid[40];

    gen_uuid(&n->rng, boot, sizeof(boot));
    gen_hex(&n->rng, machine, 32);
    gen_uuid(&n->rng, sysuuid, sizeof(sysuuid));
    jw_open(w, "nodeInfo", '{');
    jw_kstr(w, "architecture", "amd64");
    jw_kstr(w, "bootID", boot);
    jw_kstr(w, "containerRuntimeVersion", "containerd://1.7.22");
    jw_kstr(w, "kernelVersion", "6.8.0-45-generic");
    jw_kstr(w, "kubeProxyVersion", "");
    jw_kstr(w, "kubeletVersion", "v1.34.1");
    jw_kstr(w, "machineID", machine);
    jw_kstr(w, "operatingSystem", "linux");
    jw_kstr(w, "osImage", "Ubuntu 24.04.1 LTS");
    jw_kstr(w, "systemUUID", sysuuid);
    jw_close(w, '}');
}

static void gen_node(struct jw *w, const struct gen_opts *o, uint32_t i)
{
    struct gen_node n = {.o = o, .i = i, .rng = gen_stream(o->seed, 1, i)};

    snprintf(n.name, sizeof(n.name), "node-%05u", i);
    jw_open(w, NULL, '{');
    jw_kstr(w, "apiVersion", "v1");
    jw_kstr(w, "kind", "Node");
    gen_node_metadata(w, &n);
    gen_node_spec(w, &n);
    jw_open(w, "status", '{');
    gen_node_addresses(w, &n);
    gen_node_resources(w, &n, true);
    gen_node_resources(w, &n, false);
    gen_node_conditions(w);
    jw_open(w, "daemonEndpoints", '{');
    jw_open(w, "kubeletEndpoint", '{');
    jw_kint(w, "Port", 10250);
    jw_close(w, '}');
    jw_close(w, '}');
    gen_node_images(w, &n);
    gen_node_info(w, &n);
    jw_close(w, '}');
    jw_close(w, '}');
}

int gen_cluster(const struct gen_opts *o, struct buf *out)
{
    struct jw w = {.b = out};
    char err[128];

    if (gen_opts_check(o, err, sizeof(err)))
        return MU_EINVAL;
    jw_open(&w, NULL, '{');
    jw_kstr(&w, "apiVersion", "v1");
    jw_open(&w, "items", '[');
    for (uint32_t i = 0; i < o->nodes && !w.rc; i++)
        gen_node(&w, o, i);
    jw_close(&w, ']');
    jw_kstr(&w, "kind", "List");
    jw_open(&w, "metadata", '{');
    jw_kstr(&w, "resourceVersion", "");
    jw_close(&w, '}');
    jw_close(&w, '}');
    jw_raw(&w, "\n", 1);
    return w.rc;
}

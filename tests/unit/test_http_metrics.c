/* test_http_metrics.c - counters, cumulative histogram buckets and the
 * rejection table in the Prometheus exposition. */
#include "common.h"
#include "cache/cluster.h"
#include "http/metrics.h"

#include <criterion/criterion.h>

Test(metrics, histogram_buckets_are_cumulative_and_count_matches)
{
    struct metrics m;
    struct cluster *c = cluster_new();
    struct buf b;

    metrics_init(&m);
    metrics_observe(&m, EXT_FILTER, 50000, false);      /* 50 us */
    metrics_observe(&m, EXT_FILTER, 2000000, true);     /* 2 ms */
    metrics_observe(&m, EXT_FILTER, 9000000000, false); /* 9 s: +Inf */
    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(metrics_render(&m, c, false, &b), MU_OK);
    cr_assert(strstr(b.data, "muster_request_duration_seconds_bucket{verb="
                             "\"filter\",le=\"0.0001\"} 1\n"));
    cr_assert(strstr(b.data, "muster_request_duration_seconds_bucket{verb="
                             "\"filter\",le=\"0.001\"} 1\n"));
    cr_assert(strstr(b.data, "muster_request_duration_seconds_bucket{verb="
                             "\"filter\",le=\"0.0025\"} 2\n"));
    cr_assert(strstr(b.data, "muster_request_duration_seconds_bucket{verb="
                             "\"filter\",le=\"5\"} 2\n"));
    cr_assert(strstr(b.data, "muster_request_duration_seconds_bucket{verb="
                             "\"filter\",le=\"+Inf\"} 3\n"));
    cr_assert(strstr(b.data, "muster_request_duration_seconds_count{verb="
                             "\"filter\"} 3\n"));
    cr_assert(strstr(b.data, "muster_requests_total{verb=\"filter\"} 3\n"));
    cr_assert(strstr(b.data, "muster_request_errors_total{verb=\"filter\"} "
                             "1\n"));
    cr_assert(strstr(b.data, "muster_requests_total{verb=\"bind\"} 0\n"));
    cr_assert(strstr(b.data, "muster_cache_synced 0\n"));
    buf_fini(&b);
    metrics_fini(&m);
    cluster_free(c);
}

Test(metrics, rejections_add_up_per_plugin_and_reason)
{
    struct metrics m;
    struct cluster *c = cluster_new();
    struct buf b;
    static char codes[METRICS_MAX_REJECT + 5][16];

    metrics_init(&m);
    metrics_reject(&m, "resources-fit", "insufficient", 3);
    metrics_reject(&m, "resources-fit", "insufficient", 2);
    metrics_reject(&m, "taint-toleration", "taint", 1);
    buf_init(&b, BUF_UNLIMITED);
    metrics_render(&m, c, true, &b);
    cr_assert(strstr(b.data, "muster_filter_rejections_total{plugin="
                             "\"resources-fit\",reason=\"insufficient\"} 5\n"));
    cr_assert(strstr(b.data, "muster_filter_rejections_total{plugin="
                             "\"taint-toleration\",reason=\"taint\"} 1\n"));
    /* 2 pairs are in use: 126 more fit, the last 7 go to one overflow
     * series (codes
     * must outlive the metrics: a static table) */
    for (unsigned i = 0; i < METRICS_MAX_REJECT + 5; i++) {
        snprintf(codes[i], sizeof(codes[i]), "c%u", i);
        metrics_reject(&m, "x", codes[i], 1);
    }
    buf_reset(&b);
    metrics_render(&m, c, true, &b);
    cr_assert(strstr(b.data, "muster_filter_rejections_total{plugin=\"x\","
                             "reason=\"c0\"} 1\n"), "%s", b.data);
    cr_assert(strstr(b.data, "muster_filter_rejections_total{plugin="
                             "\"other\",reason=\"other\"} 7\n"), "%s", b.data);
    buf_fini(&b);
    metrics_fini(&m);
    cluster_free(c);
}

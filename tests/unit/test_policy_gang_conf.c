/* test_policy_gang_conf.c - the policy's "gang" section. */
#include "common.h"
#include "policy/policy.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static const char *bad(const char *gang)
{
    static char err[512];
    char json[1024];
    struct policy *pol = NULL;

    snprintf(json, sizeof(json), "{\"description\": \"d\", \"gang\": %s}",
             gang);
    cr_assert_eq(policy_parse(json, strlen(json), "p.json", &pol, err,
                              sizeof(err)), MU_EINVAL, "accepted: %s", gang);
    cr_assert_null(pol);
    return err;
}

Test(gang_conf, defaults_when_the_section_is_absent)
{
    struct policy *pol = fx_policy("{\"description\": \"d\"}");

    cr_assert_eq(pol->gang.default_timeout_s, 30);
    cr_assert_eq(pol->gang.max_hold_s, 4);
    cr_assert_eq(pol->gang.backoff_s, 10);
    cr_assert_eq(pol->gang.starvation_s, 300);
    cr_assert_eq(pol->gang.ntopo_keys, 2);
    cr_assert_str_eq(pol->gang.topo_keys[0], "kubernetes.io/hostname");
    cr_assert_str_eq(pol->gang.topo_keys[1], "topology.kubernetes.io/zone");
    cr_assert_not(pol->gang.given);
    policy_free(pol);
}

Test(gang_conf, every_key_is_read_and_printed)
{
    struct policy *pol = fx_policy(
        "{\"description\": \"d\", \"gang\": {\"defaultTimeoutSeconds\": 60,"
        " \"maxHoldSeconds\": 8, \"backoffSeconds\": 0,"
        " \"starvationSeconds\": 600, \"topologyKeys\": [\"a.io/rack\"]}}");
    char out[512];

    cr_assert_eq(pol->gang.default_timeout_s, 60);
    cr_assert_eq(pol->gang.max_hold_s, 8);
    cr_assert_eq(pol->gang.backoff_s, 0);
    cr_assert_eq(pol->gang.starvation_s, 600);
    cr_assert_eq(pol->gang.ntopo_keys, 1);
    cr_assert(pol->gang.given);
    cr_assert_eq(policy_gang_describe(&pol->gang, out, sizeof(out)), MU_OK);
    cr_assert_str_eq(out, "{\"defaultTimeoutSeconds\": 60, "
                     "\"maxHoldSeconds\": 8, \"backoffSeconds\": 0, "
                     "\"starvationSeconds\": 600, \"topologyKeys\": "
                     "[\"a.io/rack\"]}");
    cr_assert_eq(policy_gang_describe(&pol->gang, out, 20), MU_ELIMIT);
    policy_free(pol);
    pol = fx_policy("{\"description\": \"d\", \"gang\": {\"topologyKeys\": "
                    "[]}}");
    cr_assert_eq(policy_gang_describe(&pol->gang, out, sizeof(out)), MU_OK);
    cr_assert(strstr(out, "\"topologyKeys\": []}"), "%s", out);
    policy_free(pol);
}

Test(gang_conf, bad_values_name_the_key_and_the_range)
{
    cr_assert_str_eq(bad("[]"), "p.json: .gang: expected an object");
    cr_assert_str_eq(bad("{\"maxHoldSeconds\": 0}"),
                     "p.json: .gang.maxHoldSeconds: 0 not in 1..60");
    cr_assert_str_eq(bad("{\"maxHoldSeconds\": 1.5}"),
                     "p.json: .gang.maxHoldSeconds: 1.5 not in 1..60");
    cr_assert_str_eq(bad("{\"backoffSeconds\": \"10\"}"),
                     "p.json: .gang.backoffSeconds: expected an integer "
                     "0..3600");
    cr_assert_str_eq(bad("{\"defaultTimeoutSeconds\": 3601}"),
                     "p.json: .gang.defaultTimeoutSeconds: 3601 not in "
                     "1..3600");
    cr_assert_str_eq(bad("{\"timeout\": 3}"),
                     "p.json: .gang.timeout: unknown key (known: "
                     "defaultTimeoutSeconds, maxHoldSeconds, backoffSeconds, "
                     "starvationSeconds, topologyKeys)");
    cr_assert_str_eq(bad("{\"topologyKeys\": \"zone\"}"),
                     "p.json: .gang.topologyKeys: expected an array of label "
                     "keys");
    cr_assert_str_eq(bad("{\"topologyKeys\": [\"a\", 3]}"),
                     "p.json: .gang.topologyKeys[1]: expected a label key "
                     "such as \"kubernetes.io/hostname\"");
    cr_assert_str_eq(bad("{\"topologyKeys\": [\"a b\"]}"),
                     "p.json: .gang.topologyKeys[0]: expected a label key "
                     "such as \"kubernetes.io/hostname\"");
    cr_assert_str_eq(bad("{\"topologyKeys\": [\"a\", \"a\"]}"),
                     "p.json: .gang.topologyKeys[1]: duplicate key \"a\"");
    cr_assert_str_eq(bad("{\"topologyKeys\": [\"1\",\"2\",\"3\",\"4\",\"5\","
                         "\"6\",\"7\",\"8\",\"9\"]}"),
                     "p.json: .gang.topologyKeys: more than 8 keys");
    cr_assert_str_eq(bad("{\"backoffSeconds\": 1, \"backoffSeconds\": 2}"),
                     "p.json: .gang.backoffSeconds: duplicate key");
}

Test(gang_conf, shipped_gang_policy_loads_with_the_rack_key)
{
    struct policy *pol = NULL;
    char err[512];

    cr_assert_eq(policy_load("policies/gang-topology.json", &pol, err,
                             sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(pol->gang.ntopo_keys, 3);
    cr_assert_str_eq(pol->gang.topo_keys[1], "topology.muster.dev/rack");
    cr_assert_str_eq(pol->filters[0].plugin->name, "gang");
    policy_free(pol);
}

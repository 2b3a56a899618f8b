/* test_policy_policy.c - loading the shipped policies, every class of
 * error with its exact message, and printing the effective policy. */
#include "common.h"
#include "fixtures.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <glob.h>
#include <unistd.h>

/* Parse text that must fail; returns the message. */
static const char *bad(const char *json)
{
    static char err[512];
    struct policy *pol = (struct policy *)1;

    err[0] = '\0';
    cr_assert_eq(policy_parse(json, strlen(json), "policies/x.json", &pol, err,
                              sizeof(err)),
                 MU_EINVAL, "accepted: %s", json);
    cr_assert_null(pol);
    return err;
}

#define D "\"description\": \"d\""

Test(policy, every_shipped_policy_loads)
{
    static const char *const wanted[] = {
        "policies/default.json", "policies/binpack.json",
        "policies/spread.json", "policies/gpu-binpack.json"};
    glob_t g;
    char err[512];

    /* the tests run from the repository root (make test) */
    cr_assert_eq(glob("policies/*.json", 0, NULL, &g), 0);
    cr_assert_geq(g.gl_pathc, ARRAY_LEN(wanted));
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct policy *pol = NULL;

        cr_assert_eq(policy_load(g.gl_pathv[i], &pol, err, sizeof(err)), MU_OK,
                     "%s", err);
        cr_assert(pol->description[0]);
        cr_assert_gt(pol->nfilters, 0);
        cr_assert_gt(pol->nscores, 0);
        policy_free(pol);
    }
    globfree(&g);
    for (size_t i = 0; i < ARRAY_LEN(wanted); i++) {
        struct policy *pol = NULL;

        cr_assert_eq(policy_load(wanted[i], &pol, err, sizeof(err)), MU_OK,
                     "%s", err);
        cr_assert_str_eq(pol->path, wanted[i]);
        policy_free(pol);
    }
}

Test(policy, default_policy_has_the_documented_plugins)
{
    struct policy *pol = NULL;
    char err[512];

    cr_assert_eq(policy_load("policies/default.json", &pol, err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert_eq(pol->nfilters, 4);
    cr_assert_str_eq(pol->filters[0].plugin->name, "node-ready");
    cr_assert_str_eq(pol->filters[3].plugin->name, "resources-fit");
    cr_assert_eq(pol->nscores, 4);
    cr_assert_str_eq(pol->scores[0].plugin->name, "gpu-fit");
    cr_assert_eq(pol->scores[0].weight, 2);
    cr_assert_eq(pol->weight_sum, 5);
    policy_free(pol);
}

Test(policy, defaults_weight_1_and_accepts_both_filter_forms)
{
    struct policy *pol = fx_policy(
        "{" D ", \"filters\": [\"node-ready\", {\"name\": "
        "\"resources-fit\", \"args\": {\"ignoredResources\": "
        "[\"example.com/foo\"]}}], \"scores\": [{\"name\": \"gpu-fit\"}]}");

    cr_assert_eq(pol->nfilters, 2);
    cr_assert_eq(pol->scores[0].weight, 1);
    cr_assert_eq(pol->weight_sum, 1);
    cr_assert_str_eq(pol->description, "d");
    policy_free(pol);
}

Test(policy, json_syntax_errors_give_line_and_column)
{
    cr_assert_str_eq(bad("{\n  \"description\": \"d\",\n  \"filters\": [,]\n}"),
                     "policies/x.json: not valid JSON at line 3 column 15");
    cr_assert_str_eq(bad(""), "policies/x.json: not valid JSON at line 1 "
                              "column 1");
    /* trailing garbage: the column of the 'x' */
    cr_assert_str_eq(bad("{" D "} x"), "policies/x.json: not valid JSON at "
                                       "line 1 column 22");
}

Test(policy, embedded_nul_is_rejected)
{
    static const char j[] = "{" D "}\0{}";
    struct policy *pol = NULL;
    char err[256];

    cr_assert_eq(policy_parse(j, sizeof(j) - 1, "p", &pol, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, "p: not valid JSON at line 1 column 21");
}

Test(policy, top_level_errors)
{
    cr_assert_str_eq(bad("[]"), "policies/x.json: expected a JSON object at "
                                "the top level");
    cr_assert_str_eq(bad("{" D ", \"filterz\": []}"),
                     "policies/x.json: .filterz: unknown key (known: "
                     "description, filters, scores)");
    cr_assert_str_eq(bad("{" D ", " D "}"),
                     "policies/x.json: .description: duplicate key");
    cr_assert_str_eq(bad("{\"filters\": []}"),
                     "policies/x.json: .description: missing (a one-line "
                     "string is required)");
    cr_assert_str_eq(bad("{\"description\": 3}"),
                     "policies/x.json: .description: expected a string");
    cr_assert_str_eq(bad("{\"description\": \"a\\nb\"}"),
                     "policies/x.json: .description: must be one line");
    cr_assert_str_eq(bad("{\"description\": \"\"}"),
                     "policies/x.json: .description: must not be empty");
    cr_assert_str_eq(bad("{" D ", \"filters\": {}}"),
                     "policies/x.json: .filters: expected an array");
    cr_assert_str_eq(bad("{" D ", \"scores\": \"gpu-fit\"}"),
                     "policies/x.json: .scores: expected an array");
}

Test(policy, unknown_plugins_list_the_known_ones)
{
    cr_assert_str_eq(bad("{" D ", \"filters\": [\"node-ready\", "
                         "\"taint-toleration\", \"foo\"]}"),
                     "policies/x.json: .filters[2]: unknown filter plugin "
                     "\"foo\" (known: node-ready, taint-toleration, "
                     "node-affinity, resources-fit)");
    cr_assert_str_eq(bad("{" D ", \"filters\": [{\"name\": \"gpu-fit\"}]}"),
                     "policies/x.json: .filters[0].name: unknown filter "
                     "plugin \"gpu-fit\" (known: node-ready, "
                     "taint-toleration, node-affinity, resources-fit)");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"spread\"}]}"),
                     "policies/x.json: .scores[0].name: unknown score plugin "
                     "\"spread\" (known: least-allocated, most-allocated, "
                     "balanced-allocation, gpu-fit, "
                     "node-affinity-preferred)");
}

Test(policy, entry_shape_errors)
{
    cr_assert_str_eq(bad("{" D ", \"filters\": [1]}"),
                     "policies/x.json: .filters[0]: expected a plugin name "
                     "or {\"name\": ..., \"args\": {...}}");
    cr_assert_str_eq(bad("{" D ", \"scores\": [\"gpu-fit\"]}"),
                     "policies/x.json: .scores[0]: expected {\"name\": ..., "
                     "\"weight\": ..., \"args\": {...}}");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"weight\": 1}]}"),
                     "policies/x.json: .scores[0].name: missing");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": 5}]}"),
                     "policies/x.json: .scores[0].name: expected a plugin "
                     "name string");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"wieght\": 2}]}"),
                     "policies/x.json: .scores[0].wieght: unknown key "
                     "(known: name, weight, args)");
    cr_assert_str_eq(bad("{" D ", \"filters\": [{\"name\": \"node-ready\", "
                         "\"weight\": 2}]}"),
                     "policies/x.json: .filters[0].weight: unknown key "
                     "(known: name, args)");
    cr_assert_str_eq(bad("{" D ", \"filters\": [{\"name\": "
                         "\"resources-fit\", \"args\": []}]}"),
                     "policies/x.json: .filters[0].args: expected an object");
}

Test(policy, weight_errors)
{
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\"}, "
                         "{\"name\": \"least-allocated\", \"weight\": -1}]}"),
                     "policies/x.json: .scores[1].weight: -1 not in 1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"weight\": 0}]}"),
                     "policies/x.json: .scores[0].weight: 0 not in 1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"weight\": 101}]}"),
                     "policies/x.json: .scores[0].weight: 101 not in 1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"weight\": 2.5}]}"),
                     "policies/x.json: .scores[0].weight: 2.5 not in 1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"weight\": 1e300}]}"),
                     "policies/x.json: .scores[0].weight: 1e+300 not in "
                     "1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"weight\": \"2\"}]}"),
                     "policies/x.json: .scores[0].weight: expected an "
                     "integer 1..100");
}

Test(policy, duplicate_plugins_are_rejected)
{
    cr_assert_str_eq(bad("{" D ", \"filters\": [\"node-ready\", "
                         "\"node-affinity\", {\"name\": \"node-ready\"}]}"),
                     "policies/x.json: .filters[2].name: duplicate filter "
                     "plugin \"node-ready\" (also .filters[0])");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\"}, "
                         "{\"name\": \"gpu-fit\", \"weight\": 2}]}"),
                     "policies/x.json: .scores[1].name: duplicate score "
                     "plugin \"gpu-fit\" (also .scores[0])");
}

Test(policy, plugin_arg_errors_carry_the_entry_path)
{
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": "
                         "\"least-allocated\", \"args\": {\"resources\": "
                         "{\"cpu\": 0}}}]}"),
                     "policies/x.json: .scores[0].args.resources.cpu: "
                     "expected integer 1..100");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": \"gpu-fit\", "
                         "\"args\": {\"gpu\": 1}}]}"),
                     "policies/x.json: .scores[0].args.gpu: unknown key "
                     "(known: resource)");
    cr_assert_str_eq(bad("{" D ", \"scores\": [{\"name\": "
                         "\"node-affinity-preferred\", \"args\": "
                         "{\"w\": 1}}]}"),
                     "policies/x.json: .scores[0].args.w: unknown key (this "
                     "plugin takes no args)");
    cr_assert_str_eq(bad("{" D ", \"filters\": [{\"name\": "
                         "\"resources-fit\", \"args\": {\"ignoredResources\":"
                         " [\"memory\"]}}]}"),
                     "policies/x.json: .filters[0].args.ignoredResources[0]: "
                     "\"memory\" cannot be ignored (only extended resources "
                     "can)");
}

Test(policy, load_errors)
{
    struct policy *pol = NULL;
    char err[512];
    char path[] = "/tmp/muster-policy-XXXXXX";
    int fd = mkstemp(path);
    FILE *f;

    cr_assert_eq(policy_load("/nonexistent/p.json", &pol, err, sizeof(err)),
                 MU_EIO);
    cr_assert_str_eq(err, "/nonexistent/p.json: cannot open: No such file or "
                          "directory");
    /* a file over the 1 MiB cap */
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    for (int i = 0; i < 1100 * 1024; i++)
        fputc(' ', f);
    fclose(f);
    cr_assert_eq(policy_load(path, &pol, err, sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, ": larger than 1048576 bytes"), "%s", err);
    cr_assert_null(pol);
    unlink(path);
}

Test(policy, errors_fit_a_small_buffer)
{
    struct policy *pol = NULL;
    char err[16];
    const char *j = "{\"description\": 1}";

    cr_assert_eq(policy_parse(j, strlen(j), "policies/long-name.json", &pol,
                              err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_eq(strlen(err), 15);
}

/* policy_print into a string. */
static char *print(const struct policy *pol)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    cr_assert_eq(policy_print(pol, f), MU_OK);
    fclose(f);
    return text;
}

Test(policy, print_fills_in_defaults)
{
    struct policy *pol = fx_policy(
        "{\"description\": \"Say \\\"hi\\\" <x>\", \"filters\": "
        "[\"node-ready\", \"resources-fit\"], \"scores\": [{\"name\": "
        "\"gpu-fit\", \"weight\": 2}, {\"name\": "
        "\"node-affinity-preferred\"}]}");
    char *text = print(pol);

    cr_assert_str_eq(
        text,
        "{\n"
        "  \"description\": \"Say \\\"hi\\\" \\u003cx\\u003e\",\n"
        "  \"filters\": [\n"
        "    \"node-ready\",\n"
        "    {\"name\": \"resources-fit\", \"args\": {\"ignoredResources\": "
        "[]}}\n"
        "  ],\n"
        "  \"scores\": [\n"
        "    {\"name\": \"gpu-fit\", \"weight\": 2, \"args\": {\"resource\": "
        "\"nvidia.com/gpu\"}},\n"
        "    {\"name\": \"node-affinity-preferred\", \"weight\": 1, "
        "\"args\": {}}\n"
        "  ]\n"
        "}\n");
    free(text);
    policy_free(pol);
}

Test(policy, printed_policy_parses_back_the_same)
{
    static const char *const files[] = {
        "policies/default.json", "policies/binpack.json",
        "policies/spread.json", "policies/gpu-binpack.json"};
    char err[512];

    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        struct policy *a = NULL, *b = NULL;
        char *ta, *tb;

        cr_assert_eq(policy_load(files[i], &a, err, sizeof(err)), MU_OK);
        ta = print(a);
        cr_assert_eq(
            policy_parse(ta, strlen(ta), "printed", &b, err, sizeof(err)),
            MU_OK, "%s", err);
        tb = print(b);
        cr_assert_str_eq(ta, tb);
        free(ta);
        free(tb);
        policy_free(a);
        policy_free(b);
    }
}

Test(policy, empty_lists_print_as_empty_arrays)
{
    struct policy *pol = fx_policy("{" D ", \"filters\": []}");
    char *text = print(pol);

    cr_assert_str_eq(text, "{\n  \"description\": \"d\",\n  \"filters\": "
                           "[],\n  \"scores\": []\n}\n");
    free(text);
    policy_free(pol);
}

Test(policy, free_accepts_null)
{
    policy_free(NULL);
}

/* test_policy_cmd_policy.c - `muster policy`: exit codes and output. */
#include "common.h"
#include "cmd.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static int run(int argc, const char **argv)
{
    return cmd_policy(argc, (char **)argv);
}

Test(cmd_policy, check_prints_effective_policy_and_exits_0,
     .init = cr_redirect_stdout)
{
    const char *argv[] = {"policy", "check", "policies/spread.json", NULL};

    cr_assert_eq(run(3, argv), 0);
    fflush(stdout);
    cr_assert_stdout_eq_str(
        "{\n"
        "  \"description\": \"Spreading: place pods on the emptiest nodes "
        "with balanced cpu and memory use.\",\n"
        "  \"filters\": [\n"
        "    \"node-ready\",\n"
        "    \"taint-toleration\",\n"
        "    \"node-affinity\",\n"
        "    {\"name\": \"resources-fit\", \"args\": {\"ignoredResources\": "
        "[]}}\n"
        "  ],\n"
        "  \"scores\": [\n"
        "    {\"name\": \"least-allocated\", \"weight\": 1, \"args\": "
        "{\"resources\": {\"cpu\": 1, \"memory\": 1}}},\n"
        "    {\"name\": \"balanced-allocation\", \"weight\": 1, \"args\": "
        "{\"resources\": [\"cpu\", \"memory\"]}},\n"
        "    {\"name\": \"node-affinity-preferred\", \"weight\": 1, "
        "\"args\": {}}\n"
        "  ]\n"
        "}\n");
}

Test(cmd_policy, check_of_missing_file_exits_2_with_message,
     .init = cr_redirect_stderr)
{
    const char *argv[] = {"policy", "check", "/nonexistent.json", NULL};

    cr_assert_eq(run(3, argv), 2);
    fflush(stderr);
    cr_assert_stderr_eq_str("muster: /nonexistent.json: cannot open: No such "
                            "file or directory\n");
}

Test(cmd_policy, list_names_every_plugin, .init = cr_redirect_stdout)
{
    const char *argv[] = {"policy", "list", NULL};
    char text[4096];
    size_t n;
    FILE *f;

    cr_assert_eq(run(2, argv), 0);
    fflush(stdout);
    f = cr_get_redirected_stdout();
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    cr_assert(strstr(text, "  resources-fit "), "%s", text);
    cr_assert(strstr(text, "  node-affinity-preferred "), "%s", text);
    cr_assert(strstr(text, "  gpu-fit "), "%s", text);
}

Test(cmd_policy, bad_usage_exits_2, .init = cr_redirect_stderr)
{
    const char *none[] = {"policy", NULL};
    const char *extra[] = {"policy", "check", "a", "b", NULL};
    const char *verb[] = {"policy", "lint", NULL};

    cr_assert_eq(run(1, none), 2);
    cr_assert_eq(run(4, extra), 2);
    cr_assert_eq(run(2, verb), 2);
}

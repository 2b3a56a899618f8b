/* test_kube_client.c - the client's pure helpers: Status messages out of
 * error bodies and URL escaping of names and continue tokens. */
#include "common.h"
#include "kube/client.h"

#include <criterion/criterion.h>

Test(kube_client, status_message_is_taken_from_a_status_body)
{
    const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\""
                       ":{},\"status\":\"Failure\",\"message\":\"pods \\\"x\\\" "
                       "not found\",\"reason\":\"NotFound\",\"code\":404}";
    char msg[128];

    kube_status_message(body, strlen(body), msg, sizeof(msg));
    cr_assert_str_eq(msg, "pods \"x\" not found");
}

Test(kube_client, non_status_body_is_quoted_on_one_line_and_capped)
{
    const char *body = "<html>\n<b>bad gateway</b>\n</html>";
    char msg[16];

    kube_status_message(body, strlen(body), msg, sizeof(msg));
    cr_assert_str_eq(msg, "<html> <b>bad g");
    kube_status_message("", 0, msg, sizeof(msg));
    cr_assert_str_eq(msg, "");
}

Test(kube_client, url_escape_keeps_unreserved_and_encodes_the_rest)
{
    struct buf b;

    buf_init(&b, 256);
    cr_assert_eq(kube_url_escape(&b, "ns-1/pod.a_b~c d&e=f%"), MU_OK);
    cr_assert_str_eq(b.data, "ns-1%2Fpod.a_b~c%20d%26e%3Df%25");
    buf_fini(&b);
    buf_init(&b, 4);
    cr_assert_eq(kube_url_escape(&b, "////"), MU_ELIMIT);
    buf_fini(&b);
}

/* test_kube_stream.c - watch bodies split into events whatever the chunk
 * boundaries: every split of a sample stream into two and three chunks,
 * byte-at-a-time feeding, the event cap and callback aborts. */
#include "common.h"
#include "kube/stream.h"
#include "util/buf.h"

#include <criterion/criterion.h>

static const char sample[] =
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\\n\"}}}\n"
    "\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":"
    "\"17\"}}}\r\n"
    "{\"type\":\"DELETED\",\"object\":{}}\n";

/* Collected events, joined with '|'. */
struct sink {
    struct buf out;
    int stop_after;   /* abort with 42 after this many events; 0: never */
    int n;
};

static int collect(void *arg, const char *line, size_t len)
{
    struct sink *s = arg;

    if (s->n++)
        buf_addc(&s->out, '|');
    buf_add(&s->out, line, len);
    if (s->stop_after && s->n == s->stop_after)
        return 42;
    return MU_OK;
}

static char *expected(void)
{
    static char want[sizeof(sample)];
    size_t k = 0;
    bool line_start = true;

    /* The sample's events joined with '|', blank lines and CRs dropped. */
    for (size_t i = 0; sample[i]; i++) {
        if (sample[i] == '\n') {
            if (!line_start)
                want[k++] = '|';
            line_start = true;
        } else if (sample[i] != '\r') {
            want[k++] = sample[i];
            line_start = false;
        }
    }
    want[k - 1] = '\0';
    return want;
}

static void run_split(const size_t *cuts, size_t ncuts)
{
    struct sink s = {0};
    struct kstream ks;
    size_t len = strlen(sample), prev = 0;

    buf_init(&s.out, BUF_UNLIMITED);
    kstream_init(&ks, 1024, collect, &s);
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;

        cr_assert_eq(kstream_feed(&ks, sample + prev, end - prev), MU_OK);
        prev = end;
    }
    cr_assert_eq(kstream_pending(&ks), 0);
    cr_assert_eq(s.n, 4);
    /* CR before the newline stays in the event: JSON treats it as white
     * space, so strip it here before comparing. */
    for (size_t i = 0, k = 0; i <= s.out.len; i++) {
        if (s.out.data[i] != '\r')
            s.out.data[k++] = s.out.data[i];
    }
    cr_assert_str_eq(s.out.data, expected(), "cuts %zu,%zu",
                     ncuts > 0 ? cuts[0] : 0, ncuts > 1 ? cuts[1] : 0);
    kstream_fini(&ks);
    buf_fini(&s.out);
}

Test(kube_stream, every_two_and_three_chunk_split_gives_the_same_events)
{
    size_t len = strlen(sample), cuts[2];

    for (size_t a = 0; a <= len; a++) {
        cuts[0] = a;
        run_split(cuts, 1);
        for (size_t b = a; b <= len; b += 3) {
            cuts[1] = b;
            run_split(cuts, 2);
        }
    }
}

Test(kube_stream, byte_at_a_time)
{
    size_t len = strlen(sample), cuts[512];

    cr_assert_lt(len, ARRAY_LEN(cuts));
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    run_split(cuts, len - 1);
}

Test(kube_stream, partial_event_is_pending_until_its_newline)
{
    struct sink s = {0};
    struct kstream ks;

    buf_init(&s.out, BUF_UNLIMITED);
    kstream_init(&ks, 1024, collect, &s);
    cr_assert_eq(kstream_feed(&ks, "{\"type\":\"ADD", 12), MU_OK);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(kstream_pending(&ks), 12);
    kstream_reset(&ks);
    cr_assert_eq(kstream_pending(&ks), 0);
    cr_assert_eq(kstream_feed(&ks, "{}\n", 3), MU_OK);
    cr_assert_str_eq(s.out.data, "{}");
    kstream_fini(&ks);
    buf_fini(&s.out);
}

Test(kube_stream, event_over_the_cap_is_refused_in_both_paths)
{
    struct sink s = {0};
    struct kstream ks;
    char big[40];

    memset(big, 'x', sizeof(big));
    buf_init(&s.out, BUF_UNLIMITED);
    kstream_init(&ks, 16, collect, &s);
    /* carried over from an earlier chunk */
    cr_assert_eq(kstream_feed(&ks, big, 10), MU_OK);
    cr_assert_eq(kstream_feed(&ks, big, 10), MU_ELIMIT);
    kstream_reset(&ks);
    /* whole within one chunk */
    big[30] = '\n';
    cr_assert_eq(kstream_feed(&ks, big, 31), MU_ELIMIT);
    cr_assert_eq(s.n, 0);
    kstream_fini(&ks);
    buf_fini(&s.out);
}

Test(kube_stream, callback_error_stops_the_feed)
{
    struct sink s = {.stop_after = 2};
    struct kstream ks;

    buf_init(&s.out, BUF_UNLIMITED);
    kstream_init(&ks, 1024, collect, &s);
    cr_assert_eq(kstream_feed(&ks, sample, strlen(sample)), 42);
    cr_assert_eq(s.n, 2);
    kstream_fini(&ks);
    buf_fini(&s.out);
}

/* test_http_guard.c - the --request-timeout guard on real loopback
 * sockets: a connection receiving a request for longer than the timeout is
 * shut down and counted; one whose request was read whole, or that sends
 * nothing, is left alone; bytes after an answered request start a new
 * deadline. */
#include "common.h"
#include "http/guard.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pair {
    int client, server;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static struct pair tcp_pair(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct pair p;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(l, 4), 0);
    cr_assert_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
    p.client = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(p.client, (struct sockaddr *)&a, sizeof(a)), 0);
    p.server = accept(l, NULL, NULL);
    cr_assert_geq(p.server, 0);
    close(l);
    return p;
}

/* Has the guard shut the server side down? The client then reads EOF. */
static bool was_cut(const struct pair *p)
{
    struct pollfd pfd = {.fd = p->client, .events = POLLIN};
    char c;

    return poll(&pfd, 1, 0) == 1 && read(p->client, &c, 1) == 0;
}

Test(guard, a_request_trickling_past_the_timeout_is_cut, .timeout = 20)
{
    struct http_guard g;
    struct pair slow = tcp_pair(), quiet = tcp_pair(), done = tcp_pair();
    struct http_conn *cs, *cq, *cd;

    log_set_level("error"); /* the cuts are logged as warnings */
    cr_assert_eq(http_guard_start(&g, 1), MU_OK);
    cs = http_guard_open(&g, slow.server, NULL);
    cq = http_guard_open(&g, quiet.server, NULL);
    cd = http_guard_open(&g, done.server, NULL);
    cr_assert(!strncmp(cs->peer_str, "127.0.0.1:", 10), "%s", cs->peer_str);
    /* done: a whole request read, then answered and being answered */
    cr_assert_eq(write(done.client, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    sleep_ms(50);
    http_guard_begin(&g, cd);
    http_guard_received(&g, cd);
    /* a byte every 250 ms: never idle, never done; once cut, the sends
     * fail (no SIGPIPE) */
    for (int i = 0; i < 8; i++) {
        send(slow.client, "x", 1, MSG_NOSIGNAL);
        sleep_ms(250);
    }
    cr_assert(was_cut(&slow), "the slow request was not cut");
    cr_assert(!was_cut(&quiet), "a connection sending nothing was cut");
    cr_assert(!was_cut(&done), "a request read whole was cut");
    cr_assert_eq(http_guard_cut_count(&g), 1);
    /* after the answer, new bytes are a new request with its own deadline */
    http_guard_done(&g, cd);
    cr_assert_eq(write(done.client, "G", 1), 1);
    sleep_ms(2000);
    cr_assert(was_cut(&done), "the next trickled request was not cut");
    cr_assert_eq(http_guard_cut_count(&g), 2);
    http_guard_close(&g, cs);
    http_guard_close(&g, cq);
    http_guard_close(&g, cd);
    http_guard_stop(&g);
    close(slow.client);
    close(slow.server);
    close(quiet.client);
    close(quiet.server);
    close(done.client);
    close(done.server);
}

Test(guard, no_timeout_tracks_but_never_cuts, .timeout = 20)
{
    struct http_guard g;
    struct pair p = tcp_pair();
    struct http_conn *c;

    cr_assert_eq(http_guard_start(&g, 0), MU_OK);
    c = http_guard_open(&g, p.server, NULL);
    cr_assert_eq(g.nconns, 1);
    http_guard_begin(&g, c);
    cr_assert_eq(write(p.client, "x", 1), 1);
    sleep_ms(300);
    cr_assert(!was_cut(&p));
    /* a NULL record (no socket context) is ignored */
    http_guard_begin(&g, NULL);
    http_guard_received(&g, NULL);
    http_guard_done(&g, NULL);
    http_guard_close(&g, NULL);
    /* stop frees what is still open */
    http_guard_stop(&g);
    close(p.client);
    close(p.server);
}

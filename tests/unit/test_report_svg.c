/* test_report_svg.c - the SVG charts: well-formed XML (checked by a
 * strict checker), one series per name, escaping, bounds, bad input. */
#include "common.h"
#include "report/svg.h"
#include "util/buf.h"

#include "../common/xml_check.h"

#include <criterion/criterion.h>
#include <math.h>

static const double xs[] = {0, 1, 2, 3}, ys[] = {0, 0.5, 0.75, 1};

static void assert_well_formed(const struct buf *b)
{
    struct xml_check x;

    cr_assert_not_null(b->data);
    cr_assert(xml_check(&x, b->data), "not well-formed: %s\n%s", x.err,
              b->data);
}

Test(svg_check, the_checker_rejects_what_is_not_xml)
{
    struct xml_check x;

    cr_assert(xml_check(&x, "<a b=\"1\"><c/>t&amp;t</a>\n"));
    cr_assert_not(xml_check(&x, "<a><b></a></b>"));
    cr_assert_not(xml_check(&x, "<a>x & y</a>"));
    cr_assert_not(xml_check(&x, "<a b=\"1\" b=\"2\"/>"));
    cr_assert_not(xml_check(&x, "<a b=\"<\"/>"));
    cr_assert_not(xml_check(&x, "<a/><b/>"));
    cr_assert_not(xml_check(&x, "<a>"));
    cr_assert_not(xml_check(&x, "<a b=1/>"));
    cr_assert_not(xml_check(&x, "text"));
}

Test(svg, escape_covers_the_five_xml_specials_and_controls)
{
    struct buf b;

    buf_init(&b, 1024);
    cr_assert_eq(svg_escape(&b, "a<b>&\"c'\x01"), MU_OK);
    cr_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;c&apos;?");
    buf_fini(&b);
}

Test(svg, invalid_utf8_is_replaced_valid_utf8_kept)
{
    struct buf b;

    buf_init(&b, 1024);
    cr_assert_eq(svg_escape(&b, "\xc3\xa9t\xc3\xa9 \xff\xfe"), MU_OK);
    cr_assert_str_eq(b.data, "\xc3\xa9t\xc3\xa9 ??");
    buf_fini(&b);
}

Test(svg, numbers_are_short)
{
    char s[32];

    svg_fmt_num(0, s, sizeof(s));
    cr_assert_str_eq(s, "0");
    svg_fmt_num(2.5, s, sizeof(s));
    cr_assert_str_eq(s, "2.5");
    svg_fmt_num(1200, s, sizeof(s));
    cr_assert_str_eq(s, "1200");
    svg_fmt_num(35000, s, sizeof(s));
    cr_assert_str_eq(s, "35k");
    svg_fmt_num(1200000, s, sizeof(s));
    cr_assert_str_eq(s, "1.2M");
    svg_fmt_num(0.30000000000000004, s, sizeof(s));
    cr_assert_str_eq(s, "0.3");
}

Test(svg, line_chart_has_one_polyline_per_series_with_escaped_names)
{
    struct svg_series se[2] = {
        {"a<&>\"b", xs, ys, 4},
        {"plain", xs, ys, 4},
    };
    struct svg_chart c = {.title = "T & t",
                          .x_label = "time (s)",
                          .y_label = "share",
                          .series = se,
                          .nseries = 2};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_line_chart(&b, &c), MU_OK);
    assert_well_formed(&b);
    cr_assert_eq(xml_count(b.data, "<polyline class=\"series\""), 2);
    cr_assert_eq(xml_count(b.data, "data-series=\"a&lt;&amp;&gt;&quot;b\""), 1);
    cr_assert_eq(xml_count(b.data, "data-series=\"plain\""), 1);
    cr_assert_not_null(strstr(b.data, ">time (s)</text>"));
    cr_assert_not_null(strstr(b.data, ">T &amp; t</text>"));
    /* The legend names both series. */
    cr_assert_not_null(strstr(b.data, ">plain</text>"));
    buf_fini(&b);
}

Test(svg, log_axis_and_zero_values_stay_well_formed)
{
    static const double lx[] = {0, 0, 0.5, 30, 4000};
    static const double ly[] = {0, 0.4, 0.6, 0.8, 1};
    struct svg_series se = {"p", lx, ly, 5};
    struct svg_chart c = {.title = "t",
                          .x_label = "x (s, log)",
                          .y_label = "y",
                          .log_x = true,
                          .y_min = 0,
                          .y_max = 1,
                          .series = &se,
                          .nseries = 1};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_line_chart(&b, &c), MU_OK);
    assert_well_formed(&b);
    /* Decade ticks from 0.1 to 10k. */
    cr_assert_not_null(strstr(b.data, ">0.1</text>"));
    cr_assert_not_null(strstr(b.data, ">10k</text>"));
    cr_assert_null(strstr(b.data, "nan"));
    cr_assert_null(strstr(b.data, "inf"));
    buf_fini(&b);
}

Test(svg, empty_series_and_flat_data_still_draw)
{
    static const double one[] = {5};
    struct svg_series se[2] = {{"empty", NULL, NULL, 0}, {"one", one, one, 1}};
    struct svg_chart c = {.title = "t",
                          .x_label = "x",
                          .y_label = "y",
                          .series = se,
                          .nseries = 2};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_line_chart(&b, &c), MU_OK);
    assert_well_formed(&b);
    cr_assert_eq(xml_count(b.data, "<polyline"), 2);
    cr_assert_null(strstr(b.data, "nan"));
    buf_fini(&b);
}

Test(svg, line_chart_refuses_no_series_too_many_points_and_nan)
{
    static double big[SVG_MAX_POINTS + 1];
    static const double bad[] = {0, NAN};
    struct svg_series se = {"p", big, big, SVG_MAX_POINTS + 1};
    struct svg_chart c = {.title = "t",
                          .x_label = "x",
                          .y_label = "y",
                          .series = &se,
                          .nseries = 0};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_line_chart(&b, &c), MU_EINVAL);
    c.nseries = 1;
    cr_assert_eq(svg_line_chart(&b, &c), MU_EINVAL);
    se.x = se.y = bad;
    se.n = 2;
    cr_assert_eq(svg_line_chart(&b, &c), MU_EINVAL);
    buf_fini(&b);
}

Test(svg, output_cap_gives_elimit)
{
    struct svg_series se = {"p", xs, ys, 4};
    struct svg_chart c = {.title = "t",
                          .x_label = "x",
                          .y_label = "y",
                          .series = &se,
                          .nseries = 1};
    struct buf b;

    buf_init(&b, 100);
    cr_assert_eq(svg_line_chart(&b, &c), MU_ELIMIT);
    buf_fini(&b);
}

Test(svg, bar_chart_has_a_bar_per_name_per_panel)
{
    const char *names[3] = {"a", "b&c", "d"};
    double v1[3] = {10, 20, 0}, v2[3] = {0.5, 0.25, 1};
    struct svg_bar_panel p[2] = {{"mean JCT", "seconds", v1},
                                 {"util", "%", v2}};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_bar_chart(&b, "Summary", names, 3, p, 2), MU_OK);
    assert_well_formed(&b);
    cr_assert_eq(xml_count(b.data, "<rect class=\"bar\""), 6);
    cr_assert_eq(xml_count(b.data, "data-series=\"b&amp;c\""), 2);
    cr_assert_not_null(strstr(b.data, ">mean JCT</text>"));
    cr_assert_not_null(strstr(b.data, ">seconds</text>"));
    buf_fini(&b);
}

Test(svg, bar_chart_refuses_negative_and_empty)
{
    const char *names[1] = {"a"};
    double neg[1] = {-1};
    struct svg_bar_panel p = {"x", "y", neg};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_bar_chart(&b, "t", names, 1, &p, 1), MU_EINVAL);
    cr_assert_eq(svg_bar_chart(&b, "t", names, 0, &p, 1), MU_EINVAL);
    cr_assert_eq(svg_bar_chart(&b, "t", names, 1, &p, 0), MU_EINVAL);
    buf_fini(&b);
}

Test(svg, long_legend_names_are_cut_on_a_character_boundary)
{
    const char *name = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                       "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    struct svg_series se = {name, xs, ys, 4};
    struct svg_chart c = {.title = "t",
                          .x_label = "x",
                          .y_label = "y",
                          .series = &se,
                          .nseries = 1};
    struct buf b;

    buf_init(&b, 1 << 20);
    cr_assert_eq(svg_line_chart(&b, &c), MU_OK);
    assert_well_formed(&b);
    /* 30 bytes = 15 whole characters, then the ellipsis. */
    cr_assert_not_null(strstr(b.data, "\xc3\xa9\xe2\x80\xa6</text>"));
    buf_fini(&b);
}

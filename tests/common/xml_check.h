/* xml_check.h - a small strict XML well-formedness checker for the tests
 * of muster's SVG output (header-only: the unit and the integration test
 * binaries both include it). Checks: one root element; tags nest and
 * close in order; attributes are name="value" or name='value', unique
 * per element, without '<' in values; '&' only starts &amp; &lt; &gt;
 * &quot; &apos; or &#NNN; / &#xHH;; no control characters; nothing but
 * whitespace around the root. Comments and <?...?> are accepted. */
#ifndef MUSTER_TESTS_XML_CHECK_H
#define MUSTER_TESTS_XML_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define XML_CHECK_DEPTH 64
#define XML_CHECK_ATTRS 64

struct xml_check {
    const char *p, *start;
    const char *stack[XML_CHECK_DEPTH];
    size_t stack_len[XML_CHECK_DEPTH];
    size_t depth;
    char err[200];
};

static bool xc_fail(struct xml_check *x, const char *what)
{
    snprintf(x->err, sizeof(x->err), "offset %ld: %s", (long)(x->p - x->start),
             what);
    return false;
}

static bool xc_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':' ||
           (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

static size_t xc_name(const char *p)
{
    size_t n = 0;

    while (xc_name_char(p[n], n == 0))
        n++;
    return n;
}

/* An entity reference at x->p ('&'): one of the five, or numeric. */
static bool xc_entity(struct xml_check *x)
{
    static const char *const names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    const char *q = x->p + 1;

    for (size_t i = 0; i < 5; i++) {
        if (!strncmp(q, names[i], strlen(names[i]))) {
            x->p = q + strlen(names[i]);
            return true;
        }
    }
    if (*q++ != '#')
        return xc_fail(x, "bare '&'");
    bool hex = *q == 'x';
    size_t n = 0;

    q += hex;
    while (
        (q[n] >= '0' && q[n] <= '9') ||
        (hex && ((q[n] >= 'a' && q[n] <= 'f') || (q[n] >= 'A' && q[n] <= 'F'))))
        n++;
    if (n == 0 || q[n] != ';')
        return xc_fail(x, "bad character reference");
    x->p = q + n + 1;
    return true;
}

static bool xc_text(struct xml_check *x, char stop)
{
    while (*x->p && *x->p != stop) {
        unsigned char c = (unsigned char)*x->p;

        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return xc_fail(x, "control character");
        if (c == '<')
            return xc_fail(x, "'<' in an attribute value");
        if (c == '&') {
            if (!xc_entity(x))
                return false;
            continue;
        }
        x->p++;
    }
    return true;
}

static void xc_space(struct xml_check *x)
{
    while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
        x->p++;
}

/* Attributes of a start tag up to '>' or '/>'. */
static bool xc_attrs(struct xml_check *x)
{
    const char *seen[XML_CHECK_ATTRS];
    size_t seen_len[XML_CHECK_ATTRS], nseen = 0;

    for (;;) {
        const char *before = x->p;
        size_t n;
        char q;

        xc_space(x);
        if (*x->p == '>' || (x->p[0] == '/' && x->p[1] == '>'))
            return true;
        if (x->p == before)
            return xc_fail(x, "no space before an attribute");
        n = xc_name(x->p);
        if (n == 0)
            return xc_fail(x, "bad attribute name");
        for (size_t i = 0; i < nseen; i++) {
            if (seen_len[i] == n && !strncmp(seen[i], x->p, n))
                return xc_fail(x, "duplicate attribute");
        }
        if (nseen == XML_CHECK_ATTRS)
            return xc_fail(x, "too many attributes");
        seen[nseen] = x->p;
        seen_len[nseen++] = n;
        x->p += n;
        if (*x->p++ != '=' || (*x->p != '"' && *x->p != '\''))
            return xc_fail(x, "attribute without =\"value\"");
        q = *x->p++;
        if (!xc_text(x, q) || *x->p != q)
            return x->err[0] ? false : xc_fail(x, "unterminated value");
        x->p++;
    }
}

/* One markup construct at x->p ('<'). */
static bool xc_tag(struct xml_check *x, bool *root_done)
{
    const char *end;
    size_t n;

    if (!strncmp(x->p, "<!--", 4) || !strncmp(x->p, "<?", 2)) {
        end = strstr(x->p, x->p[1] == '!' ? "-->" : "?>");
        if (!end)
            return xc_fail(x, "unterminated comment or <?");
        x->p = end + (x->p[1] == '!' ? 3 : 2);
        return true;
    }
    if (x->p[1] == '/') {
        n = xc_name(x->p + 2);
        if (x->depth == 0 || n != x->stack_len[x->depth - 1] ||
            strncmp(x->p + 2, x->stack[x->depth - 1], n))
            return xc_fail(x, "end tag does not match the open element");
        x->p += 2 + n;
        xc_space(x);
        if (*x->p++ != '>')
            return xc_fail(x, "bad end tag");
        if (--x->depth == 0)
            *root_done = true;
        return true;
    }
    if (*root_done)
        return xc_fail(x, "a second root element");
    n = xc_name(x->p + 1);
    if (n == 0)
        return xc_fail(x, "bad element name");
    if (x->depth == XML_CHECK_DEPTH)
        return xc_fail(x, "nested too deep");
    x->stack[x->depth] = x->p + 1;
    x->stack_len[x->depth] = n;
    x->p += 1 + n;
    if (!xc_attrs(x))
        return false;
    if (*x->p == '/') { /* empty element */
        x->p += 2;
        *root_done = x->depth == 0;
        return true;
    }
    x->p++;
    x->depth++;
    return true;
}

/* RET true if doc is well-formed; else false with x->err saying where. */
static bool xml_check(struct xml_check *x, const char *doc)
{
    bool root_done = false, root_seen = false;

    memset(x, 0, sizeof(*x));
    x->p = x->start = doc;
    while (*x->p) {
        if (*x->p == '<') {
            bool opens = x->p[1] != '/' && x->p[1] != '!' && x->p[1] != '?';

            if (!xc_tag(x, &root_done))
                return false;
            root_seen |= opens;
            continue;
        }
        if (x->depth == 0) { /* outside the root: whitespace only */
            const char *q = x->p;

            xc_space(x);
            if (x->p == q)
                return xc_fail(x, "text outside the root element");
            continue;
        }
        if (!xc_text(x, '<'))
            return false;
    }
    if (x->depth != 0)
        return xc_fail(x, "unclosed element at the end");
    if (!root_seen)
        return xc_fail(x, "no root element");
    return true;
}

/* How many times needle occurs in hay. */
static size_t xml_count(const char *hay, const char *needle)
{
    size_t n = 0;

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay += strlen(needle);
    }
    return n;
}

#endif

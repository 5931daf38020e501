#include "sg_cookie.h"

#include <string.h>


static int
sg_cookie_space(char c)
{
    return c == ' ' || c == '\t';
}


static void
sg_cookie_trim(const char **p, const char **end)
{
    while (*p < *end && sg_cookie_space(**p)) {
        (*p)++;
    }

    while (*end > *p && sg_cookie_space((*end)[-1])) {
        (*end)--;
    }
}


static char
sg_cookie_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}


/* The next byte of p[*i..len) after percent-decoding. */
static char
sg_cookie_decoded(const char *p, size_t len, size_t *i)
{
    int hi, lo;

    if (p[*i] == '%' && *i + 2 < len) {
        hi = sg_hex_digit(p[*i + 1]);
        lo = sg_hex_digit(p[*i + 2]);

        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (char) (hi << 4 | lo);
        }
    }

    return p[(*i)++];
}


/* 1: the names are equal after percent-decoding and case folding. */
static int
sg_cookie_name_equivalent(const char *p, size_t len, sg_str_t name)
{
    size_t i = 0, j = 0;

    while (i < len && j < name.len) {
        if (sg_cookie_lower(sg_cookie_decoded(p, len, &i)) !=
            sg_cookie_lower(name.data[j])) {
            return 0;
        }

        j++;
    }

    return i == len && j == name.len;
}


static void
sg_cookie_pair(const char *p, const char *end, sg_str_t name,
               sg_cookie_match_t *out, size_t cap, size_t *n, size_t *found)
{
    const char *eq, *name_end, *value;

    eq = memchr(p, '=', (size_t) (end - p));
    if (eq == NULL) {
        return; /* a bare token: no application reads it as NAME=VALUE */
    }

    name_end = eq;
    value = eq + 1;
    sg_cookie_trim(&p, &name_end);
    sg_cookie_trim(&value, &end);

    if (!sg_cookie_name_equivalent(p, (size_t) (name_end - p), name)) {
        return;
    }

    (*found)++;

    if (*n < cap) {
        out[*n].value.data = value;
        out[*n].value.len = (size_t) (end - value);
        out[*n].flags = (size_t) (name_end - p) == name.len &&
                                memcmp(p, name.data, name.len) == 0
                            ? SG_COOKIE_EXACT
                            : 0;
        (*n)++;
    }
}


size_t
sg_cookie_find(const char *header, size_t len, sg_str_t name,
               sg_cookie_match_t *out, size_t cap, size_t *n)
{
    size_t      found = 0;
    const char *p = header, *end = header + len, *semi, *comma, *next;

    while (p < end) {
        semi = memchr(p, ';', (size_t) (end - p));
        if (semi == NULL) {
            semi = end;
        }

        /* The pair as ';' delimits it, value whole. */
        sg_cookie_pair(p, semi, name, out, cap, n, &found);

        /* Pairs an application splitting on ',' too would see. */
        comma = memchr(p, ',', (size_t) (semi - p));

        while (comma != NULL) {
            next = memchr(comma + 1, ',', (size_t) (semi - comma - 1));
            sg_cookie_pair(comma + 1, next ? next : semi, name, out, cap, n,
                           &found);
            comma = next;
        }

        p = semi + 1;
    }

    return found;
}


size_t
sg_cookie_canonical(const char *value, size_t len, char *out)
{
    size_t      i = 0, n = 0;
    const char *p = value, *end = value + len;

    sg_cookie_trim(&p, &end);

    if (end - p >= 2 && p[0] == '"' && end[-1] == '"') {
        p++;
        end--;
    }

    len = (size_t) (end - p);

    while (i < len) {
        if (p[i] == '+') {
            out[n++] = ' ';
            i++;
            continue;
        }

        out[n++] = sg_cookie_decoded(p, len, &i);
    }

    return n;
}


/* Attribute a[0..alen) of a Set-Cookie, "Name" or "Name=value", trimmed. */
static int
sg_cookie_attr_is(const char *a, size_t alen, const char *attr)
{
    size_t i, n = strlen(attr);

    if (alen < n || (alen > n && a[n] != '=' && !sg_cookie_space(a[n]))) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (sg_cookie_lower(a[i]) != attr[i]) {
            return 0;
        }
    }

    return 1;
}


static int
sg_cookie_zero(sg_str_t v)
{
    size_t i;

    for (i = 0; i < v.len; i++) {
        if (v.data[i] != '0') {
            return 0;
        }
    }

    return 1;
}


static int
sg_cookie_contains(sg_str_t v, const char *s)
{
    size_t i, n = strlen(s);

    for (i = 0; i + n <= v.len; i++) {
        if (memcmp(v.data + i, s, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static sg_str_t
sg_cookie_attr_value(const char *a, const char *end)
{
    sg_str_t    v = {NULL, 0};
    const char *eq = memchr(a, '=', (size_t) (end - a));

    if (eq != NULL) {
        v.data = eq + 1;
        sg_cookie_trim(&v.data, &end);
        v.len = (size_t) (end - v.data);
    }

    return v;
}


/*
 * Steps from the ';' at *a (or from the previous attribute, ending at
 * *aend) to the next attribute of a Set-Cookie: *a its first non-blank
 * byte, *aend its end.  0 when there is none left.
 */
static int
sg_cookie_next_attr(const char **a, const char **aend, const char *end)
{
    const char *p = *a;

    if (p != NULL && *aend != NULL && p < *aend) {
        p = *aend;
    }

    if (p == NULL || p >= end) {
        return 0;
    }

    p++; /* the ';' */

    *aend = memchr(p, ';', (size_t) (end - p));
    if (*aend == NULL) {
        *aend = end;
    }

    while (p < *aend && sg_cookie_space(*p)) {
        p++;
    }

    *a = p;

    return 1;
}


int
sg_cookie_set(const char *header, size_t len, sg_str_t name, sg_str_t *value)
{
    int         deleted;
    sg_str_t    v;
    const char *p = header, *end = header + len, *semi, *eq, *a, *aend;

    semi = memchr(p, ';', len);
    if (semi == NULL) {
        semi = end;
    }

    eq = memchr(p, '=', (size_t) (semi - p));
    if (eq == NULL) {
        return 0;
    }

    aend = eq;
    sg_cookie_trim(&p, &aend);

    if ((size_t) (aend - p) != name.len || memcmp(p, name.data, name.len)) {
        return 0;
    }

    value->data = eq + 1;
    aend = semi;
    sg_cookie_trim(&value->data, &aend);
    value->len = (size_t) (aend - value->data);

    deleted = value->len == 0 ||
              (value->len == 2 && memcmp(value->data, "\"\"", 2) == 0);

    aend = NULL;

    for (a = semi; sg_cookie_next_attr(&a, &aend, end);) {
        if (sg_cookie_attr_is(a, (size_t) (aend - a), "max-age")) {
            v = sg_cookie_attr_value(a, aend);

            if (v.len > 0 && (v.data[0] == '-' || sg_cookie_zero(v))) {
                deleted = 1;
            }

        } else if (sg_cookie_attr_is(a, (size_t) (aend - a), "expires")) {
            /* The customary deletion date; a real expiry is never then. */
            v = sg_cookie_attr_value(a, aend);

            if (sg_cookie_contains(v, "1970")) {
                deleted = 1;
            }
        }
    }

    return deleted ? 2 : 1;
}


static int
sg_cookie_attr_safe(sg_str_t v)
{
    size_t i;

    for (i = 0; i < v.len; i++) {
        if (v.data[i] < 0x21 || v.data[i] > 0x7e || v.data[i] == ';' ||
            v.data[i] == ',') {
            return 0;
        }
    }

    return 1;
}


static int
sg_cookie_append(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    if (*n + len + 1 > cap) {
        return -1;
    }

    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = '\0';

    return 0;
}


int
sg_cookie_delete_attrs(const char *header, size_t len, char *out, size_t cap)
{
    size_t      n = 0;
    sg_str_t    v;
    const char *end = header + len, *a, *aend = NULL;

    if (cap == 0) {
        return -1;
    }

    out[0] = '\0';

    a = memchr(header, ';', len);

    while (a != NULL && sg_cookie_next_attr(&a, &aend, end)) {
        if (sg_cookie_attr_is(a, (size_t) (aend - a), "path") ||
            sg_cookie_attr_is(a, (size_t) (aend - a), "domain")) {
            v = sg_cookie_attr_value(a, aend);

            if (v.len == 0 || !sg_cookie_attr_safe(v)) {
                continue;
            }

            if (sg_cookie_append(out, cap, &n, "; ", 2) != 0 ||
                sg_cookie_append(out, cap, &n,
                                 sg_cookie_lower(a[0]) == 'p' ? "Path="
                                                              : "Domain=",
                                 sg_cookie_lower(a[0]) == 'p' ? 5 : 7) != 0 ||
                sg_cookie_append(out, cap, &n, v.data, v.len) != 0) {
                out[0] = '\0';
                return -1;
            }

        } else if (sg_cookie_attr_is(a, (size_t) (aend - a), "secure")) {
            if (sg_cookie_append(out, cap, &n, "; Secure", 8) != 0) {
                out[0] = '\0';
                return -1;
            }
        }
    }

    return (int) n;
}

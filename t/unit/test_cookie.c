/*
 * Reading the session cookie as the application would: every spelling of
 * the name an application may accept, every header, the canonical value,
 * and what a Set-Cookie says.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sg_cookie.h"

static const sg_str_t SID = sg_string("sid");


/* The candidates of one header, values joined by '|', EXACT marked '*'. */
static const char *
find(const char *header, size_t *found)
{
    static char       buf[512];
    sg_cookie_match_t m[8];
    size_t            n = 0, i, len = 0;

    *found = sg_cookie_find(header, strlen(header), SID, m, 8, &n);

    buf[0] = '\0';

    for (i = 0; i < n; i++) {
        len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s%s%.*s",
                                 i ? "|" : "",
                                 m[i].flags & SG_COOKIE_EXACT ? "*" : "",
                                 (int) m[i].value.len, m[i].value.data);
    }

    return buf;
}


static void
test_find_plain(void **state)
{
    size_t found;

    (void) state;

    assert_string_equal(find("sid=abc", &found), "*abc");
    assert_int_equal(found, 1);
    assert_string_equal(find("theme=dark; sid=abc; lang=en", &found), "*abc");
    assert_string_equal(find("  sid = abc ;x=1", &found), "*abc");

    /* Names that only contain or extend it are other cookies. */
    assert_string_equal(find("xsid=1; sidx=2; s_id=3; sid", &found), "");
    assert_int_equal(found, 0);
    assert_string_equal(find("", &found), "");
    assert_string_equal(find(";;;", &found), "");

    /* An empty value is still an occurrence: the caller skips it. */
    assert_string_equal(find("sid=", &found), "*");
    assert_int_equal(found, 1);
}


static void
test_find_decoys(void **state)
{
    size_t found;

    (void) state;

    /* The tricks of the security review: another case first, the same
     * name twice (apps that take the last value), an encoded name. */
    assert_string_equal(find("SID=decoy; sid=stolen", &found), "decoy|*stolen");
    assert_int_equal(found, 2);
    assert_string_equal(find("sid=decoy; sid=stolen", &found),
                        "*decoy|*stolen");
    assert_string_equal(find("Sid=a; sId=b", &found), "a|b");
    assert_string_equal(find("s%69d=enc; %73%49%44=enc2", &found), "enc|enc2");

    /* Old cookie syntax: ',' separates pairs for some parsers.  The ';'
     * pair keeps its whole value, the hidden one is found too. */
    assert_string_equal(find("theme=dark, sid=hidden", &found), "*hidden");
    assert_string_equal(find("sid=a,b", &found), "*a,b");
    assert_string_equal(find("sid=a, sid=b; x=1", &found), "*a, sid=b|*b");
    assert_int_equal(found, 2);
}


static void
test_find_capacity(void **state)
{
    sg_cookie_match_t m[2];
    size_t            n = 0, found;
    const char        h1[] = "sid=1; sid=2";
    const char        h2[] = "SID=3";

    (void) state;

    /* Across headers (HTTP/2 may send several), counting past what fits. */
    found = sg_cookie_find(h1, sizeof(h1) - 1, SID, m, 2, &n);
    found += sg_cookie_find(h2, sizeof(h2) - 1, SID, m, 2, &n);
    assert_int_equal(found, 3);
    assert_int_equal(n, 2);
}


static const char *
canonical(const char *v)
{
    static char out[256];
    size_t      n = sg_cookie_canonical(v, strlen(v), out);

    out[n] = '\0';

    return out;
}


static void
test_canonical(void **state)
{
    (void) state;

    /* Every spelling an application may treat as the same value. */
    assert_string_equal(canonical("abc"), "abc");
    assert_string_equal(canonical(" abc\t"), "abc");
    assert_string_equal(canonical("\"abc\""), "abc");
    assert_string_equal(canonical("%61bc"), "abc");
    assert_string_equal(canonical("\"%61b%63\""), "abc");
    assert_string_equal(canonical("a+b"), "a b");
    assert_string_equal(canonical("a%20b"), "a b");

    /* What is not an escape stays as it is. */
    assert_string_equal(canonical("100%"), "100%");
    assert_string_equal(canonical("%zz%4"), "%zz%4");
    assert_string_equal(canonical("\""), "\"");
    assert_string_equal(canonical("\"\""), "");
    assert_string_equal(canonical(""), "");
    /* case is part of the value */
    assert_string_equal(canonical("AbC"), "AbC");
}


static int
set(const char *h, char *value)
{
    sg_str_t v = {NULL, 0};
    int      rc = sg_cookie_set(h, strlen(h), SID, &v);

    memcpy(value, v.data ? v.data : "", v.len);
    value[v.len] = '\0';

    return rc;
}


static void
test_set(void **state)
{
    char v[128];

    (void) state;

    assert_int_equal(set("sid=abc; Path=/; HttpOnly", v), 1);
    assert_string_equal(v, "abc");
    assert_int_equal(set(" sid = abc ", v), 1);
    assert_string_equal(v, "abc");

    /* The app names its cookie exactly. */
    assert_int_equal(set("SID=abc", v), 0);
    assert_int_equal(set("sidx=abc", v), 0);
    assert_int_equal(set("other=1; sid=2", v), 0);
    assert_int_equal(set("sid", v), 0);

    /* Deletions: a logout is no issuance. */
    assert_int_equal(set("sid=; Path=/", v), 2);
    assert_int_equal(set("sid=\"\"", v), 2);
    assert_int_equal(set("sid=x; Max-Age=0", v), 2);
    assert_int_equal(set("sid=x; max-age=-1", v), 2);
    assert_int_equal(
        set("sid=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT", v), 2);
    assert_int_equal(set("sid=x; Max-Age=3600; Expires=Wed, 01 Jan 2031 "
                         "00:00:00 GMT",
                         v),
                     1);
    assert_int_equal(set("sid=x; Max-Age=00", v), 2);
    assert_int_equal(set("sid=x; Max-Age=10", v), 1);
}


static const char *
attrs(const char *h)
{
    static char out[128];

    if (sg_cookie_delete_attrs(h, strlen(h), out, sizeof(out)) < 0) {
        return "(error)";
    }

    return out;
}


static void
test_delete_attrs(void **state)
{
    char small[8];

    (void) state;

    assert_string_equal(attrs("sid=1"), "");
    assert_string_equal(attrs("sid=1; Path=/"), "; Path=/");
    assert_string_equal(
        attrs("sid=1; HttpOnly; path=/app; DOMAIN=.example.com; secure; "
              "SameSite=Lax; Max-Age=60"),
        "; Path=/app; Domain=.example.com; Secure");

    /* Nothing that could end the attribute or the header is repeated. */
    assert_string_equal(attrs("sid=1; Path=/a,b; Domain=x\r\nX: y"), "");
    assert_string_equal(attrs("sid=1; Path=; Domain"), "");
    /* "Pathological" is no Path. */
    assert_string_equal(attrs("sid=1; Pathological=1; Secured"), "");

    assert_int_equal(sg_cookie_delete_attrs("sid=1; Path=/long/path", 22, small,
                                            sizeof(small)),
                     -1);
    assert_string_equal(small, "");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_plain),
        cmocka_unit_test(test_find_decoys),
        cmocka_unit_test(test_find_capacity),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_delete_attrs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of sg_json: the strict grammar (each rejection on purpose),
 * string decoding with escapes and surrogate pairs, member order, and the
 * string writer round-tripping any bytes into valid JSON.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_json.h"


static sg_json_t *
parse_ok(const char *text)
{
    sg_json_t      *v = NULL;
    sg_json_error_t err;

    if (sg_json_parse(text, strlen(text), &v, &err) != 0) {
        fail_msg("rejected %s: %s at %zu", text, err.msg, err.offset);
    }

    return v;
}


static void
parse_bad(const char *text)
{
    sg_json_t      *v = NULL;
    sg_json_error_t err;

    if (sg_json_parse(text, strlen(text), &v, &err) == 0) {
        sg_json_free(v);
        fail_msg("accepted %s", text);
    }

    assert_null(v);
    assert_non_null(err.msg);
}


static void
test_scalars(void **state)
{
    sg_json_t *v;

    (void) state;

    v = parse_ok(" 42 ");
    assert_int_equal(v->type, SG_JSON_NUMBER);
    assert_true(v->number == 42);
    sg_json_free(v);

    v = parse_ok("-0.5e2");
    assert_true(v->number == -50);
    sg_json_free(v);

    v = parse_ok("true");
    assert_int_equal(v->type, SG_JSON_TRUE);
    sg_json_free(v);

    v = parse_ok("null");
    assert_int_equal(v->type, SG_JSON_NULL);
    sg_json_free(v);
}


static void
test_strings(void **state)
{
    sg_json_t *v;

    (void) state;

    v = parse_ok("\"a\\\"b\\\\c\\/d\\n\\t\"");
    assert_string_equal(v->str, "a\"b\\c/d\n\t");
    sg_json_free(v);

    /* U+00E9, U+20AC and U+1F600 (a surrogate pair) */
    v = parse_ok("\"\\u00e9\\u20AC\\ud83d\\ude00\"");
    assert_int_equal(v->str_len, 2 + 3 + 4);
    assert_memory_equal(v->str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    sg_json_free(v);

    /* raw UTF-8 passes through; an escaped NUL stays in the length */
    v = parse_ok("\"caf\xc3\xa9\\u0000x\"");
    assert_int_equal(v->str_len, 7);
    assert_int_equal(v->str[5], '\0');
    sg_json_free(v);
}


static void
test_containers(void **state)
{
    sg_json_t *v, *h;

    (void) state;

    v = parse_ok("{\"b\": [1, 2, {}], \"a\": {\"x\": null}, \"c\": []}");
    assert_int_equal(v->type, SG_JSON_OBJECT);
    assert_int_equal(v->n, 3);
    /* members keep their input order */
    assert_string_equal(v->child->key, "b");
    assert_string_equal(v->child->next->key, "a");
    assert_int_equal(sg_json_get(v, "b")->n, 3);
    assert_int_equal(sg_json_get(sg_json_get(v, "a"), "x")->type, SG_JSON_NULL);
    assert_null(sg_json_get(v, "z"));
    h = sg_json_get(v, "c");
    assert_int_equal(h->type, SG_JSON_ARRAY);
    assert_int_equal(h->n, 0);
    sg_json_free(v);
}


static void
test_rejections(void **state)
{
    static const char *bad[] = {
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "01",
        "1.",
        ".5",
        "1e",
        "+1",
        "-",
        "NaN",
        "1e999",
        "tru",
        "nulls",
        "\"abc",
        "\"a\nb\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\xff\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "{\"a\":1,\"a\":2}",
        "1 2",
        "[1] x",
        "// comment\n1",
        "'a'",
    };
    char   deep[2 * (SG_JSON_MAX_DEPTH + 2) + 1];
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse_bad(bad[i]);
    }

    /* one level past the limit fails, at the limit passes */
    memset(deep, '[', SG_JSON_MAX_DEPTH + 2);
    memset(deep + SG_JSON_MAX_DEPTH + 2, ']', SG_JSON_MAX_DEPTH + 2);
    deep[2 * (SG_JSON_MAX_DEPTH + 2)] = '\0';
    parse_bad(deep);

    memset(deep, '[', SG_JSON_MAX_DEPTH + 1);
    memset(deep + SG_JSON_MAX_DEPTH + 1, ']', SG_JSON_MAX_DEPTH + 1);
    deep[2 * (SG_JSON_MAX_DEPTH + 1)] = '\0';
    sg_json_free(parse_ok(deep));
}


static void
test_error_offset(void **state)
{
    sg_json_t      *v;
    sg_json_error_t err;

    (void) state;

    assert_int_equal(sg_json_parse("[1, x]", 6, &v, &err), -1);
    assert_int_equal(err.offset, 4);
}


static void
test_truncations(void **state)
{
    static const char doc[] =
        "{\"t\": 1.5, \"h\": {\"A\": \"\\u00e9\"}, \"l\": [true, null]}";
    sg_json_t      *v;
    sg_json_error_t err;
    size_t          n;

    (void) state;

    /* every proper prefix is an error, never a crash or a partial tree */
    for (n = 0; n < sizeof(doc) - 1; n++) {
        assert_int_equal(sg_json_parse(doc, n, &v, &err), -1);
        assert_null(v);
    }

    assert_int_equal(sg_json_parse(doc, sizeof(doc) - 1, &v, &err), 0);
    sg_json_free(v);
}


static void
test_writer(void **state)
{
    sg_json_buf_t     b = {0};
    sg_json_t        *v;
    sg_json_error_t   err;
    static const char raw[] = "q\"b\\n\n\x01\x7f caf\xc3\xa9 \xff";

    (void) state;

    sg_json_buf_add_string(&b, raw, sizeof(raw) - 1);
    assert_false(b.oom);
    assert_string_equal(b.data, "\"q\\\"b\\\\n\\n\\u0001\\u007f caf\xc3\xa9 "
                                "\xc3\xbf\"");

    /* what the writer makes, the strict reader takes back */
    assert_int_equal(sg_json_parse(b.data, b.len, &v, &err), 0);
    assert_int_equal(v->type, SG_JSON_STRING);
    assert_memory_equal(v->str, "q\"b\\n\n\x01\x7f caf\xc3\xa9 \xc3\xbf",
                        v->str_len);
    sg_json_free(v);

    sg_json_buf_printf(&b, " %d-%s", 7, "x");
    assert_string_equal(b.data + b.len - 4, " 7-x");
    sg_json_buf_free(&b);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),      cmocka_unit_test(test_strings),
        cmocka_unit_test(test_containers),   cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_error_offset), cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_writer),
    };

    return cmocka_run_group_tests_name("sg_json", tests, NULL, NULL);
}

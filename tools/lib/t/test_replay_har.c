/*
 * Unit tests of the HAR to scenario conversion: host selection, cookie
 * values to labels (never the value itself), logins where the app issued
 * a cookie or the recording began mid-session, timing, header filtering,
 * client guessing and ISO 8601 times.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_json.h"
#include "../sg_replay_har.h"


static const char har_text[] =
    "{\"log\": {\"version\": \"1.2\", \"entries\": ["
    /* 0: a CDN request, skipped */
    "{\"startedDateTime\": \"2024-05-01T09:59:59.000Z\","
    " \"request\": {\"method\": \"GET\", \"url\": \"https://cdn.example/x.js\","
    "  \"headers\": [], \"cookies\": []},"
    " \"response\": {\"cookies\": []}},"
    /* 1: mid-session request with an old cookie */
    "{\"startedDateTime\": \"2024-05-01T10:00:00.000Z\","
    " \"request\": {\"method\": \"GET\","
    "  \"url\": \"https://app.example:8443/home?x=1#frag\","
    "  \"headers\": [{\"name\": \"User-Agent\", \"value\": \"Mozilla/5.0 "
    "(Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.0.0 Safari/537.36\"},"
    "   {\"name\": \"Cookie\", \"value\": \"sid=OLD-SECRET\"},"
    "   {\"name\": \"Referer\", \"value\": \"https://app.example/\"},"
    "   {\"name\": \"sec-ch-ua-platform\", \"value\": \"macOS\"},"
    "   {\"name\": \":authority\", \"value\": \"app.example\"}],"
    "  \"cookies\": [{\"name\": \"sid\", \"value\": \"OLD-SECRET\"}]},"
    " \"response\": {\"cookies\": []}},"
    /* 2: the login issues a new cookie */
    "{\"startedDateTime\": \"2024-05-01T12:00:02.500+02:00\","
    " \"request\": {\"method\": \"POST\", \"url\": "
    "\"https://app.example/login\","
    "  \"headers\": [], \"cookies\": [],"
    "  \"postData\": {\"text\": \"user=alice&password=hunter2\"}},"
    " \"response\": {\"cookies\": [{\"name\": \"sid\", \"value\": "
    "\"NEW-SECRET\"}]}},"
    /* 3: uses the new cookie, posts a body */
    "{\"startedDateTime\": \"2024-05-01T10:01:00.000Z\","
    " \"request\": {\"method\": \"POST\", \"url\": \"https://app.example/api\","
    "  \"headers\": [{\"name\": \"X-Requested-With\", \"value\": \"q\\\"\"}],"
    "  \"cookies\": [{\"name\": \"sid\", \"value\": \"NEW-SECRET\"}],"
    "  \"postData\": {\"text\": \"{\\\"a\\\":1}\"}},"
    " \"response\": {\"cookies\": []}}"
    "]}}";


static void
test_convert(void **state)
{
    sg_json_t            *har;
    sg_json_error_t       err;
    sg_json_buf_t         out = {0};
    sg_replay_har_opts_t  o = {"sid", NULL, NULL, "benign"};
    sg_replay_har_stats_t st;
    char                  msg[128];
    const char           *p, *nl;
    int                   lines = 0;

    (void) state;

    assert_int_equal(sg_json_parse(har_text, sizeof(har_text) - 1, &har, &err),
                     0);
    assert_int_equal(
        sg_replay_har_convert(har, &o, &out, &st, msg, sizeof(msg)), 0);

    assert_int_equal(st.entries, 4);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.sessions, 2);
    assert_int_equal(st.written, 4);

    /* no cookie value and no password-bearing login body in the output */
    assert_null(strstr(out.data, "SECRET"));
    assert_null(strstr(out.data, "hunter2"));
    assert_null(strstr(out.data, "Cookie"));
    assert_null(strstr(out.data, "sec-ch-ua"));
    assert_null(strstr(out.data, ":authority"));
    assert_null(strstr(out.data, "#frag"));

    /* every line is strict JSON */
    for (p = out.data; *p; p = nl + 1) {
        sg_json_t *line;

        nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_int_equal(sg_json_parse(p, (size_t) (nl - p), &line, &err), 0);
        sg_json_free(line);
        lines++;
    }
    assert_int_equal(lines, 4);

    assert_non_null(strstr(
        out.data, "{\"t\":0.000,\"client\":\"chrome-macos\",\"session\":\"s1\","
                  "\"login\":true,"));
    assert_non_null(strstr(
        out.data, "{\"t\":0.000,\"client\":\"chrome-macos\",\"session\":\"s1\","
                  "\"method\":\"GET\",\"path\":\"/home?x=1\",\"headers\":{"
                  "\"Referer\":\"https://app.example/\"},"
                  "\"label\":\"benign\""));
    /* entries without a User-Agent keep the last one's client */
    assert_non_null(strstr(out.data, "{\"t\":2.500,\"client\":\"chrome-"
                                     "macos\",\"session\":\"s2\","
                                     "\"login\":true,"));
    assert_non_null(strstr(out.data,
                           "{\"t\":60.000,\"client\":\"chrome-macos\","
                           "\"session\":\"s2\",\"method\":\"POST\",\"path\":"
                           "\"/api\",\"headers\":{\"X-Requested-With\":"
                           "\"q\\\"\"},\"body\":\"{\\\"a\\\":1}\""));

    sg_json_buf_free(&out);

    /* a forced client and host */
    o.client = "curl";
    o.host = "cdn.example";
    o.label = NULL;
    assert_int_equal(
        sg_replay_har_convert(har, &o, &out, &st, msg, sizeof(msg)), 0);
    assert_int_equal(st.written, 1);
    assert_non_null(strstr(out.data, "\"client\":\"curl\""));
    assert_null(strstr(out.data, "\"label\""));
    sg_json_buf_free(&out);

    sg_json_free(har);
}


static void
test_not_har(void **state)
{
    sg_json_t            *v;
    sg_json_error_t       err;
    sg_json_buf_t         out = {0};
    sg_replay_har_opts_t  o = {"sid", NULL, NULL, NULL};
    sg_replay_har_stats_t st;
    char                  msg[128];

    (void) state;

    assert_int_equal(sg_json_parse("{\"log\": {}}", 11, &v, &err), 0);
    assert_int_equal(sg_replay_har_convert(v, &o, &out, &st, msg, sizeof(msg)),
                     -1);
    assert_non_null(strstr(msg, "entries"));
    sg_json_free(v);
    sg_json_buf_free(&out);
}


static void
test_time(void **state)
{
    double t;

    (void) state;

    assert_int_equal(sg_replay_har_time("1970-01-01T00:00:00Z", &t), 0);
    assert_true(t == 0);
    assert_int_equal(sg_replay_har_time("2024-05-01T10:00:00.250Z", &t), 0);
    assert_true(t == 1714557600.25);
    assert_int_equal(sg_replay_har_time("2024-05-01T12:00:00+02:00", &t), 0);
    assert_true(t == 1714557600);
    assert_int_equal(sg_replay_har_time("2024-02-29T00:00:00-00:30", &t), 0);
    assert_true(t == 1709166600);

    assert_int_equal(sg_replay_har_time("2024-05-01 10:00:00Z", &t), -1);
    assert_int_equal(sg_replay_har_time("2024-13-01T10:00:00Z", &t), -1);
    assert_int_equal(sg_replay_har_time("2024-05-01T10:00:00", &t), -1);
    assert_int_equal(sg_replay_har_time("2024-05-01T10:00:00Zx", &t), -1);
    assert_int_equal(sg_replay_har_time("", &t), -1);
}


static void
test_guess(void **state)
{
    (void) state;

    assert_string_equal(sg_replay_har_guess_client(NULL), "chrome-windows");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) "
                                   "Gecko/20100101 Firefox/125.0"),
        "firefox-linux");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (Windows NT 10.0; Win64; "
                                   "x64) AppleWebKit/537.36 (KHTML, like "
                                   "Gecko) Chrome/124.0.0.0 Safari/537.36 "
                                   "Edg/124.0.0.0"),
        "edge-windows");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 "
                                   "like Mac OS X) AppleWebKit/605.1.15 "
                                   "(KHTML, like Gecko) Version/17.4 "
                                   "Mobile/15E148 Safari/604.1"),
        "safari-ios");
    assert_string_equal(sg_replay_har_guess_client("curl/8.5.0"), "curl");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (X11; Linux x86_64) "
                                   "AppleWebKit/537.36 (KHTML, like Gecko) "
                                   "Chrome/116.0.0.0 Safari/537.36"),
        "chrome-linux");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (Linux; Android 10; K) "
                                   "AppleWebKit/537.36 (KHTML, like Gecko) "
                                   "Chrome/116.0.0.0 Mobile Safari/537.36"),
        "chrome-android");
    assert_string_equal(
        sg_replay_har_guess_client("Mozilla/5.0 (Macintosh; Intel Mac OS X "
                                   "10_15_7) AppleWebKit/537.36 (KHTML, like "
                                   "Gecko) Chrome/116.0.0.0 Safari/537.36"),
        "chrome-macos");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_not_har),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_guess),
    };

    return cmocka_run_group_tests_name("sg_replay_har", tests, NULL, NULL);
}

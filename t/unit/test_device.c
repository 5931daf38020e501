/*
 * Unit tests of the HTTP device fingerprint.  Expected values were written by
 * reading each real User-Agent and header value, not taken from the code.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/sg_device.h"


#define S(s)           \
    (sg_str_t)         \
    {                  \
        (s), strlen(s) \
    }

#define UA_CHROME_WIN                                                       \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/124.0.0.0 Safari/537.36"
#define UA_CHROME_LINUX                                                       \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
    "Chrome/124.0.0.0 Safari/537.36"
#define UA_CHROME_ANDROID                                                 \
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like " \
    "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
#define UA_EDGE_WIN                                                         \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
#define UA_OPERA_WIN                                                        \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0"
#define UA_FIREFOX_LINUX \
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"

typedef struct {
    const char *ua;
    sg_family_e family;
    uint32_t    major;
    sg_os_e     os;
    uint8_t     mobile;
} ua_case_t;


static sg_device_t
parse_ua(const char *ua)
{
    sg_device_input_t in;
    sg_device_t       d;

    memset(&in, 0, sizeof(in));
    in.user_agent = S(ua);
    assert_int_equal(sg_device_parse(&in, &d), 0);

    return d;
}


static void
check_cases(const ua_case_t *c, size_t n)
{
    size_t      i;
    sg_device_t d;

    for (i = 0; i < n; i++) {
        d = parse_ua(c[i].ua);

        if (d.family != c[i].family || d.major != c[i].major ||
            d.os != c[i].os || d.mobile != c[i].mobile) {
            fail_msg("%s: got %s/%u/%s/%u, want %s/%u/%s/%u", c[i].ua,
                     sg_family_name(d.family), d.major, sg_os_name(d.os),
                     d.mobile, sg_family_name(c[i].family), c[i].major,
                     sg_os_name(c[i].os), c[i].mobile);
        }
    }
}


static void
test_browsers(void **state)
{
    static const ua_case_t cases[] = {
        {UA_CHROME_WIN, SG_FAMILY_CHROME, 124, SG_OS_WINDOWS, 0},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
         SG_FAMILY_CHROME, 124, SG_OS_MACOS, 0},
        {UA_CHROME_LINUX, SG_FAMILY_CHROME, 124, SG_OS_LINUX, 0},
        {UA_CHROME_ANDROID, SG_FAMILY_CHROME, 124, SG_OS_ANDROID, 1},
        /* an Android tablet: no "Mobile" */
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Chrome/124.0.0.0 Safari/537.36",
         SG_FAMILY_CHROME, 124, SG_OS_ANDROID, 0},
        {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, "
         "like Gecko) Chrome/124.0.0.0 Safari/537.36",
         SG_FAMILY_CHROME, 124, SG_OS_CHROMEOS, 0},
        /* "CUBOT" is a phone maker, not a crawler */
        {"Mozilla/5.0 (Linux; Android 11; CUBOT P50) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/122.0.6261.119 Mobile Safari/537.36",
         SG_FAMILY_CHROME, 122, SG_OS_ANDROID, 1},
        {UA_EDGE_WIN, SG_FAMILY_EDGE, 124, SG_OS_WINDOWS, 0},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 "
         "Edg/123.0.2420.97",
         SG_FAMILY_EDGE, 123, SG_OS_MACOS, 0},
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.0.0",
         SG_FAMILY_EDGE, 124, SG_OS_ANDROID, 1},
        /* EdgeHTML, before Edge moved to Chromium */
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 "
         "Edge/18.19582",
         SG_FAMILY_EDGE, 18, SG_OS_WINDOWS, 0},
        {UA_OPERA_WIN, SG_FAMILY_OPERA, 109, SG_OS_WINDOWS, 0},
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 OPR/79.0.4195.76783",
         SG_FAMILY_OPERA, 79, SG_OS_ANDROID, 1},
        {UA_FIREFOX_LINUX, SG_FAMILY_FIREFOX, 125, SG_OS_LINUX, 0},
        {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 "
         "Firefox/124.0",
         SG_FAMILY_FIREFOX, 124, SG_OS_LINUX, 0},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 "
         "Firefox/125.0",
         SG_FAMILY_FIREFOX, 125, SG_OS_WINDOWS, 0},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) "
         "Gecko/20100101 Firefox/125.0",
         SG_FAMILY_FIREFOX, 125, SG_OS_MACOS, 0},
        {"Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 "
         "Firefox/115.0",
         SG_FAMILY_FIREFOX, 115, SG_OS_OTHER, 0},
        {"Mozilla/5.0 (iPod touch; CPU iPhone OS 15_7 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 "
         "Mobile/15E148 Safari/604.1",
         SG_FAMILY_SAFARI, 15, SG_OS_IOS, 1},
        {"Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
         SG_FAMILY_FIREFOX, 125, SG_OS_ANDROID, 1},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
         SG_FAMILY_SAFARI, 17, SG_OS_MACOS, 0},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 "
         "Mobile/15E148 Safari/604.1",
         SG_FAMILY_SAFARI, 17, SG_OS_IOS, 1},
        {"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
         SG_FAMILY_SAFARI, 17, SG_OS_IOS, 0},
        /* an in-app WKWebView: WebKit without a Safari version */
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
         SG_FAMILY_SAFARI, 0, SG_OS_IOS, 1},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 "
         "Mobile/15E148 Safari/604.1",
         SG_FAMILY_CHROME, 124, SG_OS_IOS, 1},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 "
         "Safari/605.1.15",
         SG_FAMILY_FIREFOX, 125, SG_OS_IOS, 1},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
         "EdgiOS/124.2478.50 Mobile/15E148 Safari/604.1",
         SG_FAMILY_EDGE, 124, SG_OS_IOS, 1},
        {"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) "
         "AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 "
         "Chrome/117.0.0.0 Mobile Safari/537.36",
         SG_FAMILY_SAMSUNG, 24, SG_OS_ANDROID, 1},
    };

    (void) state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_tools_and_bots(void **state)
{
    static const ua_case_t cases[] = {
        {"curl/8.5.0", SG_FAMILY_CURL, 8, SG_OS_OTHER, 0},
        {"Wget/1.21.3", SG_FAMILY_WGET, 1, SG_OS_OTHER, 0},
        {"python-requests/2.31.0", SG_FAMILY_PYTHON_REQUESTS, 2, SG_OS_OTHER,
         0},
        {"Python-urllib/3.11", SG_FAMILY_PYTHON_URLLIB, 3, SG_OS_OTHER, 0},
        {"Go-http-client/1.1", SG_FAMILY_GO_HTTP, 1, SG_OS_OTHER, 0},
        {"Go-http-client/2.0", SG_FAMILY_GO_HTTP, 2, SG_OS_OTHER, 0},
        {"Java/17.0.9", SG_FAMILY_JAVA, 17, SG_OS_OTHER, 0},
        {"Apache-HttpClient/4.5.14 (Java/17.0.9)", SG_FAMILY_JAVA, 4,
         SG_OS_OTHER, 0},
        {"okhttp/4.12.0", SG_FAMILY_OKHTTP, 4, SG_OS_OTHER, 0},
        {"node", SG_FAMILY_NODE, 0, SG_OS_OTHER, 0},
        {"undici", SG_FAMILY_NODE, 0, SG_OS_OTHER, 0},
        {"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
         SG_FAMILY_NODE, 1, SG_OS_OTHER, 0},
        {"axios/1.6.8", SG_FAMILY_NODE, 1, SG_OS_OTHER, 0},
        {"Mozilla/5.0 (compatible; Googlebot/2.1; "
         "+http://www.google.com/bot.html)",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        /* a crawler that otherwise looks exactly like Chrome on Android */
        {"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
         "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile "
         "Safari/537.36 (compatible; Googlebot/2.1; "
         "+http://www.google.com/bot.html)",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"Twitterbot/1.0", SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"facebookexternalhit/1.1 "
         "(+http://www.facebook.com/externalhit_uatext.php)",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Mobile Safari/537.36 (compatible; Bytespider; "
         "spider-feedback@bytedance.com)",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"Mozilla/5.0 (compatible; bingbot/2.0; "
         "+http://www.bing.com/bingbot.htm)",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
         "Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36",
         SG_FAMILY_BOT, 0, SG_OS_OTHER, 0},
        {"Mozilla/5.0", SG_FAMILY_OTHER, 0, SG_OS_OTHER, 0},
        {"", SG_FAMILY_NONE, 0, SG_OS_NONE, 0},
        /* an absurd version must not overflow */
        {"Mozilla/5.0 (Windows NT 10.0) Chrome/123456789012345678901.0",
         SG_FAMILY_CHROME, SG_DEVICE_MAJOR_MAX, SG_OS_WINDOWS, 0},
    };

    (void) state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


static sg_device_t
parse_hints(const char *ua, const char *ch, const char *platform,
            const char *mobile)
{
    sg_device_input_t in;
    sg_device_t       d;

    memset(&in, 0, sizeof(in));
    in.user_agent = S(ua);
    in.ch_ua = S(ch);
    in.ch_ua_platform = S(platform);
    in.ch_ua_mobile = S(mobile);
    assert_int_equal(sg_device_parse(&in, &d), 0);

    return d;
}


static void
test_client_hints(void **state)
{
    sg_device_t d;

    (void) state;

    d = parse_hints(UA_CHROME_WIN,
                    "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", "
                    "\"Not-A.Brand\";v=\"99\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_CHROME);
    assert_int_equal(d.major, 124);
    assert_int_equal(d.os, SG_OS_WINDOWS);
    assert_int_equal(d.mobile, 0);

    /* Android Chrome asking for the desktop site: the hints still know. */
    d = parse_hints(UA_CHROME_LINUX,
                    "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", "
                    "\"Not-A.Brand\";v=\"99\"",
                    "\"Android\"", "?0");
    assert_int_equal(d.os, SG_OS_ANDROID);
    assert_int_equal(d.mobile, 0);

    d = parse_hints(UA_CHROME_LINUX, "", "\"Linux\"", "?1");
    assert_int_equal(d.mobile, 1);

    d = parse_hints(UA_EDGE_WIN,
                    "\"Microsoft Edge\";v=\"124\", \"Not-A.Brand\";v=\"99\", "
                    "\"Chromium\";v=\"124\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_EDGE);
    assert_int_equal(d.major, 124);

    /* The brand version wins over Opera's Chromium version in the UA. */
    d = parse_hints(UA_CHROME_WIN,
                    "\"Opera\";v=\"109\", \"Not:A-Brand\";v=\"8\", "
                    "\"Chromium\";v=\"123\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_OPERA);
    assert_int_equal(d.major, 109);

    /* A GREASE brand is not a browser; Chromium alone names no family. */
    d = parse_hints(UA_CHROME_WIN,
                    "\"Not A(Brand\";v=\"99\", "
                    "\"Chromium\";v=\"121\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_CHROME);
    assert_int_equal(d.major, 124);

    /* Brave: its own brand is unknown to us, the UA says Chrome. */
    d = parse_hints(UA_CHROME_WIN,
                    "\"Chromium\";v=\"124\", \"Brave\";v=\"124\", "
                    "\"Not-A.Brand\";v=\"99\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_CHROME);

    d = parse_hints(UA_CHROME_LINUX, "\"Google Chrome\";v=\"124\"",
                    "\"Chrome OS\"", "?0");
    assert_int_equal(d.os, SG_OS_CHROMEOS);

    d = parse_hints(UA_CHROME_LINUX, "\"Opera GX\";v=\"109\"", "\"iOS\"", "?1");
    assert_int_equal(d.family, SG_FAMILY_OPERA);
    assert_int_equal(d.os, SG_OS_IOS);

    d = parse_hints(
        UA_CHROME_ANDROID,
        "\"Not)A;Brand\";v=\"99\", \"Samsung Internet\";v=\"24.0\", "
        "\"Chromium\";v=\"117\"",
        "\"Android\"", "?1");
    assert_int_equal(d.family, SG_FAMILY_SAMSUNG);
    assert_int_equal(d.major, 24);

    d = parse_hints(UA_CHROME_LINUX, "\"Google Chrome\";v=\"124\"",
                    "\"Unknown\"", "?0");
    assert_int_equal(d.os, SG_OS_LINUX);

    d = parse_hints(UA_CHROME_LINUX,
                    "\"HeadlessChrome\";v=\"124\", \"Chromium\";v=\"124\"",
                    "\"Linux\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_BOT);

    /* An escaped quote does not end a brand. */
    d = parse_hints(UA_CHROME_WIN,
                    "\"Google \\\"Chrome\\\"\";v=\"1\", "
                    "\"Microsoft Edge\";v=\"124\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_EDGE);

    /* Malformed hints are not believed at all. */
    d = parse_hints(UA_CHROME_WIN,
                    "\"X\001\";v=\"1\", \"Microsoft Edge\";v=\"124\"",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_CHROME);
    d = parse_hints(UA_EDGE_WIN, "\"Google Chrome;v=\"124\"", "\"Windows\"",
                    "?0");
    assert_int_equal(d.family, SG_FAMILY_EDGE);
    d = parse_hints(UA_EDGE_WIN, "\"Google Chrome\";v=\"124\" junk",
                    "\"Windows\"", "?0");
    assert_int_equal(d.family, SG_FAMILY_EDGE);
    d = parse_hints(UA_CHROME_WIN, "", "Windows", "?2");
    assert_int_equal(d.os, SG_OS_WINDOWS);
    assert_int_equal(d.mobile, 0);
    d = parse_hints(UA_CHROME_WIN, "", "\"macOS\" x", "1");
    assert_int_equal(d.os, SG_OS_WINDOWS);

    /* A tool that sends hints stays a tool. */
    d = parse_hints("curl/8.5.0", "\"Google Chrome\";v=\"124\"", "\"macOS\"",
                    "?1");
    assert_int_equal(d.family, SG_FAMILY_CURL);
    assert_int_equal(d.major, 8);
    assert_int_equal(d.os, SG_OS_OTHER);
    assert_int_equal(d.mobile, 0);
}


static void
test_language(void **state)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"en-US,en;q=0.9", "en"},
        {"de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"},
        {" FR-ch, fr;q=0.9", "fr"},
        {"zh-Hans-CN,zh;q=0.9", "zh"},
        {"fil-PH", "fil"},
        {"en_US", "en"},
        {"pt;q=0.8", "pt"},
        {", ,ja;q=0.8", "ja"},
        {"*", "*"},
        {"", ""},
        {"123", ""},
        {"abcdefgh", "abcdefgh"},
        {"abcdefghi", ""},
    };
    sg_device_input_t in;
    sg_device_t       d;
    size_t            i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&in, 0, sizeof(in));
        in.accept_language = S(cases[i].in);
        assert_int_equal(sg_device_parse(&in, &d), 0);
        assert_string_equal(d.lang, cases[i].want);
    }
}


static void
test_encodings(void **state)
{
    static const struct {
        const char *in;
        unsigned    want;
    } cases[] = {
        /* Chrome 124 */
        {"gzip, deflate, br, zstd",
         SG_ENC_GZIP | SG_ENC_DEFLATE | SG_ENC_BR | SG_ENC_ZSTD},
        /* curl --compressed lists them in another order */
        {"deflate, gzip, br, zstd",
         SG_ENC_GZIP | SG_ENC_DEFLATE | SG_ENC_BR | SG_ENC_ZSTD},
        /* Firefox 125 */
        {"gzip, deflate, br", SG_ENC_GZIP | SG_ENC_DEFLATE | SG_ENC_BR},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1",
         SG_ENC_BR | SG_ENC_GZIP | SG_ENC_OTHER},
        {"identity", SG_ENC_IDENTITY},
        {"x-gzip, COMPRESS", SG_ENC_GZIP | SG_ENC_COMPRESS},
        {"lzma", SG_ENC_OTHER},
        {" , ,", 0},
        {"", 0},
    };
    sg_device_input_t in;
    sg_device_t       d;
    size_t            i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&in, 0, sizeof(in));
        in.accept_encoding = S(cases[i].in);
        assert_int_equal(sg_device_parse(&in, &d), 0);
        assert_int_equal(d.encodings, cases[i].want);
    }
}


/* Chrome 124's header order for a top-level navigation over HTTP/1.1. */
static const sg_str_t chrome_nav[] = {
    sg_string("Host"),
    sg_string("Connection"),
    sg_string("sec-ch-ua"),
    sg_string("sec-ch-ua-mobile"),
    sg_string("sec-ch-ua-platform"),
    sg_string("Upgrade-Insecure-Requests"),
    sg_string("User-Agent"),
    sg_string("Accept"),
    sg_string("Sec-Fetch-Site"),
    sg_string("Sec-Fetch-Mode"),
    sg_string("Sec-Fetch-User"),
    sg_string("Sec-Fetch-Dest"),
    sg_string("Referer"),
    sg_string("Accept-Encoding"),
    sg_string("Accept-Language"),
    sg_string("Cookie"),
};

/* The same browser's fetch(): no Referer, no navigation-only headers. */
static const sg_str_t chrome_fetch[] = {
    sg_string("Host"),
    sg_string("Connection"),
    sg_string("sec-ch-ua"),
    sg_string("sec-ch-ua-mobile"),
    sg_string("User-Agent"),
    sg_string("sec-ch-ua-platform"),
    sg_string("Accept"),
    sg_string("Origin"),
    sg_string("Sec-Fetch-Site"),
    sg_string("Sec-Fetch-Mode"),
    sg_string("Sec-Fetch-Dest"),
    sg_string("Accept-Encoding"),
    sg_string("Accept-Language"),
    sg_string("Cookie"),
};

/* Firefox 125's order for a navigation. */
static const sg_str_t firefox_nav[] = {
    sg_string("Host"),
    sg_string("User-Agent"),
    sg_string("Accept"),
    sg_string("Accept-Language"),
    sg_string("Accept-Encoding"),
    sg_string("Connection"),
    sg_string("Referer"),
    sg_string("Cookie"),
    sg_string("Upgrade-Insecure-Requests"),
    sg_string("Sec-Fetch-Dest"),
    sg_string("Sec-Fetch-Mode"),
    sg_string("Sec-Fetch-Site"),
    sg_string("Sec-Fetch-User"),
    sg_string("Priority"),
};


static sg_device_t
chrome_device(const sg_str_t *names, size_t n)
{
    sg_device_input_t in;
    sg_device_t       d;

    memset(&in, 0, sizeof(in));
    in.user_agent = S(UA_CHROME_WIN);
    in.accept_language = S("en-US,en;q=0.9");
    in.accept_encoding = S("gzip, deflate, br, zstd");
    in.header_names = names;
    in.n_header_names = n;
    assert_int_equal(sg_device_parse(&in, &d), 0);

    return d;
}


static void
test_header_order(void **state)
{
    /* ids are the documented 1-based positions in the well-known list */
    static const uint8_t want[] = {1, 2, 9, 3, 4, 10, 11, 12, 13, 7, 6, 5, 8};
    sg_str_t             noisy[20];
    sg_device_t          a, b;

    (void) state;

    a = chrome_device(chrome_nav, 16);
    assert_int_equal(a.order_len, sizeof(want));
    assert_memory_equal(a.order, want, sizeof(want));

    /* Unknown headers and a repeated Cookie change nothing; case neither. */
    memcpy(noisy, chrome_nav, sizeof(chrome_nav));
    noisy[0] = (sg_str_t) sg_string("HOST");
    noisy[16] = (sg_str_t) sg_string("X-Forwarded-For");
    noisy[17] = (sg_str_t) sg_string("Cookie");
    noisy[18] = (sg_str_t) sg_string("x-requested-with");
    noisy[19] = (sg_str_t) sg_string("host");
    b = chrome_device(noisy, 20);
    assert_int_equal(b.order_len, sizeof(want));
    assert_memory_equal(b.order, want, sizeof(want));

    /* HTTP/2: no list, no order. */
    b = chrome_device(NULL, 0);
    assert_int_equal(b.order_len, 0);
}


static void
test_compare(void **state)
{
    sg_device_t      a, b;
    sg_device_diff_t r;

    (void) state;

    a = chrome_device(chrome_nav, 16);

    r = sg_device_compare(&a, &a);
    assert_int_equal(r.changed, 0);
    assert_int_equal(r.significance, 0);

    /* A fetch() from the same browser: fewer headers, same relative order. */
    b = chrome_device(chrome_fetch, 14);
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, 0);
    assert_int_equal(r.significance, 0);

    /* A later HTTP/2 request of the same browser. */
    b = chrome_device(NULL, 0);
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, 0);

    b = chrome_device(firefox_nav, 14);
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_ORDER);
    assert_int_equal(r.significance, SG_DEV_SIG_ORDER);

    b.encodings = SG_ENC_GZIP | SG_ENC_DEFLATE | SG_ENC_BR;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_ORDER | SG_DEV_CHG_ENCODING);
    assert_int_equal(r.significance, SG_DEV_SIG_ORDER + SG_DEV_SIG_EXTRA);

    b = a;
    b.encodings = SG_ENC_GZIP;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_ENCODING);
    assert_int_equal(r.significance, SG_DEV_SIG_ENCODING);

    /* Auto-update by one and by two versions is the same device. */
    b = a;
    b.major = 125;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_MAJOR_UP_SMALL);
    assert_int_equal(r.significance, 0);
    b.major = 126;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_MAJOR_UP_SMALL);
    assert_int_equal(r.significance, 0);

    b.major = 127;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_MAJOR_JUMP);
    assert_int_equal(r.significance, SG_DEV_SIG_MAJOR_JUMP);

    b.major = 123;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_MAJOR_DOWN);
    assert_int_equal(r.significance, SG_DEV_SIG_MAJOR_DOWN);

    /* An unknown version says nothing about versions. */
    b.major = 0;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, 0);

    b = a;
    b.mobile = 1;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_MOBILE);
    assert_int_equal(r.significance, SG_DEV_SIG_MOBILE);

    /* A language change is reported but is not a device change. */
    b = a;
    strcpy(b.lang, "ru");
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_LANG);
    assert_int_equal(r.significance, 0);

    /* Chrome to Edge on the same Windows, same version. */
    b = a;
    b.family = SG_FAMILY_EDGE;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_FAMILY);
    assert_int_equal(r.significance, SG_DEV_SIG_FAMILY);

    b = a;
    b.os = SG_OS_MACOS;
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_OS);
    assert_int_equal(r.significance, SG_DEV_SIG_OS);

    /* Chrome on Windows, then the cookie in python-requests. */
    b = parse_ua("python-requests/2.31.0");
    r = sg_device_compare(&a, &b);
    assert_true(r.changed & SG_DEV_CHG_FAMILY);
    assert_true(r.changed & SG_DEV_CHG_OS);
    assert_false(r.changed & (SG_DEV_CHG_MAJOR_DOWN | SG_DEV_CHG_MAJOR_JUMP));
    assert_int_equal(r.significance, 100);

    /* The reverse direction is just as strong. */
    r = sg_device_compare(&b, &a);
    assert_int_equal(r.significance, 100);

    /* A tool with no version: still not a version question. */
    b = parse_ua("node");
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.significance, 100);

    /* Firefox on FreeBSD (OS "other") to curl: only the family differs. */
    a = parse_ua("Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 "
                 "Firefox/115.0");
    b = parse_ua("curl/8.5.0");
    r = sg_device_compare(&a, &b);
    assert_int_equal(r.changed, SG_DEV_CHG_FAMILY);
    assert_int_equal(r.significance, SG_DEV_SIG_FAMILY_TOOL);
    a = chrome_device(chrome_nav, 16);

    /* The cookie replayed without any User-Agent. */
    b = parse_ua("");
    r = sg_device_compare(&a, &b);
    assert_true(r.changed & SG_DEV_CHG_FAMILY);
    assert_int_equal(r.significance, 100);

    r = sg_device_compare(NULL, &a);
    assert_int_equal(r.significance, 100);
}


static void
test_hash(void **state)
{
    sg_device_t d, e;
    char        h[SG_DEVICE_HASH_LEN + 1], g[SG_DEVICE_HASH_LEN + 1];
    size_t      i;

    (void) state;

    /*
     * Pinned: changing it changes every id users have seen.  Computed
     * independently from the layout in docs/device-and-scoring.md.
     */
    memset(&d, 0, sizeof(d));
    d.family = SG_FAMILY_CHROME;
    d.major = 124;
    d.os = SG_OS_WINDOWS;
    strcpy(d.lang, "en");
    d.encodings = 0x0f;
    assert_int_equal(sg_device_hash(&d, h, sizeof(h)), SG_DEVICE_HASH_LEN);
    assert_string_equal(h, "e4d4c2296caa");

    for (i = 0; i < SG_DEVICE_HASH_LEN; i++) {
        assert_true((h[i] >= '0' && h[i] <= '9') ||
                    (h[i] >= 'a' && h[i] <= 'f'));
    }

    assert_int_equal(sg_device_hash(&d, g, SG_DEVICE_HASH_LEN), -1);
    assert_int_equal(sg_device_hash(NULL, g, sizeof(g)), -1);

    /* Navigations and fetch() of one browser share an id... */
    d = chrome_device(chrome_nav, 16);
    e = chrome_device(chrome_fetch, 14);
    assert_int_equal(sg_device_hash(&d, h, sizeof(h)), SG_DEVICE_HASH_LEN);
    assert_int_equal(sg_device_hash(&e, g, sizeof(g)), SG_DEVICE_HASH_LEN);
    assert_string_equal(h, g);

    /* ...but each part of the device changes it. */
    e = d;
    e.major = 125;
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
    e = d;
    e.os = SG_OS_LINUX;
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
    e = d;
    e.mobile = 1;
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
    e = d;
    strcpy(e.lang, "de");
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
    e = d;
    e.encodings = 0x07;
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
    e = chrome_device(firefox_nav, 14);
    sg_device_hash(&e, g, sizeof(g));
    assert_string_not_equal(h, g);
}


static void
test_encode(void **state)
{
    sg_device_t d, back;
    char        buf[SG_DEVICE_ENCODED_MAX];
    int         n;
    const char *want = "d1:chrome:124:windows:0:en:0f:"
                       "0102090304"
                       "0a0b0c0d07060508";

    (void) state;

    d = chrome_device(chrome_nav, 16);
    n = sg_device_encode(&d, buf, sizeof(buf));
    assert_int_equal(n, (int) strlen(want));
    assert_string_equal(buf, want);
    assert_null(strpbrk(buf, " |\""));

    memset(&back, 0xa5, sizeof(back));
    assert_int_equal(sg_device_decode(buf, (size_t) n, &back), 0);
    assert_int_equal(back.family, d.family);
    assert_int_equal(back.major, d.major);
    assert_int_equal(back.os, d.os);
    assert_int_equal(back.mobile, d.mobile);
    assert_string_equal(back.lang, d.lang);
    assert_int_equal(back.encodings, d.encodings);
    assert_int_equal(back.order_len, d.order_len);
    assert_memory_equal(back.order, d.order, d.order_len);

    /* It fits exactly with its NUL, and not one byte less. */
    assert_int_equal(sg_device_encode(&d, buf, (size_t) n + 1), n);
    assert_int_equal(sg_device_encode(&d, buf, (size_t) n), -1);

    /* An empty device: no UA, no language, HTTP/2. */
    memset(&d, 0, sizeof(d));
    n = sg_device_encode(&d, buf, sizeof(buf));
    assert_string_equal(buf, "d1:none:0:none:0:-:00:-");
    assert_int_equal(sg_device_decode(buf, (size_t) n, &back), 0);
    assert_int_equal(back.family, SG_FAMILY_NONE);
    assert_string_equal(back.lang, "");
    assert_int_equal(back.order_len, 0);

    d = parse_ua("python-requests/2.31.0");
    d.mobile = 1;
    d.lang[0] = '*';
    d.encodings = SG_ENC_ALL;
    n = sg_device_encode(&d, buf, sizeof(buf));
    assert_string_equal(buf, "d1:python-requests:2:other:1:*:7f:-");
    assert_int_equal(sg_device_decode(buf, (size_t) n, &back), 0);
    assert_int_equal(back.family, SG_FAMILY_PYTHON_REQUESTS);
    assert_int_equal(back.mobile, 1);
    assert_string_equal(back.lang, "*");

    /* Out-of-range values are not written. */
    d.family = SG_FAMILY_COUNT;
    assert_int_equal(sg_device_encode(&d, buf, sizeof(buf)), -1);
    d.family = SG_FAMILY_CURL;
    memset(d.lang, 'a', sizeof(d.lang));
    assert_int_equal(sg_device_encode(&d, buf, sizeof(buf)), -1);
    assert_int_equal(sg_device_hash(&d, buf, sizeof(buf)), -1);
}


static void
test_decode_rejects(void **state)
{
    static const char *bad[] = {
        "",
        "d1",
        "d2:chrome:124:windows:0:en:0f:-",
        "d1:Chrome:124:windows:0:en:0f:-",
        "d1:netscape:4:windows:0:en:0f:-",
        "d1:chrome::windows:0:en:0f:-",
        "d1:chrome:0124:windows:0:en:0f:-",
        "d1:chrome:+124:windows:0:en:0f:-",
        "d1:chrome:123456:windows:0:en:0f:-",
        "d1:chrome:12a:windows:0:en:0f:-",
        "d1:chrome:124:beos:0:en:0f:-",
        "d1:chrome:124:windows:2:en:0f:-",
        "d1:chrome:124:windows::en:0f:-",
        "d1:chrome:124:windows:0:EN:0f:-",
        "d1:chrome:124:windows:0::0f:-",
        "d1:chrome:124:windows:0:abcdefghi:0f:-",
        "d1:chrome:124:windows:0:e-:0f:-",
        "d1:chrome:124:windows:0:en:0F:-",
        "d1:chrome:124:windows:0:en:80:-",
        "d1:chrome:124:windows:0:en:f:-",
        "d1:chrome:124:windows:0:en:0f:",
        "d1:chrome:124:windows:0:en:0f:010",
        "d1:chrome:124:windows:0:en:0f:0100",
        "d1:chrome:124:windows:0:en:0f:0111",
        "d1:chrome:124:windows:0:en:0f:0101",
        "d1:chrome:124:windows:0:en:0f:0g",
        "d1:chrome:124:windows:0:en:0f:"
        "0102030405060708090a0b0c0d0e0f10"
        "01",
        "d1:chrome:124:windows:0:en:0f:-:",
        "d1:chrome:124:windows:0:en:0f:-:x",
        "d1:other:0:other:0:-:00:-:Acme",
        "d1:other:0:other:0:-:00:-:-acme",
        "d1:other:0:other:0:-:00:-:acme-",
        "d1:other:0:other:0:-:00:-:acme--sync",
        "d1:other:0:other:0:-:00:-:acme1",
        "d1:other:0:other:0:-:00:-:acme:x",
        "d1:other:0:other:0:-:00:-:"
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvw",
        ":d1:chrome:124:windows:0:en:0f:-",
    };
    static const char good[] = "d1:chrome:124:windows:0:en:0f:"
                               "0102030405060708090a0b0c0d0e0f10";
    static const char nul[] = "d1:chrome:124:windows:0:e\0:0f:-";
    sg_device_t       d;
    size_t            i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (sg_device_decode(bad[i], strlen(bad[i]), &d) != -1) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }

    assert_int_equal(sg_device_decode(nul, sizeof(nul) - 1, &d), -1);

    /* All 16 header ids, the longest order there is. */
    assert_int_equal(sg_device_decode(good, sizeof(good) - 1, &d), 0);
    assert_int_equal(d.order_len, SG_DEVICE_ORDER_MAX);

    /* Every cut before the last field leaves too few fields. */
    for (i = 0; i < sizeof("d1:chrome:124:windows:0:en:0f") - 1; i++) {
        assert_int_equal(sg_device_decode(good, i, &d), -1);
    }

    assert_int_equal(sg_device_decode(NULL, 0, &d), -1);
    assert_int_equal(sg_device_decode(good, sizeof(good) - 1, NULL), -1);
}


/*
 * Clients no rule recognises: internal tools, sync agents, CLIs.  Two of
 * them are two devices; a version bump of one is the same device.
 */
static void
test_unknown_clients(void **state)
{
    static const struct {
        const char *a, *b;
    } same[] = {
        {"AcmeSync/2.3.1 (Linux x86_64)", "AcmeSync/2.4.0 (Linux x86_64)"},
        {"gitlab-runner 16.9.1 (16-9-stable; go1.21.7; linux/amd64)",
         "gitlab-runner 16.10.0 (16-10-stable; go1.22.1; linux/amd64)"},
        {"Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; "
         "en-US) PowerShell/7.4.1",
         "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; "
         "en-US) PowerShell/7.4.2"},
        {"acmesync/1.0", "ACMESYNC/1.1"},
        {"Reporter/3.1 build 7f3a9c2", "Reporter/3.2 build 1b44e0d"},
    };
    static const struct {
        const char *a, *b;
    } other[] = {
        {"AcmeSync/2.3.1 (Linux x86_64)", "jira-cli/1.4.0"},
        {"Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; "
         "en-US) PowerShell/7.4.1",
         "Mozilla/5.0 (Windows NT 10.0; Win64; x64) WindowsPowerShell/5.1"},
        {"Reporter/3.1", "Exporter/3.1"},
    };
    sg_device_t      a, b, d;
    sg_device_diff_t diff;
    char             enc[SG_DEVICE_ENCODED_MAX], ha[16], hb[16];
    size_t           i;
    int              n;

    (void) state;

    a = parse_ua("AcmeSync/2.3.1 (Linux x86_64)");
    assert_int_equal(a.family, SG_FAMILY_OTHER);
    assert_string_equal(a.client, "acmesync-linux");
    a = parse_ua("Mozilla/5.0 (Windows NT 10.0; Microsoft Windows "
                 "10.0.19045; en-US) PowerShell/7.4.1");
    assert_string_equal(a.client, "mozilla-windows-nt-microsoft-en-us-"
                                  "powershell");

    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        a = parse_ua(same[i].a);
        b = parse_ua(same[i].b);
        diff = sg_device_compare(&a, &b);
        if (diff.significance != 0 || strcmp(a.client, b.client) != 0) {
            fail_msg("\"%s\" -> \"%s\": %s -> %s, significance %u", same[i].a,
                     same[i].b, a.client, b.client, diff.significance);
        }
        assert_int_equal(sg_device_hash(&a, ha, sizeof(ha)),
                         SG_DEVICE_HASH_LEN);
        assert_int_equal(sg_device_hash(&b, hb, sizeof(hb)),
                         SG_DEVICE_HASH_LEN);
        assert_string_equal(ha, hb);
    }

    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        a = parse_ua(other[i].a);
        b = parse_ua(other[i].b);
        diff = sg_device_compare(&a, &b);
        if (!(diff.changed & SG_DEV_CHG_FAMILY) ||
            diff.significance < SG_DEV_SIG_FAMILY) {
            fail_msg("\"%s\" -> \"%s\": %s -> %s, significance %u", other[i].a,
                     other[i].b, a.client, b.client, diff.significance);
        }
        assert_int_equal(sg_device_hash(&a, ha, sizeof(ha)),
                         SG_DEVICE_HASH_LEN);
        assert_int_equal(sg_device_hash(&b, hb, sizeof(hb)),
                         SG_DEVICE_HASH_LEN);
        assert_string_not_equal(ha, hb);
    }

    /* Browsers and known tools have none: their family and version say
     * it, and their ids stay what they were. */
    a = parse_ua(UA_CHROME_WIN);
    assert_string_equal(a.client, "");
    a = parse_ua("curl/8.5.0");
    assert_string_equal(a.client, "");
    a = parse_ua("");
    assert_string_equal(a.client, "");
    /* nothing but versions: nothing to tell apart */
    a = parse_ua("1.0/2.0 (3)");
    assert_int_equal(a.family, SG_FAMILY_OTHER);
    assert_string_equal(a.client, "");

    /* Bounded, at a word's end, whatever the input. */
    a = parse_ua("alpha beta gamma delta epsilon zeta eta theta iota kappa "
                 "lambda mu");
    assert_true(strlen(a.client) <= SG_DEVICE_CLIENT_MAX);
    assert_string_equal(a.client,
                        "alpha-beta-gamma-delta-epsilon-zeta-eta-theta");
    a = parse_ua("averyveryveryveryveryveryveryveryveryverylongwordthatfits"
                 " tail");
    assert_string_equal(a.client, "");

    /* Stored and read back; the id names the client. */
    a = parse_ua("AcmeSync/2.3.1 (Linux x86_64)");
    n = sg_device_encode(&a, enc, sizeof(enc));
    assert_true(n > 0);
    assert_string_equal(enc, "d1:other:0:linux:0:-:00:-:acmesync-linux");
    assert_int_equal(sg_device_decode(enc, (size_t) n, &d), 0);
    assert_string_equal(d.client, "acmesync-linux");
    assert_int_equal(sg_device_compare(&a, &d).significance, 0);

    /* A record written before clients were kept (eight fields) reads, and
     * is compared on the rest only. */
    assert_int_equal(sg_device_decode("d1:other:0:linux:0:-:00:-", 25, &d), 0);
    assert_string_equal(d.client, "");
    assert_int_equal(sg_device_compare(&d, &a).significance, 0);
}


static void
test_names_and_null(void **state)
{
    sg_device_t d;

    (void) state;

    assert_string_equal(sg_family_name(SG_FAMILY_PYTHON_REQUESTS),
                        "python-requests");
    assert_string_equal(sg_family_name(SG_FAMILY_GO_HTTP), "go-http");
    assert_string_equal(sg_family_name(SG_FAMILY_NONE), "none");
    assert_null(sg_family_name(SG_FAMILY_COUNT));
    assert_string_equal(sg_os_name(SG_OS_CHROMEOS), "chromeos");
    assert_null(sg_os_name(SG_OS_COUNT));
    assert_true(sg_family_is_tool(SG_FAMILY_CURL));
    assert_true(sg_family_is_tool(SG_FAMILY_BOT));
    assert_false(sg_family_is_tool(SG_FAMILY_SAMSUNG));
    assert_false(sg_family_is_tool(SG_FAMILY_OTHER));

    assert_int_equal(sg_device_parse(NULL, &d), -1);
}


static void
test_input_sig(void **state)
{
    sg_device_input_t a, b;
    sg_str_t          names[3] = {sg_string("Host"), sg_string("User-Agent"),
                                  sg_string("Accept")};
    sg_str_t          other[3] = {sg_string("Host"), sg_string("Accept"),
                                  sg_string("User-Agent")};

    const uint8_t key[SG_FOLD_SEED_LEN] = {7, 1, 2, 3};
    const uint8_t key2[SG_FOLD_SEED_LEN] = {8, 1, 2, 3};

    (void) state;

    memset(&a, 0, sizeof(a));
    a.user_agent.data = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
    a.user_agent.len = strlen(a.user_agent.data);
    a.accept_language.data = "en";
    a.accept_language.len = 2;
    a.header_names = names;
    a.n_header_names = 3;
    b = a;

    /* Same inputs, same signature: the parse can be skipped. */
    assert_true(sg_device_input_sig(&a, key) == sg_device_input_sig(&b, key));

    /* Under another seed (another worker) the same input signs otherwise. */
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&a, key2));

    /* Any input the parse reads changes it. */
    b.accept_language.len = 1;
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&b, key));
    b = a;
    b.header_names = other;
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&b, key));
    b = a;
    b.n_header_names = 2;
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&b, key));
    b = a;
    b.user_agent.len--;
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&b, key));

    /* A value moved from one field to the next is not the same input. */
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.ch_ua.data = "x";
    a.ch_ua.len = 1;
    b.ch_ua_platform.data = "x";
    b.ch_ua_platform.len = 1;
    assert_true(sg_device_input_sig(&a, key) != sg_device_input_sig(&b, key));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_sig),
        cmocka_unit_test(test_browsers),
        cmocka_unit_test(test_tools_and_bots),
        cmocka_unit_test(test_client_hints),
        cmocka_unit_test(test_language),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_header_order),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_unknown_clients),
        cmocka_unit_test(test_names_and_null),
    };

    return cmocka_run_group_tests_name("sg_device", tests, NULL, NULL);
}

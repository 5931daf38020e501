/*
 * client_mismatch: a TLS stack that contradicts the browser the User-Agent
 * claims.  The browser of each reference capture is taken from where the
 * capture comes from (its name, the sites its connections go to, the labels
 * of the suite that published it), never from this code; every browser
 * capture with its browser's User-Agent must fit, and the captures of TLS
 * libraries and system services must not fit any browser's.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sg_client_claim.h"
#include "sg_device.h"
#include "sg_tls_fp.h"
#include "vectors.h"

#define UA_CHROME                                                           \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/124.0.0.0 Safari/537.36"
#define UA_EDGE                                                             \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
#define UA_FIREFOX_105                                                    \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:105.0) Gecko/20100101 " \
    "Firefox/105.0"
#define UA_FIREFOX \
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
#define UA_SAFARI                                                           \
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 " \
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
#define UA_CHROME_IOS                                               \
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "       \
    "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 " \
    "Mobile/15E148 Safari/604.1"
#define UA_FIREFOX_IOS                                                    \
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "             \
    "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 " \
    "Safari/605.1.15"


static sg_device_t
device_of(const char *ua)
{
    sg_device_input_t in;
    sg_device_t       d;

    memset(&in, 0, sizeof(in));
    in.user_agent.data = ua;
    in.user_agent.len = strlen(ua);
    assert_int_equal(sg_device_parse(&in, &d), 0);

    return d;
}


/*
 * The captures' browsers, by origin.  sni NULL: every HTTPS (port 443)
 * hello of the capture.  ws: the host is a WebSocket service (push and
 * chat gateways), for which Chrome offers http/1.1 only.
 */
typedef struct {
    const char *pcap;
    const char *sni;
    const char *ua;
    int         ws;
    const char *why;
} origin_t;

static const origin_t browsers[] = {
    {"chrome-cloudflare-quic-with-secrets.pcapng", NULL, UA_CHROME, 0,
     "Chrome, by the capture's name"},
    {"browsers-x509.pcapng", NULL, UA_EDGE, 0,
     "Edge: a browser capture opening with edge.microsoft.com"},
    {"http2-with-cookies.pcapng", NULL, UA_CHROME, 0,
     "a browser on youtube.com"},
    {"badcurveball.pcap", NULL, UA_CHROME, 0,
     "a browser on the CurveBall test site"},
    {"tls12.pcap", NULL, UA_FIREFOX_105, 0,
     "Firefox 105, as the JA4 suite labels this capture"},
    {"tls-handshake.pcapng", "lp-push-server-452.lastpass.com", UA_CHROME, 1,
     "a browser's WebSocket to LastPass' push server"},
    {"tls-handshake.pcapng", "gateway.facebook.com", UA_CHROME, 1,
     "a browser's WebSocket to Facebook's gateway"},
    {"tls-handshake.pcapng", "edge-chat.facebook.com", UA_CHROME, 1,
     "a browser's WebSocket to Facebook's chat"},
    {"tls-handshake.pcapng", NULL, UA_CHROME, 0,
     "a browser session: Google, Facebook, Microsoft, Apple sites"},
    {"tls-sni.pcapng", "lp-push-server-452.lastpass.com", UA_CHROME, 1,
     "a browser's WebSocket to LastPass' push server"},
    {"tls-sni.pcapng", "gateway.facebook.com", UA_CHROME, 1,
     "a browser's WebSocket to Facebook's gateway"},
    {"tls-sni.pcapng", "edge-chat.facebook.com", UA_CHROME, 1,
     "a browser's WebSocket to Facebook's chat"},
    {"tls-sni.pcapng", NULL, UA_CHROME, 0, "the same browser session"},
    {"tls3.pcapng", NULL, UA_CHROME, 0, "a browser session"},
    {"latest.pcapng", "pdx-col.eum-appdynamics.com", UA_EDGE, 0,
     "a page's monitoring beacon"},
    {"latest.pcapng", "app.slack.com", UA_EDGE, 0, "Slack in the browser"},
    {"latest.pcapng", "ping-edge.smartscreen.microsoft.com", UA_EDGE, 0,
     "Edge's SmartScreen"},
    {"latest.pcapng", "data-edge.smartscreen.microsoft.com", UA_EDGE, 0,
     "Edge's SmartScreen"},
    {"ssh2.pcapng", "www.bing.com", UA_EDGE, 0, "Bing in the browser"},
};

/* TLS libraries and system services, which no browser UA fits. */
static const origin_t libraries[] = {
    {"tls-alpn-h2.pcap", NULL, NULL, 0,
     "GnuTLS, as the JA4 suite labels this hello"},
    {"ipv6.pcapng", NULL, NULL, 0, "the same GnuTLS hello over IPv6"},
    {"ssh2.pcapng", "mcs2-cloudstation-eu-west-1.prod.hydra.sophos.com", NULL,
     0, "Sophos' endpoint agent"},
    {"ssh2.pcapng", "4.sophosxl.net", NULL, 0, "Sophos' lookups"},
    {"ssh2.pcapng", "self.events.data.microsoft.com", NULL, 0,
     "Windows telemetry"},
    {"ssh2.pcapng", "updates.opendns.com", NULL, 0, "OpenDNS' updater"},
    {"latest.pcapng", "discovery.cem.cloud.us", NULL, 0, "a management agent"},
    {"https3-301-get.pcap", NULL, NULL, 0, "a TLS 1.0 client of 2013"},
};


static int
record_is(const vec_t *v, const origin_t *o)
{
    char pcap[128], sni[256], transport[8];

    if (!jstr(v->line, "pcap", pcap, sizeof(pcap)) ||
        strcmp(pcap, o->pcap) != 0) {
        return 0;
    }

    if (!jstr(v->line, "transport", transport, sizeof(transport)) ||
        strcmp(transport, "tcp") != 0) {
        return 0;
    }

    if (jint(v->line, "dst_port") != 443) {
        return 0;
    }

    if (o->sni == NULL) {
        return 1;
    }

    return jstr(v->line, "sni", sni, sizeof(sni)) && strcmp(sni, o->sni) == 0;
}


/*
 * The facts against the record's own description of the hello (its meta
 * field, made by the data's authors): GREASE anywhere, and "h2" (hex 6832)
 * among the ALPN protocols.
 */
static void
check_facts(const vec_t *v, const sg_client_facts_t *f)
{
    const char *item[16];
    size_t      ilen[16];
    long        i, n;
    int         h2 = 0;

    if (!!(f->flags & SG_HELLO_GREASE) != jbool(v->line, "grease")) {
        fail_msg("%s: GREASE fact disagrees with meta", v->id);
    }

    n = jstr_array(v->line, "alpn_hex", item, ilen, 16);

    for (i = 0; i < n; i++) {
        h2 |= ilen[i] == 4 && memcmp(item[i], "6832", 4) == 0;
    }

    if (!!(f->flags & SG_HELLO_ALPN_H2) != h2) {
        fail_msg("%s: h2 fact disagrees with meta", v->id);
    }
}


/* The first origin row a record belongs to, or NULL. */
static const origin_t *
origin_of(const vec_t *v, const origin_t *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (record_is(v, &rows[i])) {
            return &rows[i];
        }
    }

    return NULL;
}


static void
test_browser_captures_fit(void **state)
{
    vecs_t          *vs;
    const origin_t  *o;
    sg_tls_fp_t     *fp;
    sg_device_t      d;
    size_t           i, n = 0, ws = 0, firefox = 0;
    unsigned         broken;
    static const int nb = sizeof(browsers) / sizeof(browsers[0]);

    vs = vecs_or_skip(state);
    fp = test_malloc(sizeof(*fp));

    for (i = 0; i < vs->n; i++) {
        o = origin_of(&vs->v[i], browsers, nb);
        if (o == NULL) {
            continue;
        }

        assert_int_equal(sg_tls_fp_compute(vs->v[i].msg, vs->v[i].len, fp),
                         SG_TLS_FP_OK);
        assert_true(fp->facts.flags & SG_HELLO_PARSED);
        check_facts(&vs->v[i], &fp->facts);

        d = device_of(o->ua);
        broken = sg_client_claim_check(&d, &fp->facts, o->ws);
        if (broken != 0) {
            fail_msg("%s (%s) with its browser's UA: rules 0x%x broken",
                     vs->v[i].id, o->why, broken);
        }

        n++;
        ws += o->ws;
        firefox += d.family == SG_FAMILY_FIREFOX;
    }

    /* the selection is what it says: dozens of Chromium hellos, the
     * WebSocket ones among them, and Firefox's */
    assert_true(n >= 90);
    assert_true(ws >= 4);
    assert_true(firefox >= 1);

    test_free(fp);
}


static void
test_library_captures_lie(void **state)
{
    static const char *const uas[] = {UA_CHROME, UA_EDGE, UA_FIREFOX,
                                      UA_SAFARI};
    vecs_t                  *vs;
    const origin_t          *o;
    sg_tls_fp_t             *fp;
    sg_device_t              d;
    size_t                   i, k, n = 0;
    static const int         nl = sizeof(libraries) / sizeof(libraries[0]);

    vs = vecs_or_skip(state);
    fp = test_malloc(sizeof(*fp));

    for (i = 0; i < vs->n; i++) {
        o = origin_of(&vs->v[i], libraries, nl);
        if (o == NULL) {
            continue;
        }

        assert_int_equal(sg_tls_fp_compute(vs->v[i].msg, vs->v[i].len, fp),
                         SG_TLS_FP_OK);
        check_facts(&vs->v[i], &fp->facts);

        for (k = 0; k < sizeof(uas) / sizeof(uas[0]); k++) {
            d = device_of(uas[k]);
            if (sg_client_claim_check(&d, &fp->facts, 0) == 0) {
                fail_msg("%s (%s) passes for %s", vs->v[i].id, o->why,
                         sg_family_name(d.family));
            }
        }

        n++;
    }

    assert_true(n >= 8);

    test_free(fp);
}


/* Each rule on its own, with hand-made facts. */
static void
test_rules(void **state)
{
    sg_client_facts_t chrome = {SG_HELLO_PARSED | SG_HELLO_GREASE |
                                SG_HELLO_ALPN_H2 | SG_HELLO_TLS13};
    sg_client_facts_t firefox = {SG_HELLO_PARSED | SG_HELLO_ALPN_H2 |
                                 SG_HELLO_TLS13 | SG_HELLO_RECORD_LIMIT};
    sg_client_facts_t openssl = {SG_HELLO_PARSED | SG_HELLO_ALPN_H2 |
                                 SG_HELLO_TLS13 | SG_HELLO_ETM};
    sg_client_facts_t go = {SG_HELLO_PARSED | SG_HELLO_ALPN_H2 |
                            SG_HELLO_TLS13};
    sg_client_facts_t f;
    sg_device_t       d;

    (void) state;

    d = device_of(UA_CHROME);
    assert_int_equal(sg_client_stack(&d), SG_STACK_CHROMIUM);
    assert_int_equal(sg_client_claim_check(&d, &chrome, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &go, 0), SG_CLAIM_NO_GREASE);
    assert_int_equal(sg_client_claim_check(&d, &openssl, 0),
                     SG_CLAIM_NO_GREASE | SG_CLAIM_LIBRARY_EXT);
    f = chrome;
    f.flags &= ~SG_HELLO_ALPN_H2;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), SG_CLAIM_NO_H2);
    /* a WebSocket: http/1.1 only is what Chrome sends */
    assert_int_equal(sg_client_claim_check(&d, &f, 1), 0);
    f = chrome;
    f.flags &= ~SG_HELLO_TLS13;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), SG_CLAIM_NO_TLS13);
    /* ... which an old Chrome did not offer */
    d.major = 69;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), 0);

    d = device_of(UA_FIREFOX);
    assert_int_equal(sg_client_stack(&d), SG_STACK_GECKO);
    assert_int_equal(sg_client_claim_check(&d, &firefox, 0), 0);
    /* Firefox sends no GREASE: having it or not says nothing */
    f = firefox;
    f.flags |= SG_HELLO_GREASE;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &go, 0),
                     SG_CLAIM_NO_RECORD_LIMIT);
    assert_int_equal(sg_client_claim_check(&d, &openssl, 0),
                     SG_CLAIM_NO_RECORD_LIMIT | SG_CLAIM_LIBRARY_EXT);
    d.major = 64;
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);

    /* Apple's stack: only the rules every browser keeps (no capture
     * shows what else it always sends) */
    d = device_of(UA_SAFARI);
    assert_int_equal(sg_client_stack(&d), SG_STACK_APPLE);
    assert_int_equal(sg_client_claim_check(&d, &chrome, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &openssl, 0),
                     SG_CLAIM_LIBRARY_EXT);
    f = go;
    f.flags &= ~SG_HELLO_TLS13;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), SG_CLAIM_NO_TLS13);

    /* On iOS, Chrome and Firefox are WebKit: Apple's stack, no
     * record_size_limit to expect, whatever the app's version. */
    d = device_of(UA_FIREFOX_IOS);
    assert_int_equal(d.family, SG_FAMILY_FIREFOX);
    assert_int_equal(sg_client_stack(&d), SG_STACK_APPLE);
    assert_int_equal(sg_client_claim_check(&d, &chrome, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);
    assert_int_equal(sg_client_claim_check(&d, &openssl, 0),
                     SG_CLAIM_LIBRARY_EXT);
    d = device_of(UA_CHROME_IOS);
    assert_int_equal(sg_client_stack(&d), SG_STACK_APPLE);
    f = chrome;
    f.flags &= ~SG_HELLO_TLS13;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), 0);

    /* Tools, bots and unrecognised clients claim no browser; nothing is
     * judged without a parsed hello. */
    d = device_of("curl/8.5.0");
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);
    d = device_of("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) HeadlessChrome/124.0.0.0 "
                  "Safari/537.36");
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);
    d = device_of("AcmeSync/2.3.1");
    assert_int_equal(sg_client_claim_check(&d, &go, 0), 0);
    d = device_of(UA_CHROME);
    assert_int_equal(sg_client_claim_check(&d, NULL, 0), 0);
    f.flags = 0;
    assert_int_equal(sg_client_claim_check(&d, &f, 0), 0);
    assert_int_equal(sg_client_claim_check(NULL, &go, 0), 0);

    sg_client_facts(NULL, &f);
    assert_int_equal(f.flags, 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test_setup_teardown(test_browser_captures_fit, vecs_setup,
                                        vecs_teardown),
        cmocka_unit_test_setup_teardown(test_library_captures_lie, vecs_setup,
                                        vecs_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

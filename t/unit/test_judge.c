/*
 * Judging a request against its session's binding: which reasons fire and
 * how the verdict follows.  Devices are parsed from real User-Agent strings;
 * the policy is the documented default unless a test says otherwise.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sg_judge.h"

#define UA_CHROME_124_WIN                                                   \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/124.0.0.0 Safari/537.36"
#define UA_CHROME_125_WIN                                                   \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, " \
    "like Gecko) Chrome/125.0.0.0 Safari/537.36"
#define UA_CURL "curl/7.88.1"

#define NOW 1800000000


static sg_device_t
device_of(const char *ua, const char *lang)
{
    sg_device_input_t in;
    sg_device_t       d;

    memset(&in, 0, sizeof(in));
    in.user_agent.data = ua;
    in.user_agent.len = strlen(ua);
    in.accept_language.data = lang;
    in.accept_language.len = strlen(lang);

    assert_int_equal(sg_device_parse(&in, &d), 0);

    return d;
}


static sg_session_bound_t
bound_to(const sg_device_t *d, const char *tls, int64_t last_match,
         int64_t last_mismatch)
{
    sg_session_bound_t b;

    memset(&b, 0, sizeof(b));
    b.state = SG_SESSION_SEEN;
    assert_true(sg_device_encode(d, b.device, sizeof(b.device)) > 0);
    strcpy(b.tls, tls);
    b.last_match = last_match;
    b.last_mismatch = last_mismatch;

    return b;
}


static sg_judgement_t
judge(const sg_session_bound_t *b, const sg_device_t *d, const char *tls,
      uint32_t place)
{
    sg_policy_t      policy;
    sg_observation_t obs;
    sg_judgement_t   j;

    sg_policy_init_defaults(&policy);
    memset(&obs, 0, sizeof(obs));

    obs.device = d;
    obs.tls = tls;
    obs.now = NOW;
    obs.window = SG_CONCURRENT_WINDOW;
    obs.place = place;

    sg_judge(&policy, b, &obs, &j);

    return j;
}


static void
test_same_device_is_ok(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en-US,en;q=0.9");
    sg_session_bound_t b = bound_to(&d, "s1_aaaa", NOW - 3600, 0);
    sg_judgement_t     j = judge(&b, &d, "s1_aaaa", 0);

    (void) state;

    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_OK);
    assert_true(j.matched);
}


static void
test_stolen_cookie_from_curl(void **state)
{
    sg_device_t        victim = device_of(UA_CHROME_124_WIN, "en-US");
    sg_device_t        thief = device_of(UA_CURL, "");
    sg_session_bound_t b = bound_to(&victim, "s1_aaaa", NOW - 3600, 0);
    sg_judgement_t     j = judge(&b, &thief, "s1_bbbb", 0);

    (void) state;

    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_TLS_CHANGED));
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_CONCURRENT_USE));
    assert_false(j.matched);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);
}


static void
test_tls_only_change_scores_less(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_device_t        other = device_of(UA_CURL, "");
    sg_session_bound_t b = bound_to(&d, "s1_aaaa", NOW - 3600, 0);
    sg_judgement_t     tls_only = judge(&b, &d, "s1_bbbb", 0);
    sg_judgement_t     both = judge(&b, &other, "s1_bbbb", 0);

    (void) state;

    assert_int_equal(tls_only.reasons, SG_REASON_BIT(SG_REASON_TLS_CHANGED));
    assert_true(tls_only.score < both.score);
    assert_int_not_equal(tls_only.verdict, SG_VERDICT_OK);
}


static void
test_browser_update_is_ok(void **state)
{
    sg_device_t        d124 = device_of(UA_CHROME_124_WIN, "en");
    sg_device_t        d125 = device_of(UA_CHROME_125_WIN, "en");
    sg_session_bound_t b = bound_to(&d124, "s1_aaaa", NOW - 3600, 0);
    sg_judgement_t     j = judge(&b, &d125, "s1_aaaa", 0);

    (void) state;

    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
    assert_int_equal(j.verdict, SG_VERDICT_OK);
}


static void
test_language_change(void **state)
{
    sg_device_t        en = device_of(UA_CHROME_124_WIN, "en-US");
    sg_device_t        ko = device_of(UA_CHROME_124_WIN, "ko-KR");
    sg_session_bound_t b = bound_to(&en, "s1_aaaa", NOW - 3600, 0);
    sg_judgement_t     j = judge(&b, &ko, "s1_aaaa", 0);

    (void) state;

    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_LANG_CHANGED));
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
}


static void
test_concurrent_use_both_ways(void **state)
{
    sg_device_t        victim = device_of(UA_CHROME_124_WIN, "en");
    sg_device_t        thief = device_of(UA_CURL, "");
    sg_session_bound_t recent_victim = bound_to(&victim, "s1_a", NOW - 60, 0);
    sg_session_bound_t old_victim = bound_to(&victim, "s1_a", NOW - 3600, 0);
    sg_session_bound_t recent_thief =
        bound_to(&victim, "s1_a", NOW - 3600, NOW - 30);
    sg_judgement_t j;

    (void) state;

    /* The thief, a minute after the victim. */
    j = judge(&recent_victim, &thief, "s1_b", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_CONCURRENT_USE));

    /* The thief, an hour after: not concurrent. */
    j = judge(&old_victim, &thief, "s1_b", 0);
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_CONCURRENT_USE));

    /* The victim, half a minute after the thief. */
    j = judge(&recent_thief, &victim, "s1_a", 0);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_CONCURRENT_USE));
    assert_true(j.matched);
    assert_int_not_equal(j.verdict, SG_VERDICT_OK);
}


static void
test_weak_change_is_not_another_device(void **state)
{
    sg_device_input_t  in;
    sg_device_t        nav, fetch;
    sg_session_bound_t b;
    sg_judgement_t     j;
    const sg_str_t     nav_order[] = {
            {"Host", 4}, {"User-Agent", 10}, {"Accept", 6}, {"Cookie", 6}};
    const sg_str_t other_order[] = {
        {"Host", 4}, {"Cookie", 6}, {"Accept", 6}, {"User-Agent", 10}};

    (void) state;

    memset(&in, 0, sizeof(in));
    in.user_agent.data = UA_CHROME_124_WIN;
    in.user_agent.len = strlen(UA_CHROME_124_WIN);
    in.header_names = nav_order;
    in.n_header_names = 4;
    assert_int_equal(sg_device_parse(&in, &nav), 0);
    in.header_names = other_order;
    assert_int_equal(sg_device_parse(&in, &fetch), 0);

    /* The bound browser was active a minute ago; the same browser with its
     * headers in another order is a weak device change, not a second
     * machine, so not concurrent use. */
    b = bound_to(&nav, "s1_a", NOW - 60, 0);
    j = judge(&b, &fetch, "s1_a", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_CONCURRENT_USE));
    assert_true(j.matched);
    assert_int_equal(j.verdict, SG_VERDICT_OK);
}


static void
test_first_sight(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_session_bound_t b;
    sg_judgement_t     j;

    (void) state;

    memset(&b, 0, sizeof(b));
    b.state = SG_SESSION_FIRST_SIGHT;

    j = judge(&b, &d, "s1_a", 0);
    assert_int_equal(j.verdict, SG_VERDICT_NEW);

    /* A denied country blocks even at first sight. */
    j = judge(&b, &d, "s1_a", SG_REASON_BIT(SG_REASON_DENIED_COUNTRY));
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);
}


static void
test_damaged_binding(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_session_bound_t b = bound_to(&d, "s1_a", NOW - 3600, 0);
    sg_judgement_t     j;

    (void) state;

    strcpy(b.device, "garbage");
    j = judge(&b, &d, "s1_a", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
}


static void
test_missing_tls(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_device_t        curl = device_of(UA_CURL, "");
    sg_session_bound_t b = bound_to(&d, "s1_a", NOW - 3600, 0);
    sg_judgement_t     j;

    (void) state;

    /* Bound with a signature, seen without one (plain HTTP, a hello too big
     * or malformed to fingerprint): the victim's headers alone must not
     * pass as the bound device. */
    j = judge(&b, &d, "", 0);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_TLS_MISSING));
    assert_int_equal(j.score, 40);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
    assert_false(j.matched);

    /* ...as much as another TLS stack would weigh. */
    j = judge(&b, &d, "s1_b", 0);
    assert_int_equal(j.score, 40);

    /* Both layers missing or changed: the bonus, as for tls_changed. */
    j = judge(&b, &curl, "", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_TLS_MISSING));
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED));
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);

    /* A session bound over plain HTTP has nothing to miss. */
    b = bound_to(&d, "", NOW - 3600, 0);
    j = judge(&b, &d, "", 0);
    assert_int_equal(j.reasons, 0);
    j = judge(&b, &d, "s1_a", 0);
    assert_int_equal(j.reasons, 0);

    /* A stored signature that did not read is a changed one, never none. */
    b = bound_to(&d, "", NOW - 3600, 0);
    b.tls_damaged = 1;
    j = judge(&b, &d, "s1_a", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_TLS_CHANGED));
    j = judge(&b, &d, "", 0);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_TLS_CHANGED));
}


static void
test_binding_expired(void **state)
{
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_session_bound_t b;
    sg_judgement_t     j;

    (void) state;

    /* With binding at issuance, a cookie with no binding was never seen
     * issued, or its binding lapsed: not "new", but scored. */
    memset(&b, 0, sizeof(b));
    b.state = SG_SESSION_FIRST_SIGHT;
    b.provisional = 1;

    j = judge(&b, &d, "s1_a", 0);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_BINDING_EXPIRED));
    assert_int_equal(j.score, 40);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* Every later request on the provisional record carries it, from the
     * same device too: nothing vouches for the session. */
    b = bound_to(&d, "s1_a", NOW - 60, 0);
    b.provisional = 1;
    j = judge(&b, &d, "s1_a", 0);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_BINDING_EXPIRED));
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* Without issuance (trust on first use) a first sight stays "new". */
    memset(&b, 0, sizeof(b));
    b.state = SG_SESSION_FIRST_SIGHT;
    b.recorded = 1;
    j = judge(&b, &d, "s1_a", 0);
    assert_int_equal(j.verdict, SG_VERDICT_NEW);
    assert_int_equal(j.reasons, 0);
}


static sg_place_t
place_at(const char *cc, uint32_t asn, double lat, double lon, int64_t t)
{
    sg_place_t p;

    memset(&p, 0, sizeof(p));
    memcpy(p.country, cc, 2);
    p.asn = asn;
    p.lat = lat;
    p.lon = lon;
    p.accuracy_km = 10;
    p.have_location = 1;
    p.time = t;

    return p;
}


static void
test_revoked(void **state)
{
    sg_policy_t        policy;
    sg_observation_t   obs;
    sg_session_bound_t b;
    sg_judgement_t     j;
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");

    (void) state;

    memset(&b, 0, sizeof(b));
    memset(&obs, 0, sizeof(obs));
    b.state = SG_SESSION_REVOKED;
    obs.device = &d;
    obs.tls = "s1_a";
    obs.now = NOW;
    sg_policy_init_defaults(&policy);

    /* Dead for everyone, the owner included: blocked where blocking is on,
     * tagged in monitor mode. */
    sg_judge(&policy, &b, &obs, &j);
    assert_true(j.revoked);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);
    assert_int_equal(j.reasons, 0);

    policy.block = SG_THRESHOLD_OFF;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
    assert_false(j.moves_place);
}


static void
test_place_and_write_back(void **state)
{
    sg_policy_t        policy;
    sg_place_policy_t  travel;
    sg_observation_t   obs;
    sg_session_bound_t b;
    sg_judgement_t     j;
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en");
    sg_place_t         ny = place_at("US", 64496, 40.71, -74.01, NOW - 600);
    sg_place_t         sto = place_at("SE", 64504, 59.33, 18.07, NOW);
    sg_place_t         nwk = place_at("US", 64496, 40.73, -74.17, NOW);

    (void) state;

    sg_policy_init_defaults(&policy);
    sg_place_policy_init_defaults(&travel);
    b = bound_to(&d, "s1_a", NOW - 600, 0);
    b.have_bound_place = 1;
    b.bound_place = ny;
    b.have_last_place = 1;
    b.last_place = ny;
    b.last_place.country_since = NOW - 3600;

    memset(&obs, 0, sizeof(obs));
    obs.device = &d;
    obs.tls = "s1_a";
    obs.now = NOW;
    obs.window = SG_CONCURRENT_WINDOW;
    obs.travel = &travel;

    /* New York, then Stockholm ten minutes later. */
    obs.where = &sto;
    sg_judge(&policy, &b, &obs, &j);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_IMPOSSIBLE_TRAVEL));
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_COUNTRY_CHANGED));
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_ASN_CHANGED));
    assert_int_not_equal(j.verdict, SG_VERDICT_OK);
    /* ...and the thief's place does not become the session's trail. */
    assert_false(j.moves_place);

    /* Newark: near, same network; ok, and the session moves there, keeping
     * the time it entered the country. */
    obs.where = &nwk;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_OK);
    assert_true(j.moves_place);
    assert_true(j.last_place.lat > 40.72 && j.last_place.lat < 40.74);
    assert_int_equal(j.last_place.country_since, NOW - 3600);

    /* Without a place (trusted network, no database) nothing moves. */
    obs.where = NULL;
    sg_judge(&policy, &b, &obs, &j);
    assert_false(j.moves_place);
}


static void
test_density(void **state)
{
    sg_policy_t         policy;
    sg_observation_t    obs;
    sg_session_bound_t  b;
    sg_judgement_t      j;
    sg_density_policy_t dp = {3, 20, SG_DENSITY_NET_FACTOR};
    sg_density_counts_t ip = {1, 4, 1, 3}, net = {1, 4, 1, 4};
    sg_device_t         d = device_of(UA_CHROME_124_WIN, "en");

    (void) state;

    sg_policy_init_defaults(&policy);
    b = bound_to(&d, "s1_a", NOW - 60, 0);

    memset(&obs, 0, sizeof(obs));
    obs.device = &d;
    obs.tls = "s1_a";
    obs.now = NOW;
    obs.ip_counts = &ip;
    obs.net_counts = &net;
    obs.density = &dp;

    /* The fourth user of one address: a real session counts itself. */
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_FARM_DENSITY));

    /* A provisional one (made up, never issued) is judged without itself. */
    b.provisional = 1;
    sg_judge(&policy, &b, &obs, &j);
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_FARM_DENSITY));
    b.provisional = 0;

    /* A network holds households: four times the address thresholds. */
    ip.users = ip.users_without = 1;
    net.users = 12;
    sg_judge(&policy, &b, &obs, &j);
    assert_false(j.reasons & SG_REASON_BIT(SG_REASON_FARM_DENSITY));
    net.users = 13;
    sg_judge(&policy, &b, &obs, &j);
    assert_true(j.reasons & SG_REASON_BIT(SG_REASON_FARM_DENSITY));

    /* Not counted at all: no reason. */
    obs.density = NULL;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);

    assert_true(sg_density_counted(SG_IP_RESIDENTIAL));
    assert_true(sg_density_counted(SG_IP_UNKNOWN));
    assert_false(sg_density_counted(SG_IP_CELLULAR));
    assert_false(sg_density_counted(SG_IP_BUSINESS));
    /* anonymiser exits are counted: a farm behind one VPN exit */
    assert_true(sg_density_counted(SG_IP_VPN));
    assert_true(sg_density_counted(SG_IP_PROXY));
    assert_true(sg_density_counted(SG_IP_HOSTING));
    assert_true(sg_density_counted(SG_IP_TOR));
}


/*
 * client_mismatch: a Chrome User-Agent over a hello without GREASE (what
 * Go's or OpenSSL's stack sends), on a first sight as on a known session;
 * the real Chrome's hello and a trusted address stay silent.
 */
static void
test_client_mismatch(void **state)
{
    sg_client_facts_t  chrome = {SG_HELLO_PARSED | SG_HELLO_GREASE |
                                 SG_HELLO_ALPN_H2 | SG_HELLO_TLS13};
    sg_client_facts_t  script = {SG_HELLO_PARSED | SG_HELLO_ALPN_H2 |
                                 SG_HELLO_TLS13};
    sg_device_t        d = device_of(UA_CHROME_124_WIN, "en-US");
    sg_session_bound_t b;
    sg_policy_t        policy;
    sg_observation_t   obs;
    sg_judgement_t     j;

    (void) state;

    sg_policy_init_defaults(&policy);
    policy.block = SG_THRESHOLD_OFF;
    memset(&obs, 0, sizeof(obs));
    obs.device = &d;
    obs.tls = "tls-a";
    obs.now = NOW;
    obs.window = SG_CONCURRENT_WINDOW;

    memset(&b, 0, sizeof(b));
    b.state = SG_SESSION_FIRST_SIGHT;

    obs.hello = &script;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH));
    assert_int_equal(j.score, 60);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    obs.hello = &chrome;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_NEW);

    /* a known session, bound to the same liar: it stands on every request */
    b = bound_to(&d, "tls-a", NOW - 60, 0);
    obs.hello = &script;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH));
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* behind the corporate egress a TLS-inspecting proxy speaks for all */
    obs.trusted = 1;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_OK);

    /* no hello to judge (HTTP/3, an edge's JA4): nothing */
    obs.trusted = 0;
    obs.hello = NULL;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);

    /* a WebSocket over http/1.1 only is what Chrome does */
    chrome.flags &= ~SG_HELLO_ALPN_H2;
    obs.hello = &chrome;
    obs.websocket = 1;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, 0);
    obs.websocket = 0;
    sg_judge(&policy, &b, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH));
}


/* A login judged at issuance: its place, its client, its address's
 * density with this login counted. */
static void
test_issuance(void **state)
{
    sg_client_facts_t   script = {SG_HELLO_PARSED | SG_HELLO_ALPN_H2 |
                                  SG_HELLO_TLS13 | SG_HELLO_ETM};
    sg_device_t         d = device_of(UA_CHROME_124_WIN, "en-US");
    sg_density_counts_t ip = {0, 0, 0, 0}, net = {0, 0, 0, 0};
    sg_density_policy_t dp = {3, 20, SG_DENSITY_NET_FACTOR};
    sg_policy_t         policy;
    sg_observation_t    obs;
    sg_judgement_t      j;

    (void) state;

    sg_policy_init_defaults(&policy);
    memset(&obs, 0, sizeof(obs));
    obs.device = &d;
    obs.tls = "tls-a";
    obs.now = NOW;

    /* a clean login: new */
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, 0);
    assert_int_equal(j.verdict, SG_VERDICT_NEW);

    /* from a denied country: blocked before the cookie leaves */
    obs.place = SG_REASON_BIT(SG_REASON_DENIED_COUNTRY);
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);
    assert_int_equal(j.score, 100);

    /* from a VPN or hosting exit: tagged (monitor) */
    obs.place = SG_REASON_BIT(SG_REASON_VPN_IP);
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
    obs.place = SG_REASON_BIT(SG_REASON_HOSTING_IP);
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.verdict, SG_VERDICT_TAG);

    /* a script with a browser's User-Agent: tagged; behind a VPN, blocked */
    obs.place = 0;
    obs.hello = &script;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH));
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
    obs.place = SG_REASON_BIT(SG_REASON_VPN_IP);
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.verdict, SG_VERDICT_BLOCK);
    obs.hello = NULL;
    obs.place = 0;

    /* Density, this login counted: the fifth account behind one home
     * address (four users already) is a farm... */
    obs.ip_counts = &ip;
    obs.net_counts = &net;
    obs.density = &dp;
    ip.users_without = ip.users = 4;
    ip.sessions_without = ip.sessions = 4;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_FARM_DENSITY));
    assert_int_equal(j.verdict, SG_VERDICT_TAG);
    /* ...a household of three logging in again is not (the user is named
     * only by the response: not counted as a new one) */
    ip.users_without = ip.users = 3;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, 0);
    /* and the login is one more session: the twenty-first is a farm */
    ip.sessions_without = ip.sessions = 20;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_FARM_DENSITY));
    ip.sessions_without = ip.sessions = 19;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, 0);
    /* the network, four times as many */
    net.sessions_without = net.sessions = 80;
    sg_judge_issuance(&policy, &obs, &j);
    assert_int_equal(j.reasons, SG_REASON_BIT(SG_REASON_FARM_DENSITY));
}


static void
test_worse(void **state)
{
    sg_judgement_t a, b;

    (void) state;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));

    a.verdict = SG_VERDICT_TAG;
    a.score = 40;
    b.verdict = SG_VERDICT_OK;
    b.score = 20;
    assert_true(sg_judgement_worse(&a, &b));
    assert_false(sg_judgement_worse(&b, &a));

    /* "new" (nobody vouches for it) is worse than "ok" */
    b.verdict = SG_VERDICT_NEW;
    a.verdict = SG_VERDICT_OK;
    a.score = 30;
    b.score = 0;
    assert_true(sg_judgement_worse(&b, &a));

    /* same verdict: the higher score */
    a.verdict = b.verdict = SG_VERDICT_BLOCK;
    a.score = 100;
    b.score = 170;
    assert_true(sg_judgement_worse(&b, &a));

    /* revoked beats everything */
    a.revoked = 1;
    a.verdict = SG_VERDICT_TAG;
    assert_true(sg_judgement_worse(&a, &b));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_device_is_ok),
        cmocka_unit_test(test_stolen_cookie_from_curl),
        cmocka_unit_test(test_tls_only_change_scores_less),
        cmocka_unit_test(test_browser_update_is_ok),
        cmocka_unit_test(test_language_change),
        cmocka_unit_test(test_concurrent_use_both_ways),
        cmocka_unit_test(test_weak_change_is_not_another_device),
        cmocka_unit_test(test_first_sight),
        cmocka_unit_test(test_damaged_binding),
        cmocka_unit_test(test_missing_tls),
        cmocka_unit_test(test_binding_expired),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_place_and_write_back),
        cmocka_unit_test(test_density),
        cmocka_unit_test(test_client_mismatch),
        cmocka_unit_test(test_issuance),
        cmocka_unit_test(test_worse),
    };

    return cmocka_run_group_tests_name("judge", tests, NULL, NULL);
}

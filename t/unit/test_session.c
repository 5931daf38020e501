/*
 * Keyed hashing of session ids and the session record codec.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "reply_strings.h"

#include "sg_keyed_hash.h"
#include "sg_session.h"

/* The replies as strings, the way hash fields come back; typed replies
 * (integers, nil) have a test of their own. */
static int
parse(size_t n, const char *const *v, const size_t *lens,
      sg_session_bound_t *out)
{
    sg_reply_elt_t e[REPLY_STRINGS_MAX];

    return (int) sg_session_parse_reply(reply_strings(n, v, lens, e), e, out);
}


/* RFC 4231, test cases 1 and 2: HMAC-SHA-256, first 16 bytes in hex. */
static void
test_session_key_rfc4231(void **state)
{
    uint8_t key1[20];
    char    out[SG_SESSION_KEY_LEN + 1];

    (void) state;

    memset(key1, 0x0b, sizeof(key1));

    assert_int_equal(sg_session_key(key1, sizeof(key1),
                                    (const uint8_t *) "Hi There", 8, out),
                     SG_KEYED_HASH_OK);
    assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b");

    assert_int_equal(
        sg_session_key((const uint8_t *) "Jefe", 4,
                       (const uint8_t *) "what do ya want for nothing?", 28,
                       out),
        SG_KEYED_HASH_OK);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7");
}


static void
test_session_key_long_key(void **state)
{
    uint8_t     key[131];
    char        out[SG_SESSION_KEY_LEN + 1];
    const char *data7 =
        "This is a test using a larger than block-size key and a larger "
        "than block-size data. The key needs to be hashed before being used "
        "by the HMAC algorithm.";

    (void) state;

    /* RFC 4231 test cases 6 and 7: a key longer than a block is hashed
     * first, data longer than a block takes several rounds. */
    memset(key, 0xaa, sizeof(key));

    assert_int_equal(
        sg_session_key(key, sizeof(key),
                       (const uint8_t *) "Test Using Larger Than Block-Size "
                                         "Key - Hash Key First",
                       54, out),
        SG_KEYED_HASH_OK);
    assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f");

    assert_int_equal(sg_session_key(key, sizeof(key), (const uint8_t *) data7,
                                    strlen(data7), out),
                     SG_KEYED_HASH_OK);
    assert_string_equal(out, "9b09ffa71b942fcb27635fbcd5b0e944");
}


static void
test_keyed_hash_against_libcrypto(void **state)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t           key[SG_SECRET_MAX_LEN], msg[300], md[64];
    unsigned int      md_len, seed = 12345;
    char              ours[SG_SESSION_KEY_LEN + 1], theirs[65];
    size_t            klen, mlen, i;
    sg_keyed_hash_t   k;

    (void) state;

    /* Every key length the module accepts and message lengths around the
     * block and padding boundaries, against an independent HMAC. */
    for (klen = SG_SECRET_MIN_LEN; klen <= SG_SECRET_MAX_LEN; klen += 7) {
        for (i = 0; i < klen; i++) {
            seed = seed * 1103515245 + 12345;
            key[i] = (uint8_t) (seed >> 16);
        }

        assert_int_equal(sg_keyed_hash_init(&k, key, klen), SG_KEYED_HASH_OK);

        /* On a CPU with SHA instructions, every other key takes the portable
         * compression instead: both are held to libcrypto. */
        if (klen % 2) {
            k.ni = 0;
        }

        for (mlen = 0; mlen < sizeof(msg); mlen += (mlen < 130 ? 1 : 17)) {
            for (i = 0; i < mlen; i++) {
                seed = seed * 1103515245 + 12345;
                msg[i] = (uint8_t) (seed >> 16);
            }

            assert_non_null(
                HMAC(EVP_sha256(), key, (int) klen, msg, mlen, md, &md_len));
            for (i = 0; i < SG_SESSION_KEY_LEN / 2; i++) {
                theirs[2 * i] = hex[md[i] >> 4];
                theirs[2 * i + 1] = hex[md[i] & 0x0f];
            }
            theirs[SG_SESSION_KEY_LEN] = '\0';

            assert_int_equal(sg_keyed_hash(&k, msg, mlen, ours),
                             SG_KEYED_HASH_OK);
            assert_string_equal(ours, theirs);
        }
    }

    /* An unprepared key hashes nothing. */
    memset(&k, 0, sizeof(k));
    assert_int_equal(sg_keyed_hash(&k, msg, 1, ours), SG_KEYED_HASH_EMPTY_KEY);
}


static void
test_session_key_empty_key(void **state)
{
    char out[SG_SESSION_KEY_LEN + 1];

    (void) state;

    assert_int_equal(
        sg_session_key((const uint8_t *) "", 0, (const uint8_t *) "x", 1, out),
        SG_KEYED_HASH_EMPTY_KEY);
}


static void
test_key_name(void **state)
{
    char buf[64];

    (void) state;

    assert_int_equal(sg_session_key_name(buf, sizeof(buf), "sg:", 3, "abc", 3),
                     10);
    assert_string_equal(buf, "sg:{abc}:s");

    /* Exactly enough room for the name and its NUL, then one byte less. */
    assert_int_equal(sg_session_key_name(buf, 11, "sg:", 3, "abc", 3), 10);
    assert_int_equal(sg_session_key_name(buf, 10, "sg:", 3, "abc", 3), -1);
}


static void
fill_lens(const char **v, size_t *len, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        len[i] = strlen(v[i]);
    }
}


static void
test_parse_reply(void **state)
{
    sg_session_bound_t b;
    const char        *one[] = {"2"};
    size_t             one_len[] = {1};
    const char        *first[] = {"0", "1", "0"};
    size_t             first_len[] = {1, 1, 1};
    const char        *seen[] = {"1",
                                 "d1:chrome:124:windows:0:en:0f:",
                                 "s1_abc",
                                 "192.0.2.1",
                                 "1700000000",
                                 "42",
                                 "1699999000",
                                 "0",
                                 "alice",
                                 "1699990000",
                                 "US:64496:4071:-7401:10:0:1699990000",
                                 "SE:64510:5933:1807:20:0:1700000000",
                                 "",
                                 "; Path=/app; Domain=example.com; Secure"};
    size_t             seen_len[14];

    (void) state;

    fill_lens(seen, seen_len, 14);

    /* A first sight says whether a record was made, and whether it is
     * provisional (binding at issuance, a cookie never seen issued). */
    assert_int_equal(parse(3, first, first_len, &b), SG_SESSION_OK);
    assert_int_equal(b.state, SG_SESSION_FIRST_SIGHT);
    assert_true(b.recorded);
    assert_false(b.provisional);

    first[1] = "0";
    first[2] = "1";
    assert_int_equal(parse(3, first, first_len, &b), SG_SESSION_OK);
    assert_false(b.recorded);
    assert_true(b.provisional);

    first[2] = "2";
    assert_int_equal(parse(3, first, first_len, &b), SG_SESSION_BAD_REPLY);
    /* the old one-element first sight is no reply of this script */
    one[0] = "0";
    assert_int_equal(parse(1, one, one_len, &b), SG_SESSION_BAD_REPLY);

    one[0] = "2";
    assert_int_equal(parse(1, one, one_len, &b), SG_SESSION_OK);
    assert_int_equal(b.state, SG_SESSION_DONE);

    one[0] = "3";
    assert_int_equal(parse(1, one, one_len, &b), SG_SESSION_OK);
    assert_int_equal(b.state, SG_SESSION_REVOKED);

    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_int_equal(b.state, SG_SESSION_SEEN);
    assert_true(b.have_bound_place);
    assert_true(b.have_last_place);
    assert_string_equal(b.bound_place.country, "US");
    assert_int_equal(b.bound_place.asn, 64496);
    assert_true(b.bound_place.lat > 40.70 && b.bound_place.lat < 40.72);
    assert_true(b.bound_place.lon < -74.00 && b.bound_place.lon > -74.02);
    assert_int_equal(b.bound_place.time, 1699990000);
    assert_string_equal(b.last_place.country, "SE");
    assert_int_equal(b.last_place.time, 1700000000);
    assert_string_equal(b.device, "d1:chrome:124:windows:0:en:0f:");
    assert_string_equal(b.tls, "s1_abc");
    assert_false(b.tls_damaged);
    assert_string_equal(b.ip, "192.0.2.1");
    assert_int_equal(b.last_seen, 1700000000);
    assert_int_equal(b.hits, 42);
    assert_int_equal(b.last_match, 1699999000);
    assert_int_equal(b.last_mismatch, 0);
    assert_string_equal(b.user, "alice");
    assert_false(b.provisional);
    assert_string_equal(b.attrs, "; Path=/app; Domain=example.com; Secure");

    seen[12] = "1";
    seen_len[12] = 1;
    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_true(b.provisional);

    /* Empty TLS, user and places are legal: bound over plain HTTP, user
     * unknown, no geo database. */
    seen_len[2] = 0;
    seen_len[8] = 0;
    seen_len[10] = 0;
    seen_len[11] = 0;
    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_string_equal(b.tls, "");
    assert_false(b.tls_damaged);
    assert_string_equal(b.user, "");
    assert_false(b.have_bound_place);
    assert_false(b.have_last_place);

    /* Bound where no database knew the address, seen since somewhere known:
     * a last place without a bound one. */
    seen_len[11] = strlen(seen[11]);
    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_false(b.have_bound_place);
    assert_true(b.have_last_place);

    /* A damaged optional field is missing, never a failed check: the
     * session stays judgeable for the rest of its life. */
    seen_len[10] = strlen(seen[10]);
    seen[11] = "SE:64510:99999:0:20:0:1";
    seen_len[11] = strlen(seen[11]);
    seen[8] = "J\xc3\xbcrgen M\xc3\xbcller";
    seen_len[8] = strlen(seen[8]);
    seen[3] = "not an address";
    seen_len[3] = strlen(seen[3]);
    seen[13] = "; Path=/\x01";
    seen_len[13] = strlen(seen[13]);
    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_true(b.have_bound_place);
    assert_false(b.have_last_place);
    assert_string_equal(b.user, "");
    assert_string_equal(b.ip, "");
    assert_string_equal(b.attrs, "");

    /* A damaged TLS signature must not read as "bound over plain HTTP",
     * which would switch the TLS check off. */
    seen[2] = "s1_a b";
    seen_len[2] = strlen(seen[2]);
    assert_int_equal(parse(14, seen, seen_len, &b), SG_SESSION_OK);
    assert_string_equal(b.tls, "");
    assert_true(b.tls_damaged);
}


static void
test_argv(void **state)
{
    sg_session_args_t a;
    sg_str_t          argv[SG_SESSION_NARGS];
    char              buf[SG_SESSION_ARGV_NUMS];
    size_t            i;

    (void) state;

    memset(&a, 0, sizeof(a));
    a.mode = SG_SESSION_VERDICT;
    a.now = 1800000000;
    a.ttl = 86400;
    a.short_ttl = 900;
    a.device.data = "d1:x";
    a.device.len = 4;
    a.verdict.data = "tag";
    a.verdict.len = 3;
    a.score = 170;
    a.matched = 1;
    a.count = 7;
    a.create = 1;

    assert_int_equal(sg_session_argv(&a, buf, sizeof(buf), argv), 0);

#define ARG(i, s)                             \
    assert_int_equal(argv[i].len, strlen(s)); \
    assert_memory_equal(argv[i].data, s, strlen(s))

    ARG(SG_SESSION_ARG_MODE, "3");
    ARG(SG_SESSION_ARG_NOW, "1800000000");
    ARG(SG_SESSION_ARG_TTL, "86400");
    ARG(SG_SESSION_ARG_DEVICE, "d1:x");
    ARG(SG_SESSION_ARG_TLS, "");
    ARG(SG_SESSION_ARG_VERDICT, "tag");
    ARG(SG_SESSION_ARG_SCORE, "170");
    ARG(SG_SESSION_ARG_MATCHED, "1");
    ARG(SG_SESSION_ARG_COUNT, "7");
    ARG(SG_SESSION_ARG_ISSUANCE, "0");
    ARG(SG_SESSION_ARG_CREATE, "1");
    ARG(SG_SESSION_ARG_SHORT_TTL, "900");
    ARG(SG_SESSION_ARG_ATTRS, "");
#undef ARG

    /* every argument is set, and printable */
    for (i = 0; i < SG_SESSION_NARGS; i++) {
        assert_true(argv[i].len == 0 || argv[i].data != NULL);
    }

    assert_int_equal(sg_session_argv(&a, buf, 12, argv), -1);
    a.mode = (sg_session_mode_e) 9;
    assert_int_equal(sg_session_argv(&a, buf, sizeof(buf), argv), -1);
}


static void
test_parse_typed(void **state)
{
    sg_session_bound_t b;
    sg_reply_elt_t     e[14];
    size_t             i;

    (void) state;

    /* As Redis types them: integer states and flags, string fields, nil
     * for a field the script did not find. */
    memset(e, 0, sizeof(e));
    e[0].type = SG_REPLY_INTEGER;
    e[0].integer = 0;
    e[1].type = SG_REPLY_INTEGER;
    e[1].integer = 1;
    e[2].type = SG_REPLY_INTEGER;
    e[2].integer = 1;
    assert_int_equal(sg_session_parse_reply(3, e, &b), SG_SESSION_OK);
    assert_true(b.recorded && b.provisional);

    e[2].integer = -1;
    assert_int_equal(sg_session_parse_reply(3, e, &b), SG_SESSION_BAD_REPLY);

    for (i = 0; i < 14; i++) {
        e[i].type = SG_REPLY_STRING;
        e[i].str = "0";
        e[i].len = 1;
    }
    e[0].type = SG_REPLY_INTEGER;
    e[0].integer = SG_SESSION_SEEN;
    e[1].str = "d1:x";
    e[1].len = 4;
    e[8].type = SG_REPLY_NIL; /* no user */
    e[2].type = SG_REPLY_NIL; /* no TLS: bound over plain HTTP */
    for (i = 10; i < 14; i++) {
        e[i].len = 0;
    }
    assert_int_equal(sg_session_parse_reply(14, e, &b), SG_SESSION_OK);
    assert_string_equal(b.user, "");
    assert_string_equal(b.tls, "");
    assert_false(b.tls_damaged);

    /* an integer where the device belongs is damage */
    e[1].type = SG_REPLY_INTEGER;
    assert_int_equal(sg_session_parse_reply(14, e, &b), SG_SESSION_BAD_REPLY);
    /* and a nil device: a record without a binding cannot be "seen" */
    e[1].type = SG_REPLY_NIL;
    assert_int_equal(sg_session_parse_reply(14, e, &b), SG_SESSION_BAD_REPLY);
}


static void
test_user_encode(void **state)
{
    char       out[SG_SESSION_USER_MAX + 1], again[SG_SESSION_USER_MAX + 1];
    char       longer[300];
    const char utf8[] = "J\xc3\xbcrgen M\xc3\xbcller";
    int        n;

    (void) state;

    assert_int_equal(sg_session_user_encode("alice", 5, out, sizeof(out)), 5);
    assert_string_equal(out, "alice");

    /* A space, letters beyond ASCII and '%' itself are escaped, so every
     * stored user is printable and decodes back to the same bytes. */
    n = sg_session_user_encode(utf8, strlen(utf8), out, sizeof(out));
    assert_string_equal(out, "J%c3%bcrgen%20M%c3%bcller");
    assert_int_equal(n, (int) strlen(out));
    assert_int_equal(sg_session_user_encode("50%", 3, out, sizeof(out)), 5);
    assert_string_equal(out, "50%25");

    /* Long names are cut, and end in a hash of the whole name: two names
     * that share their first 200 bytes stay two users. */
    memset(longer, 'a', sizeof(longer));
    n = sg_session_user_encode(longer, sizeof(longer), out, sizeof(out));
    assert_int_equal(n, SG_SESSION_USER_MAX);
    assert_int_equal(out[SG_SESSION_USER_MAX - 17], '~');
    longer[299] = 'b';
    assert_int_equal(
        sg_session_user_encode(longer, sizeof(longer), again, sizeof(again)),
        SG_SESSION_USER_MAX);
    assert_memory_equal(out, again, SG_SESSION_USER_MAX - 16);
    assert_string_not_equal(out, again);

    /* An escape is never cut in half. */
    memset(longer, ' ', sizeof(longer));
    n = sg_session_user_encode(longer, sizeof(longer), out, sizeof(out));
    assert_true(n <= SG_SESSION_USER_MAX);
    assert_int_equal(out[n - 17], '~');
    assert_int_equal((n - 17) % 3, 0);

    /* Whatever it writes, the reply parser reads back. */
    {
        sg_session_bound_t b;
        const char        *seen[] = {"1", "d", "",  "", "1", "1", "0",
                                     "0", out, "0", "", "",  "",  ""};
        size_t             lens[14];

        fill_lens(seen, lens, 14);
        assert_int_equal(parse(14, seen, lens, &b), SG_SESSION_OK);
        assert_string_equal(b.user, out);
    }

    assert_int_equal(sg_session_user_encode("a", 1, out, 10), -1);
}


static void
test_accuracy_limit(void **state)
{
    sg_place_t a, b;
    char       buf[SG_PLACE_ENCODED_MAX];
    int        n;

    (void) state;

    /* The largest radius the geo reader keeps must read back, or every
     * later request of the session would fail to decode. */
    memset(&a, 0, sizeof(a));
    memcpy(a.country, "AQ", 3);
    a.have_location = 1;
    a.lat = -75;
    a.accuracy_km = SG_PLACE_ACCURACY_MAX_KM;

    n = sg_place_encode(&a, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(sg_place_decode(buf, (size_t) n, 0, &b), 0);
    assert_int_equal(b.accuracy_km, SG_PLACE_ACCURACY_MAX_KM);

    a.accuracy_km = SG_PLACE_ACCURACY_MAX_KM + 1;
    n = sg_place_encode(&a, buf, sizeof(buf));
    assert_int_equal(sg_place_decode(buf, (size_t) n, 0, &b), -1);
}


static void
test_place_round_trip(void **state)
{
    sg_place_t a, b;
    char       buf[SG_PLACE_ENCODED_MAX];
    int        n;

    (void) state;

    memset(&a, 0, sizeof(a));
    memcpy(a.country, "JP", 3);
    a.asn = 65551;
    a.lat = 35.68;
    a.lon = 139.69;
    a.accuracy_km = 50;
    a.have_location = 1;
    a.anonymizer = 1;
    a.country_since = 1800000000;

    n = sg_place_encode(&a, buf, sizeof(buf));
    assert_true(n > 0);
    assert_string_equal(buf, "JP:65551:3568:13969:50:1:1800000000");
    assert_int_equal(sg_place_decode(buf, (size_t) n, 42, &b), 0);
    assert_string_equal(b.country, "JP");
    assert_int_equal(b.asn, 65551);
    assert_true(b.lat > 35.67 && b.lat < 35.69);
    assert_true(b.lon > 139.68 && b.lon < 139.70);
    assert_int_equal(b.accuracy_km, 50);
    assert_int_equal(b.anonymizer, 1);
    assert_int_equal(b.country_since, 1800000000);
    assert_int_equal(b.time, 42);

    /* Unknown country and no location. */
    memset(&a, 0, sizeof(a));
    n = sg_place_encode(&a, buf, sizeof(buf));
    assert_string_equal(buf, "-:0:0:0:0:0:0");
    assert_int_equal(sg_place_decode(buf, (size_t) n, 0, &b), 0);
    assert_string_equal(b.country, "");
    assert_false(b.have_location);

    assert_int_equal(sg_place_encode(&a, buf, 5), -1);
    assert_int_equal(sg_place_decode("us:1:0:0:0:0:0", 14, 0, &b), -1);
    assert_int_equal(sg_place_decode("US:1:0:0:0:2:0", 14, 0, &b), -1);
    assert_int_equal(sg_place_decode("US:1:0:0:0:0:0:", 15, 0, &b), -1);
    assert_int_equal(sg_place_decode("US:1:0:0:0:0", 12, 0, &b), -1);
}


/* Found by fuzz/fuzz_session.c: the decoder took spellings the encoder
 * never writes, and a 19-digit number overflowed int64_t before its range
 * was checked. */
static void
test_place_decode_canonical(void **state)
{
    static const char *bad[] = {
        "US:01:0:0:0:0:0",
        "-:0:00:0:0:0:0",
        "-:0:-0:0:0:0:0",
        "-:0:0:-00:0:0:0",
        "-:0:0:0:0:01:0",
        "-:0:0:0:0:0:0123",
        "-:0:0:0:0:0:9999999999999999999",
        "-:0:0:0:0:0:4611686018427387904",
        "-:18446744073709551616:0:0:0:0:0",
        "-:4294967296:0:0:0:0:0",
        "-:0:9001:0:0:0:0",
        "-:0:-9001:0:0:0:0",
    };
    sg_place_t b;
    size_t     i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sg_place_decode(bad[i], strlen(bad[i]), 0, &b), -1);
    }

    assert_int_equal(
        sg_place_decode("-:4294967295:-9000:-18000:0:1:4611686018427387903", 49,
                        0, &b),
        0);
    assert_int_equal(b.asn, 4294967295u);
    assert_int_equal(b.country_since, 4611686018427387903);
    assert_int_equal(sg_place_decode("-:0:-1:10:0:0:0", 15, 0, &b), 0);
    assert_true(b.lat < -0.009 && b.lat > -0.011);
}


static void
test_parse_reply_malformed(void **state)
{
    sg_session_bound_t b;
    const char        *v[] = {"1", "dev 1", "t", "ip", "17", "4", "0",
                              "0", "",      "0", "",   "",   "",  ""};
    size_t             len[14];
    const char        *bad_state[] = {"4"};
    const char        *not_num[] = {"1", "d", "t", "ip", "17x", "4", "0",
                                    "0", "",  "0", "",   "",    "",  ""};
    size_t             not_num_len[14];
    char               huge[SG_SESSION_FIELD_MAX + 1];
    const char        *too_long[] = {"1", huge, "t", "ip", "1", "1", "0",
                                     "0", "",   "0", "",   "",  "",  ""};
    size_t             too_long_len[14];

    (void) state;

    fill_lens(v, len, 14);
    fill_lens(not_num, not_num_len, 14);
    memset(huge, 'a', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    fill_lens(too_long, too_long_len, 14);

    /* A space in the device: not something the script can have written. */
    assert_int_equal(parse(14, v, len, &b), SG_SESSION_BAD_REPLY);
    assert_int_equal(b.state, SG_SESSION_FIRST_SIGHT);

    assert_int_equal(parse(0, v, len, &b), SG_SESSION_BAD_REPLY);
    assert_int_equal(parse(1, bad_state, len, &b), SG_SESSION_BAD_REPLY);
    /* "seen" with too few fields, and a short reply with a seen state */
    assert_int_equal(parse(6, not_num, not_num_len, &b), SG_SESSION_BAD_REPLY);
    assert_int_equal(parse(1, not_num, not_num_len, &b), SG_SESSION_BAD_REPLY);
    assert_int_equal(parse(14, not_num, not_num_len, &b), SG_SESSION_BAD_REPLY);
    assert_int_equal(parse(14, too_long, too_long_len, &b),
                     SG_SESSION_BAD_REPLY);
    /* the twelve-element reply of the script before provisional records */
    assert_int_equal(parse(12, not_num, not_num_len, &b), SG_SESSION_BAD_REPLY);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_key_rfc4231),
        cmocka_unit_test(test_session_key_empty_key),
        cmocka_unit_test(test_session_key_long_key),
        cmocka_unit_test(test_keyed_hash_against_libcrypto),
        cmocka_unit_test(test_key_name),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_parse_reply_malformed),
        cmocka_unit_test(test_place_round_trip),
        cmocka_unit_test(test_place_decode_canonical),
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_parse_typed),
        cmocka_unit_test(test_user_encode),
        cmocka_unit_test(test_accuracy_limit),
    };

    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}

/*
 * Keyed hashing of session ids and the session record codec.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sg_keyed_hash.h"
#include "sg_session.h"


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
test_session_key_empty_key(void **state)
{
    char out[SG_SESSION_KEY_LEN + 1];

    (void) state;

    assert_int_equal(
        sg_session_key((const uint8_t *) "", 0, (const uint8_t *) "x", 1, out),
        SG_KEYED_HASH_EMPTY_KEY);
}


static void
test_secret_check(void **state)
{
    const char *s = "0123456789abcdef\r\n";
    size_t      len = strlen(s);
    uint8_t     big[SG_SECRET_MAX_LEN + 1];

    (void) state;

    assert_null(sg_secret_check((const uint8_t *) s, &len));
    assert_int_equal(len, 16);

    len = 16;
    assert_null(sg_secret_check((const uint8_t *) "0123456789abcdef", &len));

    len = 16;
    assert_non_null(sg_secret_check((const uint8_t *) "0123456789abcde\n",
                                    &len));

    memset(big, 'a', sizeof(big));
    len = sizeof(big);
    assert_non_null(sg_secret_check(big, &len));
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
test_parse_reply(void **state)
{
    sg_session_bound_t b;
    const char        *first[] = {"0"};
    size_t             first_len[] = {1};
    const char        *seen[] = {"1", "dev1", "s1_abc", "192.0.2.1",
                                 "1700000000", "42"};
    size_t             seen_len[6];
    size_t             i;

    (void) state;

    for (i = 0; i < 6; i++) {
        seen_len[i] = strlen(seen[i]);
    }

    assert_int_equal(sg_session_parse_reply(1, first, first_len, &b),
                     SG_SESSION_OK);
    assert_int_equal(b.seen, 0);

    assert_int_equal(sg_session_parse_reply(6, seen, seen_len, &b),
                     SG_SESSION_OK);
    assert_int_equal(b.seen, 1);
    assert_string_equal(b.device, "dev1");
    assert_string_equal(b.tls, "s1_abc");
    assert_string_equal(b.ip, "192.0.2.1");
    assert_int_equal(b.last_seen, 1700000000);
    assert_int_equal(b.hits, 42);

    /* An empty TLS field is legal: the session was bound over plain HTTP. */
    seen_len[2] = 0;
    assert_int_equal(sg_session_parse_reply(6, seen, seen_len, &b),
                     SG_SESSION_OK);
    assert_string_equal(b.tls, "");
}


static void
test_parse_reply_malformed(void **state)
{
    sg_session_bound_t b;
    const char        *v[] = {"1", "dev 1", "t", "ip", "17", "4"};
    size_t             len[] = {1, 5, 1, 2, 2, 1};
    const char        *bad_flag[] = {"2"};
    const char        *not_num[] = {"1", "d", "t", "ip", "17x", "4"};
    size_t             not_num_len[] = {1, 1, 1, 2, 3, 1};
    char               huge[SG_SESSION_FIELD_MAX + 1];
    const char        *too_long[] = {"1", huge, "t", "ip", "1", "1"};
    size_t             too_long_len[] = {1, sizeof(huge), 1, 2, 1, 1};

    (void) state;

    memset(huge, 'a', sizeof(huge));

    /* A space in a field: not something the script can have written. */
    assert_int_equal(sg_session_parse_reply(6, v, len, &b),
                     SG_SESSION_BAD_REPLY);
    assert_int_equal(b.seen, 0);

    assert_int_equal(sg_session_parse_reply(0, v, len, &b),
                     SG_SESSION_BAD_REPLY);
    assert_int_equal(sg_session_parse_reply(1, bad_flag, len, &b),
                     SG_SESSION_BAD_REPLY);
    assert_int_equal(sg_session_parse_reply(5, not_num, not_num_len, &b),
                     SG_SESSION_BAD_REPLY);
    assert_int_equal(sg_session_parse_reply(6, not_num, not_num_len, &b),
                     SG_SESSION_BAD_REPLY);
    assert_int_equal(sg_session_parse_reply(6, too_long, too_long_len, &b),
                     SG_SESSION_BAD_REPLY);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_key_rfc4231),
        cmocka_unit_test(test_session_key_empty_key),
        cmocka_unit_test(test_secret_check),
        cmocka_unit_test(test_key_name),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_parse_reply_malformed),
    };

    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}

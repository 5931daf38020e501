/*
 * The secret file: the current key and, during a rotation, the previous
 * one (sg_secret_parse).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sg_keyed_hash.h"

#define KEY_A "0123456789abcdef0123456789abcdef"
#define KEY_B "fedcba9876543210fedcba9876543210"


static const char *
parse(const char *file, sg_secret_keys_t *out)
{
    return sg_secret_parse((const uint8_t *) file, strlen(file), out);
}


static void
assert_key(const sg_secret_keys_t *k, size_t i, const char *want)
{
    assert_true(i < k->n);
    assert_int_equal(k->len[i], strlen(want));
    assert_memory_equal(k->key[i], want, strlen(want));
}


static void
test_one_key(void **state)
{
    sg_secret_keys_t k;

    (void) state;

    /* With or without the newline, "\n" or "\r\n". */
    assert_null(parse(KEY_A, &k));
    assert_int_equal(k.n, 1);
    assert_key(&k, 0, KEY_A);

    assert_null(parse(KEY_A "\n", &k));
    assert_int_equal(k.n, 1);
    assert_key(&k, 0, KEY_A);

    assert_null(parse(KEY_A "\r\n", &k));
    assert_int_equal(k.n, 1);
    assert_key(&k, 0, KEY_A);

    /* The shortest and the longest key; spaces are text. */
    assert_null(parse("0123456789abcdef", &k));
    assert_key(&k, 0, "0123456789abcdef");
    assert_null(parse("correct horse battery staple", &k));
    assert_key(&k, 0, "correct horse battery staple");
}


static void
test_two_keys(void **state)
{
    sg_secret_keys_t k;

    (void) state;

    assert_null(parse(KEY_B "\n" KEY_A "\n", &k));
    assert_int_equal(k.n, 2);
    assert_key(&k, 0, KEY_B);
    assert_key(&k, 1, KEY_A);
    assert_int_equal(k.line, 0);

    assert_null(parse(KEY_B "\r\n" KEY_A, &k));
    assert_int_equal(k.n, 2);
    assert_key(&k, 0, KEY_B);
    assert_key(&k, 1, KEY_A);

    /* A key that only starts like the other is another key. */
    assert_null(parse(KEY_A "\n" KEY_A "x\n", &k));
    assert_int_equal(k.n, 2);
}


static void
test_refused(void **state)
{
    sg_secret_keys_t k;
    const char      *err;
    char             big[SG_SECRET_MAX_LEN + 3];
    uint8_t          bin[32];
    size_t           i;

    (void) state;

    err = sg_secret_parse((const uint8_t *) "", 0, &k);
    assert_non_null(err);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(k.line, 0);
    assert_int_equal(k.n, 0);

    err = parse("\n", &k);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(k.line, 1);

    err = parse("0123456789abcde\n", &k);
    assert_non_null(strstr(err, "too short"));
    assert_int_equal(k.line, 1);

    err = parse(KEY_A "\nshort\n", &k);
    assert_non_null(strstr(err, "too short"));
    assert_int_equal(k.line, 2);
    assert_int_equal(k.n, 0); /* nothing half-read */
    assert_null(k.key[0]);

    memset(big, 'a', SG_SECRET_MAX_LEN);
    big[SG_SECRET_MAX_LEN] = '\n';
    big[SG_SECRET_MAX_LEN + 1] = '\0';
    assert_null(parse(big, &k));
    big[SG_SECRET_MAX_LEN] = 'a';
    big[SG_SECRET_MAX_LEN + 1] = '\n';
    big[SG_SECRET_MAX_LEN + 2] = '\0';
    err = parse(big, &k);
    assert_non_null(strstr(err, "too long"));

    err = parse(KEY_B "\n" KEY_A "\n" KEY_A "2\n", &k);
    assert_non_null(strstr(err, "third key"));
    assert_int_equal(k.line, 3);
    assert_int_equal(k.n, 0);

    err = parse(KEY_A "\n" KEY_A "\n", &k);
    assert_non_null(strstr(err, "same key"));
    assert_int_equal(k.line, 2);

    err = parse(KEY_A "\r\n" KEY_A, &k);
    assert_non_null(strstr(err, "same key"));

    err = parse(KEY_A "\n\n" KEY_B "\n", &k);
    assert_non_null(strstr(err, "is empty"));
    assert_int_equal(k.line, 2);

    err = parse(KEY_A "\tx\n", &k);
    assert_non_null(strstr(err, "not printable"));

    /* A binary key is refused whole, never split at a newline byte into
     * two keys that would both be long enough. */
    for (i = 0; i < sizeof(bin); i++) {
        bin[i] = (uint8_t) (0x80 + i);
    }
    bin[16] = '\n';
    err = sg_secret_parse(bin, sizeof(bin), &k);
    assert_non_null(strstr(err, "not printable"));
    assert_int_equal(k.n, 0);

    err = sg_secret_parse((const uint8_t *) KEY_A "\0" KEY_B,
                          sizeof(KEY_A "\0" KEY_B) - 1, &k);
    assert_non_null(strstr(err, "not printable"));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_key),
        cmocka_unit_test(test_two_keys),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * SipHash against OpenSSL's implementation (EVP_MAC "SIPHASH", which takes
 * the numbers of rounds as parameters) and the reference vectors of the
 * SipHash paper; streaming in pieces equals one call.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sg_siphash.h"

static uint8_t key[SG_SIPHASH_KEY_LEN];
static uint8_t msg[256];


static uint64_t
openssl_siphash(const uint8_t *p, size_t len, unsigned c, unsigned d)
{
    EVP_MAC     *mac;
    EVP_MAC_CTX *ctx;
    OSSL_PARAM   params[4];
    unsigned int size = 8;
    uint8_t      out[8];
    size_t       n = 0, i;
    uint64_t     v = 0;

    mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    assert_non_null(mac);
    ctx = EVP_MAC_CTX_new(mac);
    assert_non_null(ctx);

    params[0] = OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c);
    params[2] = OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d);
    params[3] = OSSL_PARAM_construct_end();

    assert_int_equal(EVP_MAC_init(ctx, key, sizeof(key), params), 1);
    assert_int_equal(EVP_MAC_update(ctx, p, len), 1);
    assert_int_equal(EVP_MAC_final(ctx, out, &n, sizeof(out)), 1);
    assert_int_equal(n, 8);

    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);

    for (i = 0; i < 8; i++) {
        v |= (uint64_t) out[i] << (8 * i);
    }

    return v;
}


static int
setup(void **state)
{
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t) i;
    }

    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t) i;
    }

    return 0;
}


static uint64_t
ours(const uint8_t *p, size_t len, unsigned c, unsigned d)
{
    sg_siphash_t s;

    sg_siphash_init(&s, key, c, d);
    sg_siphash_update(&s, p, len);

    return sg_siphash_final(&s);
}


/* The paper's SipHash-2-4 vectors: key 00..0f, message 00..len-1. */
static void
test_paper(void **state)
{
    (void) state;

    assert_true(ours(msg, 0, 2, 4) == 0x726fdb47dd0e0e31ULL);
    assert_true(ours(msg, 15, 2, 4) == 0xa129ca6149be45e5ULL);
}


static void
test_openssl(void **state)
{
    size_t len;

    (void) state;

    for (len = 0; len <= 100; len++) {
        assert_true(ours(msg, len, 2, 4) == openssl_siphash(msg, len, 2, 4));
        assert_true(ours(msg, len, 1, 3) == openssl_siphash(msg, len, 1, 3));
        assert_true(sg_siphash13(key, msg, len) ==
                    openssl_siphash(msg, len, 1, 3));
    }
}


static void
test_streaming(void **state)
{
    sg_siphash_t s;
    size_t       len, cut, cut2;

    (void) state;

    for (len = 0; len <= 40; len++) {
        for (cut = 0; cut <= len; cut++) {
            for (cut2 = cut; cut2 <= len; cut2 += 3) {
                sg_siphash_init(&s, key, 1, 3);
                sg_siphash_update(&s, msg, cut);
                sg_siphash_update(&s, msg + cut, cut2 - cut);
                sg_siphash_update(&s, msg + cut2, len - cut2);
                assert_true(sg_siphash_final(&s) ==
                            sg_siphash13(key, msg, len));
            }
        }
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper),
        cmocka_unit_test(test_openssl),
        cmocka_unit_test(test_streaming),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}

/*
 * Unit tests of sg_replay_tlsext: the extension payloads a profile names,
 * compared with the bytes of the same extensions in the reference captures
 * (../shared/testdata/tls/clienthellos.jsonl: browsers-x509.pcapng #4 for
 * Chrome's compress_certificate and ALPS, tls12.pcap #1 for Firefox's
 * delegated_credentials and record_size_limit, the live Chromium 156 hello
 * for the new ALPS code point, all copied here by hand), the ECH GREASE
 * layout of draft-ietf-tls-esni, GREASE values of RFC 8701, and bad lists.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../sg_replay_tlsext.h"


static sg_tlsext_t exts[SG_TLSEXT_MAX];


static size_t
parse_ok(const char *list)
{
    char   err[128] = "";
    size_t n = 99;

    assert_int_equal(
        sg_tlsext_parse(list, exts, SG_TLSEXT_MAX, &n, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    return n;
}


static void
parse_bad(const char *list, const char *msg)
{
    char   err[128] = "";
    size_t n;

    assert_int_equal(
        sg_tlsext_parse(list, exts, SG_TLSEXT_MAX, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, msg));
}


static void
test_chrome(void **state)
{
    (void) state;

    assert_int_equal(parse_ok("compress_certificate=brotli,"
                              "application_settings"),
                     2);
    /* browsers-x509.pcapng #4: 001b 0003 020002, 4469 0005 0003026832 */
    assert_int_equal(exts[0].type, 0x001b);
    assert_int_equal(exts[0].len, 3);
    assert_memory_equal(exts[0].payload, "\x02\x00\x02", 3);
    assert_int_equal(exts[1].type, 0x4469);
    assert_int_equal(exts[1].len, 5);
    assert_memory_equal(exts[1].payload, "\x00\x03\x02h2", 5);
    assert_int_equal(exts[1].random, 0);

    /* the live Chromium 156: 44cd 0005 0003026832 */
    assert_int_equal(parse_ok("application_settings_new,"
                              "encrypted_client_hello,trust_anchors"),
                     3);
    assert_int_equal(exts[0].type, 0x44cd);
    assert_memory_equal(exts[0].payload, "\x00\x03\x02h2", 5);
    assert_int_equal(exts[1].type, 0xfe0d);
    assert_int_equal(exts[1].random, 1);
    assert_int_equal(exts[2].type, 0xca34);
    /* a list length, then ids each with its own length */
    assert_int_equal(exts[2].payload[0] << 8 | exts[2].payload[1],
                     (int) exts[2].len - 2);
}


static void
test_firefox(void **state)
{
    (void) state;

    /* tls12.pcap #1: 0022 000a 00080403050306030203, 001c 0002 4001 */
    assert_int_equal(parse_ok("delegated_credentials,record_size_limit"), 2);
    assert_int_equal(exts[0].type, 0x0022);
    assert_int_equal(exts[0].len, 10);
    assert_memory_equal(exts[0].payload,
                        "\x00\x08\x04\x03\x05\x03\x06\x03\x02\x03", 10);
    assert_int_equal(exts[1].type, 0x001c);
    assert_int_equal(exts[1].len, 2);
    assert_memory_equal(exts[1].payload, "\x40\x01", 2);

    assert_int_equal(parse_ok("record_size_limit=16384"), 1);
    assert_memory_equal(exts[0].payload, "\x40\x00", 2);

    /* RFC 8879: a list of algorithms, its length in one byte */
    assert_int_equal(parse_ok("compress_certificate=zlib+brotli+zstd"), 1);
    assert_int_equal(exts[0].len, 7);
    assert_memory_equal(exts[0].payload, "\x06\x00\x01\x00\x02\x00\x03", 7);
}


static void
test_raw(void **state)
{
    (void) state;

    assert_int_equal(parse_ok("0x1234,0xABCD=00ff10"), 2);
    assert_int_equal(exts[0].type, 0x1234);
    assert_int_equal(exts[0].len, 0);
    assert_int_equal(exts[1].type, 0xabcd);
    assert_int_equal(exts[1].len, 3);
    assert_memory_equal(exts[1].payload, "\x00\xff\x10", 3);
    assert_int_equal(parse_ok(""), 0);
}


static void
test_bad(void **state)
{
    (void) state;

    parse_bad("brotli", "bad extension \"brotli\"");
    parse_bad("compress_certificate=lzma", "bad extension");
    parse_bad("compress_certificate=", "bad extension");
    parse_bad("record_size_limit=10", "bad extension");
    parse_bad("record_size_limit=99999", "bad extension");
    parse_bad("0x12", "bad extension");
    parse_bad("0x12345", "bad extension");
    parse_bad("0x1234=0", "bad extension");
    parse_bad("0x1234=zz", "bad extension");
    parse_bad("application_settings,,0x1234", "bad extension \"\"");
    parse_bad("0x0a0a", "GREASE comes from \"grease\"");
    parse_bad("delegated_credentials,0x0022", "given twice");
    parse_bad("0x0001,0x0002,0x0003,0x0004,0x0005,0x0006,0x0007,0x0008,"
              "0x0009,0x000a,0x000b,0x000c,0x000d,0x000e,0x000f,0x0010,"
              "0x0011",
              "more than 16");
}


static void
test_ech(void **state)
{
    uint8_t rnd[SG_TLSEXT_ECH_RANDOM], out[400];
    size_t  n;
    int     i;

    (void) state;

    for (i = 0; i < (int) sizeof(rnd); i++) {
        rnd[i] = (uint8_t) (i * 7 + 3);
    }

    for (i = 0; i < 4; i++) {
        rnd[0] = (uint8_t) i;
        n = sg_tlsext_ech_grease(rnd, out, sizeof(out));
        /* outer, HKDF-SHA256, AES-128-GCM, config id, 32-byte enc */
        assert_memory_equal(out, "\x00\x00\x01\x00\x01", 5);
        assert_int_equal(out[5], rnd[1]);
        assert_int_equal(out[6] << 8 | out[7], 32);
        assert_memory_equal(out + 8, rnd + 2, 32);
        assert_int_equal(out[40] << 8 | out[41], 144 + 32 * i);
        assert_int_equal(n, 42 + 144 + 32 * (size_t) i);
    }

    /* the live Chromium's was 218 bytes: a 176-byte payload */
    rnd[0] = 1;
    assert_int_equal(sg_tlsext_ech_grease(rnd, out, sizeof(out)), 218);
    assert_int_equal(sg_tlsext_ech_grease(rnd, out, 100), 0);
}


static void
test_grease(void **state)
{
    unsigned i;

    (void) state;

    for (i = 0; i < 16; i++) {
        assert_true(sg_tlsext_is_grease(sg_tlsext_grease(i)));
    }
    assert_int_equal(sg_tlsext_grease(0), 0x0a0a);
    assert_int_equal(sg_tlsext_grease(15), 0xfafa);
    assert_false(sg_tlsext_is_grease(0x0a1a));
    assert_false(sg_tlsext_is_grease(0x4469));
    assert_false(sg_tlsext_is_grease(0x0b0b));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chrome), cmocka_unit_test(test_firefox),
        cmocka_unit_test(test_raw),    cmocka_unit_test(test_bad),
        cmocka_unit_test(test_ech),    cmocka_unit_test(test_grease),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of sg_clienthello: the 212 reference ClientHellos (parse and
 * compare with the descriptive fields of the data set, which were produced
 * by another parser), every truncation of each, and hand-built malformed
 * messages.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sg_clienthello.h"
#include "sg_tls_fp.h"
#include "vectors.h"


/* reference vectors ----------------------------------------------------- */


/*
 * Offset of the extension block's 2-byte length, found by a walk written
 * here independently of the parser.
 */
static size_t
ext_block_offset(const uint8_t *m, size_t len)
{
    size_t o;

    o = 4 + 2 + 32;
    assert_true(o < len);
    o += 1 + m[o];
    assert_true(o + 2 <= len);
    o += 2 + ((size_t) m[o] << 8 | m[o + 1]);
    assert_true(o < len);
    o += 1 + m[o];
    assert_true(o <= len);

    return o;
}


static void
test_vectors_parse(void **state)
{
    vecs_t          *vs;
    vec_t           *v;
    sg_clienthello_t ch;
    sg_ch_status_t   rc;
    long             n;
    const char      *s, *item[64];
    size_t           i, j, slen, ilen[64], ok;

    vs = vecs_or_skip(state);
    ok = 0;

    for (i = 0; i < vs->n; i++) {
        v = &vs->v[i];
        rc = sg_clienthello_parse(v->msg, v->len, &ch);
        if (rc != SG_CH_OK) {
            fail_msg("%s: %s", v->id, sg_clienthello_strerror(rc));
        }

        assert_int_equal(ch.n_ciphers, jint(v->line, "cipher_suites_on_wire"));
        assert_int_equal(ch.n_exts, jint(v->line, "extensions_on_wire"));
        assert_int_equal(ch.has_sni, jbool(v->line, "has_sni_ext"));
        assert_int_equal(ch.has_alpn, jbool(v->line, "has_alpn_ext"));
        assert_int_equal(ch.has_sig_algs, jbool(v->line, "has_sig_algs_ext"));
        assert_int_equal(ch.has_quic_tp,
                         jbool(v->line, "has_quic_transport_params_ext"));

        assert_int_equal(jfield(v->line, "legacy_version", &s, &slen), J_STR);
        assert_int_equal(ch.legacy_version, hex_number(s, slen));

        n = jstr_array(v->line, "supported_versions", item, ilen, 64);
        assert_int_equal(ch.has_supported_versions, n >= 0);
        assert_int_equal(ch.n_versions, n < 0 ? 0 : n);
        for (j = 0; n > 0 && j < (size_t) n; j++) {
            assert_int_equal(ch.versions[j], hex_number(item[j], ilen[j]));
        }

        n = jstr_array(v->line, "alpn_hex", item, ilen, 64);
        assert_int_equal(ch.alpn_count, n < 0 ? 0 : n);
        if (n > 0) {
            assert_int_equal(ch.alpn_first_len * 2, ilen[0]);
            for (j = 0; j < ch.alpn_first_len; j++) {
                assert_int_equal(ch.alpn_first[j],
                                 hex_number(item[0] + 2 * j, 2));
            }
        }

        /* "sni" is the reference tools' server_name */
        if (jfield(v->line, "sni", &s, &slen) == J_STR) {
            assert_non_null(ch.sni);
            assert_int_equal(ch.sni_len, slen);
            assert_memory_equal(ch.sni, s, slen);
        } else {
            assert_null(ch.sni);
        }

        assert_ptr_equal(ch.ext_block,
                         v->msg + ext_block_offset(v->msg, v->len) + 2);

        ok++;
    }

    print_message("parse: %zu/%zu vectors parsed and matched\n", ok, vs->n);
}


/* Copies the first len bytes into an exact-size heap block so that ASan
 * reports any read past len. */
static uint8_t *
exact_copy(const uint8_t *src, size_t len)
{
    uint8_t *p;

    p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len) {
        memcpy(p, src, len);
    }

    return p;
}


static void
test_vectors_truncated(void **state)
{
    vecs_t          *vs;
    vec_t           *v;
    uint8_t         *p;
    size_t           i, l, eb, nraw, npatched, nok;
    sg_clienthello_t full, ch;
    sg_ch_status_t   rc;

    vs = vecs_or_skip(state);
    nraw = npatched = nok = 0;

    for (i = 0; i < vs->n; i++) {
        v = &vs->v[i];
        assert_int_equal(sg_clienthello_parse(v->msg, v->len, &full), SG_CH_OK);
        eb = ext_block_offset(v->msg, v->len);

        for (l = 0; l < v->len; l++) {
            p = exact_copy(v->msg, l);

            /* the declared length now exceeds the data */
            rc = sg_clienthello_parse(p, l, &ch);
            assert_int_equal(rc, SG_CH_ETRUNC);
            nraw++;

            if (l >= 4) {
                p[1] = (uint8_t) ((l - 4) >> 16);
                p[2] = (uint8_t) ((l - 4) >> 8);
                p[3] = (uint8_t) (l - 4);

                rc = sg_clienthello_parse(p, l, &ch);
                npatched++;

                /* only a cut right before the extension block leaves a
                 * well-formed (extension-less) hello */
                if (l == eb) {
                    if (rc != SG_CH_OK) {
                        fail_msg("%s cut at %zu: %s", v->id, l,
                                 sg_clienthello_strerror(rc));
                    }
                    nok++;
                    assert_int_equal(ch.legacy_version, full.legacy_version);
                    assert_int_equal(ch.n_ciphers, full.n_ciphers);
                    assert_memory_equal(ch.ciphers, full.ciphers,
                                        full.n_ciphers * 2);
                    assert_int_equal(ch.n_exts, 0);
                    assert_null(ch.ext_block);
                    assert_false(ch.has_sni);

                } else if (rc == SG_CH_OK) {
                    fail_msg("%s cut at %zu parsed as a valid hello", v->id, l);
                }
            }

            free(p);
        }
    }

    print_message("truncation: %zu raw and %zu length-patched prefixes, "
                  "%zu valid as expected, no crash\n",
                  nraw, npatched, nok);
}


/* hand-built messages --------------------------------------------------- */


/* type, length placeholder, version, zero random, empty session id,
 * the given cipher list, null compression */
static void
tb_hello(tb_t *t, const char *ciphers_hex)
{
    size_t c, i;

    t->n = 0;
    tb_u8(t, 1);
    tb_begin(t, 3);
    tb_u16(t, 0x0303);
    for (i = 0; i < 32; i++) {
        tb_u8(t, 0);
    }
    tb_u8(t, 0);
    c = tb_begin(t, 2);
    tb_hex(t, ciphers_hex);
    tb_end(t, c, 2);
    tb_hex(t, "01 00");
}


static void
tb_ext(tb_t *t, unsigned type, const char *body_hex)
{
    size_t l;

    tb_u16(t, type);
    l = tb_begin(t, 2);
    tb_hex(t, body_hex);
    tb_end(t, l, 2);
}


static void
tb_done(tb_t *t)
{
    tb_end(t, 1, 3);
}


static sg_ch_status_t
tb_parse(tb_t *t, sg_clienthello_t *ch)
{
    uint8_t       *p;
    sg_ch_status_t rc;

    p = exact_copy(t->b, t->n);
    rc = sg_clienthello_parse(p, t->n, ch);

    /* pointers into p must not be used after this */
    if (rc == SG_CH_OK) {
        ch->random = ch->session_id = ch->compression = NULL;
        ch->ext_block = ch->sni = ch->alpn_list = ch->alpn_first = NULL;
    }

    free(p);

    return rc;
}


/* A hello whose extension block is just the given extensions. */
static sg_ch_status_t
parse_with_exts(sg_clienthello_t *ch, const unsigned *types,
                const char **bodies, size_t n)
{
    tb_t   t;
    size_t e, i;

    tb_hello(&t, "1301 c02f");
    e = tb_begin(&t, 2);
    for (i = 0; i < n; i++) {
        tb_ext(&t, types[i], bodies[i]);
    }
    tb_end(&t, e, 2);
    tb_done(&t);

    return tb_parse(&t, ch);
}


static sg_ch_status_t
parse_one_ext(sg_clienthello_t *ch, unsigned type, const char *body)
{
    return parse_with_exts(ch, &type, &body, 1);
}


static void
test_minimal_hellos(void **state)
{
    tb_t             t;
    size_t           e;
    sg_clienthello_t ch;

    (void) state;

    /* no extension block at all */
    tb_hello(&t, "002f 0035");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.n_ciphers, 2);
    assert_int_equal(ch.ciphers[0], 0x002f);
    assert_int_equal(ch.ciphers[1], 0x0035);
    assert_int_equal(ch.n_exts, 0);
    assert_int_equal(ch.compression_len, 1);

    /* empty cipher list and empty extension block */
    tb_hello(&t, "");
    e = tb_begin(&t, 2);
    tb_end(&t, e, 2);
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_OK);
    assert_int_equal(ch.n_ciphers, 0);
    assert_int_equal(ch.n_exts, 0);

    /* a full 32-byte session id */
    t.n = 0;
    tb_hex(&t, "01 000000 0303");
    tb_hex(&t, "00000000000000000000000000000000"
               "00000000000000000000000000000000");
    tb_hex(&t, "20 1111111111111111111111111111111111111111111111111111111111"
               "111111");
    tb_hex(&t, "0002 1301 01 00 0000");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_OK);
    assert_int_equal(ch.session_id_len, 32);
}


static void
test_framing_errors(void **state)
{
    static const uint8_t short3[] = {0x01, 0x00, 0x00};
    tb_t                 t;
    size_t               e;
    sg_clienthello_t     ch;

    (void) state;

    assert_int_equal(sg_clienthello_parse(NULL, 0, &ch), SG_CH_EARG);
    assert_int_equal(sg_clienthello_parse(short3, 3, NULL), SG_CH_EARG);
    assert_int_equal(sg_clienthello_parse(short3, 0, &ch), SG_CH_ETRUNC);
    assert_int_equal(sg_clienthello_parse(short3, 3, &ch), SG_CH_ETRUNC);

    /* a ServerHello */
    tb_hello(&t, "1301");
    tb_done(&t);
    t.b[0] = 0x02;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETYPE);

    /* handshake length larger, then smaller, than the data */
    tb_hello(&t, "1301");
    tb_done(&t);
    t.b[3]++;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);
    t.b[1] = 0xff;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);
    tb_hello(&t, "1301");
    tb_done(&t);
    t.b[3]--;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRAILING);

    /* DTLS 1.2 legacy version */
    tb_hello(&t, "1301");
    tb_done(&t);
    t.b[4] = 0xfe;
    t.b[5] = 0xfd;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_EVERSION);

    /* session id of 33 bytes */
    t.n = 0;
    tb_hex(&t, "01 000000 0303");
    tb_hex(&t, "00000000000000000000000000000000"
               "00000000000000000000000000000000");
    tb_hex(&t, "21 000000000000000000000000000000000000000000000000000000000000"
               "000000 0002 1301 01 00");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ESESSIONID);

    /* odd cipher list */
    tb_hello(&t, "1301 13");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ECIPHERS);

    /* cipher list length far beyond the message */
    tb_hello(&t, "1301");
    tb_done(&t);
    t.b[4 + 2 + 32 + 1] = 0xff;
    t.b[4 + 2 + 32 + 2] = 0xfe;
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);

    /* compression list longer than the rest */
    tb_hello(&t, "1301");
    t.b[t.n - 2] = 0x05;
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);

    /* one stray byte where the extension block length should be */
    tb_hello(&t, "1301");
    tb_u8(&t, 0);
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);

    /* extension block length beyond the end, and short of it */
    tb_hello(&t, "1301");
    tb_hex(&t, "0008 0017 0000");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRUNC);
    tb_hello(&t, "1301");
    tb_hex(&t, "0004 0017 0000 0000");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETRAILING);

    /* an extension whose length runs past the block */
    tb_hello(&t, "1301");
    tb_hex(&t, "0006 0017 0004 0000");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_EEXT);

    /* an extension length that overflows 16 bits' worth of data */
    tb_hello(&t, "1301");
    tb_hex(&t, "0004 0017 ffff");
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_EEXT);

    /* half an extension header */
    tb_hello(&t, "1301");
    e = tb_begin(&t, 2);
    tb_ext(&t, 0x0017, "");
    tb_hex(&t, "ff01 00");
    tb_end(&t, e, 2);
    tb_done(&t);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_EEXT);
}


static void
test_extension_bodies(void **state)
{
    sg_clienthello_t ch;

    (void) state;

    /* server_name: well formed, then broken in each length */
    assert_int_equal(parse_one_ext(&ch, 0x0000, "0006 00 0003 612e62"),
                     SG_CH_OK);
    assert_true(ch.has_sni);
    assert_int_equal(ch.sni_len, 3);
    assert_int_equal(parse_one_ext(&ch, 0x0000, "0007 00 0003 612e62"),
                     SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x0000, "0006 00 0004 612e62"),
                     SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x0000, ""), SG_CH_EEXTBODY);

    /* a non-host_name entry first: the host name is still found */
    assert_int_equal(parse_one_ext(&ch, 0x0000,
                                   "000a 05 0001 78 00 0003 "
                                   "612e62"),
                     SG_CH_OK);
    assert_int_equal(ch.sni_len, 3);

    /* ALPN: empty list, empty first value, overrun */
    assert_int_equal(parse_one_ext(&ch, 0x0010, "0000"), SG_CH_OK);
    assert_true(ch.has_alpn);
    assert_int_equal(ch.alpn_count, 0);
    assert_int_equal(parse_one_ext(&ch, 0x0010, "0004 00 02 6832"), SG_CH_OK);
    assert_int_equal(ch.alpn_count, 2);
    assert_int_equal(ch.alpn_first_len, 0);
    assert_int_equal(parse_one_ext(&ch, 0x0010, "0003 03 6832"),
                     SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x0010, "0003 02 6832 00"),
                     SG_CH_EEXTBODY);

    /* supported_versions: 1-byte length, even */
    assert_int_equal(parse_one_ext(&ch, 0x002b, "06 8a8a 0304 0303"), SG_CH_OK);
    assert_int_equal(ch.n_versions, 3);
    assert_int_equal(sg_clienthello_version(&ch), 0x0304);
    assert_int_equal(parse_one_ext(&ch, 0x002b, "03 0304 03"), SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x002b, "04 0304"), SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x002b, "00"), SG_CH_OK);
    assert_int_equal(sg_clienthello_version(&ch), 0x0303);

    /* supported_groups and signature_algorithms */
    assert_int_equal(parse_one_ext(&ch, 0x000a, "0000"), SG_CH_OK);
    assert_true(ch.has_supported_groups);
    assert_int_equal(ch.n_groups, 0);
    assert_int_equal(parse_one_ext(&ch, 0x000a, "0003 001d 00"),
                     SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x000d, "ffff 0403"), SG_CH_EEXTBODY);
    assert_int_equal(parse_one_ext(&ch, 0x000d, "0004 0403 0804"), SG_CH_OK);
    assert_int_equal(ch.n_sigalgs, 2);
    assert_int_equal(ch.sigalgs[1], 0x0804);

    /* ec_point_formats */
    assert_int_equal(parse_one_ext(&ch, 0x000b, "03 00 01 02"), SG_CH_OK);
    assert_int_equal(ch.n_ecpf, 3);
    assert_int_equal(ch.ecpf[2], 2);
    assert_int_equal(parse_one_ext(&ch, 0x000b, "04 00 01 02"), SG_CH_EEXTBODY);

    /* quic_transport_parameters: presence only */
    assert_int_equal(parse_one_ext(&ch, 0x0039, "0102"), SG_CH_OK);
    assert_true(ch.has_quic_tp);
}


static void
test_duplicates(void **state)
{
    static const unsigned two_sni[] = {0x0000, 0x0000};
    static const unsigned two_unknown[] = {0x1234, 0x1234};
    static const unsigned two_grease[] = {0x3a3a, 0x3a3a};
    static const unsigned two_groups[] = {0x000a, 0x0017, 0x000a};
    static const char *sni[] = {"0006 00 0003 612e62", "0006 00 0003 632e64"};
    static const char *empty[] = {"", ""};
    static const char *groups[] = {"0002 001d", "", "0002 0017"};
    sg_clienthello_t   ch;

    (void) state;

    /* which value would count is ambiguous, and OpenSSL rejects these */
    assert_int_equal(parse_with_exts(&ch, two_sni, sni, 2), SG_CH_EDUPEXT);
    assert_int_equal(parse_with_exts(&ch, two_groups, groups, 3),
                     SG_CH_EDUPEXT);

    /* repeats OpenSSL lets through are listed as sent */
    assert_int_equal(parse_with_exts(&ch, two_unknown, empty, 2), SG_CH_OK);
    assert_int_equal(ch.n_exts, 2);
    assert_int_equal(parse_with_exts(&ch, two_grease, empty, 2), SG_CH_OK);
    assert_int_equal(ch.n_exts, 2);
}


static void
test_capacities(void **state)
{
    tb_t             t;
    size_t           c, e, i;
    char             body[4 * 1024];
    sg_clienthello_t ch;

    (void) state;

    for (c = SG_CH_MAX_CIPHERS; c <= SG_CH_MAX_CIPHERS + 1; c++) {
        tb_hello(&t, "");
        t.n -= 4; /* drop the empty list and the compression */
        tb_u16(&t, (unsigned) (2 * c));
        for (i = 0; i < c; i++) {
            tb_u16(&t, (unsigned) (0x0100 + i));
        }
        tb_hex(&t, "01 00");
        tb_done(&t);
        assert_int_equal(tb_parse(&t, &ch),
                         c == SG_CH_MAX_CIPHERS ? SG_CH_OK : SG_CH_ETOOMANY);
    }

    for (c = SG_CH_MAX_EXTS; c <= SG_CH_MAX_EXTS + 1; c++) {
        tb_hello(&t, "1301");
        e = tb_begin(&t, 2);
        for (i = 0; i < c; i++) {
            tb_ext(&t, (unsigned) (0x7000 + i), "");
        }
        tb_end(&t, e, 2);
        tb_done(&t);
        assert_int_equal(tb_parse(&t, &ch),
                         c == SG_CH_MAX_EXTS ? SG_CH_OK : SG_CH_ETOOMANY);
    }

    /* one group too many */
    snprintf(body, sizeof(body), "%04x", 2 * (SG_CH_MAX_GROUPS + 1));
    for (i = 0; i <= SG_CH_MAX_GROUPS; i++) {
        strcat(body, "0017");
    }
    assert_int_equal(parse_one_ext(&ch, 0x000a, body), SG_CH_ETOOMANY);

    /* one point format too many */
    snprintf(body, sizeof(body), "%02x", SG_CH_MAX_ECPF + 1);
    for (i = 0; i <= SG_CH_MAX_ECPF; i++) {
        strcat(body, "00");
    }
    assert_int_equal(parse_one_ext(&ch, 0x000b, body), SG_CH_ETOOMANY);
}


/* A hello with c ciphers and e unknown extensions. */
static void
tb_big(tb_t *t, size_t c, size_t e)
{
    size_t i, x;

    tb_hello(t, "");
    t->n -= 4;
    tb_u16(t, (unsigned) (2 * c));
    for (i = 0; i < c; i++) {
        tb_u16(t, (unsigned) (0x0100 + i));
    }
    tb_hex(t, "01 00");
    x = tb_begin(t, 2);
    for (i = 0; i < e; i++) {
        tb_ext(t, (unsigned) (0x7000 + i), "");
    }
    tb_end(t, x, 2);
    tb_done(t);
}


static void
test_capacities_cut(void **state)
{
    tb_t             t;
    uint8_t         *p;
    sg_clienthello_t ch;
    sg_tls_fp_t      big, fit;

    (void) state;

    /* More than any client sends: the strict parse refuses, the cutting
     * parse keeps the first SG_CH_MAX_* and says so. */
    tb_big(&t, SG_CH_MAX_CIPHERS + 40, SG_CH_MAX_EXTS + 6);
    assert_int_equal(tb_parse(&t, &ch), SG_CH_ETOOMANY);

    p = exact_copy(t.b, t.n);
    assert_int_equal(sg_clienthello_parse_cut(p, t.n, &ch), SG_CH_OK);
    assert_true(ch.truncated);
    assert_int_equal(ch.n_ciphers, SG_CH_MAX_CIPHERS);
    assert_int_equal(ch.n_exts, SG_CH_MAX_EXTS);
    assert_int_equal(ch.ciphers[SG_CH_MAX_CIPHERS - 1],
                     0x0100 + SG_CH_MAX_CIPHERS - 1);

    /* So a client cannot shed its fingerprint by offering too much: it gets
     * one, and never the signature of the hello it was cut down to. */
    assert_int_equal(sg_tls_fp_compute(p, t.n, &big), SG_TLS_FP_OK);
    assert_true(strncmp(big.tls, "s1_", 3) == 0);
    /* JA4's counts are capped at 99 anyway. */
    assert_memory_equal(big.ja4 + 3, "i99", 3);
    free(p);

    tb_big(&t, SG_CH_MAX_CIPHERS, SG_CH_MAX_EXTS);
    p = exact_copy(t.b, t.n);
    assert_int_equal(sg_clienthello_parse(p, t.n, &ch), SG_CH_OK);
    assert_false(ch.truncated);
    assert_int_equal(sg_tls_fp_compute(p, t.n, &fit), SG_TLS_FP_OK);
    assert_string_not_equal(big.tls, fit.tls);
    free(p);

    /* Malformed stays malformed in either mode. */
    tb_big(&t, 3, 1);
    t.b[t.n - 1] ^= 0xff;
    t.n--;
    p = exact_copy(t.b, t.n);
    assert_int_not_equal(sg_clienthello_parse_cut(p, t.n, &ch), SG_CH_OK);
    free(p);
}


static void
test_grease_and_strerror(void **state)
{
    unsigned    v, i, j, n;
    const char *msg[SG_CH_ELAST];

    (void) state;

    /* RFC 8701 lists exactly these 16 values */
    n = 0;
    for (v = 0; v <= 0xffff; v++) {
        assert_int_equal(sg_clienthello_is_grease((uint16_t) v),
                         (v & 0x0f0f) == 0x0a0a &&
                             (v >> 12) == ((v >> 4) & 0xf));
        n += sg_clienthello_is_grease((uint16_t) v);
    }
    assert_int_equal(n, 16);
    assert_true(sg_clienthello_is_grease(0x0a0a));
    assert_true(sg_clienthello_is_grease(0xfafa));
    assert_false(sg_clienthello_is_grease(0x0a1a));
    assert_false(sg_clienthello_is_grease(0x1a0a));

    for (i = 0; i < SG_CH_ELAST; i++) {
        msg[i] = sg_clienthello_strerror((sg_ch_status_t) i);
        assert_non_null(msg[i]);
        for (j = 0; j < i; j++) {
            assert_string_not_equal(msg[i], msg[j]);
        }
    }
    assert_non_null(sg_clienthello_strerror(SG_CH_ELAST));
}


int
main(void)
{
    const struct CMUnitTest vectors[] = {
        cmocka_unit_test(test_vectors_parse),
        cmocka_unit_test(test_vectors_truncated),
    };
    const struct CMUnitTest handmade[] = {
        cmocka_unit_test(test_minimal_hellos),
        cmocka_unit_test(test_framing_errors),
        cmocka_unit_test(test_extension_bodies),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_capacities),
        cmocka_unit_test(test_capacities_cut),
        cmocka_unit_test(test_grease_and_strerror),
    };
    int rc;

    rc = cmocka_run_group_tests_name("clienthello_handmade", handmade, NULL,
                                     NULL);
    rc += cmocka_run_group_tests_name("clienthello_vectors", vectors,
                                      vecs_setup, vecs_teardown);

    return rc != 0;
}

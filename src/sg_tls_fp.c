/*
 * JA4, JA3 and the stable TLS signature.  Strings are built with a bounded
 * writer that records overflow instead of truncating silently.
 */

#include <string.h>

#include <openssl/evp.h>

#include "sg_tls_fp.h"


#define SG_FP_JA4_A_LEN 10

/* the largest JA4 b and c inputs: "xxxx," per entry */
#define SG_FP_B_SIZE (5 * SG_CH_MAX_CIPHERS + 1)
#define SG_FP_C_SIZE (5 * (SG_CH_MAX_EXTS + SG_CH_MAX_SIGALGS) + 1)
#define SG_FP_STABLE_INPUT_SIZE                                   \
    (32 +                                                         \
     5 * (SG_CH_MAX_CIPHERS + SG_CH_MAX_EXTS + SG_CH_MAX_GROUPS + \
          SG_CH_MAX_SIGALGS) +                                    \
     3 * SG_CH_MAX_ECPF)


typedef struct {
    char  *p;
    size_t len;
    size_t size;
    int    overflow;
} sg_fp_str_t;


static const char sg_fp_hex[] = "0123456789abcdef";


static void
sg_fp_str_init(sg_fp_str_t *s, char *buf, size_t size)
{
    s->p = buf;
    s->len = 0;
    s->size = size;
    s->overflow = (size == 0);

    if (size) {
        buf[0] = '\0';
    }
}


static void
sg_fp_putn(sg_fp_str_t *s, const char *src, size_t n)
{
    if (s->overflow || s->size - s->len <= n) {
        s->overflow = 1;
        return;
    }

    memcpy(s->p + s->len, src, n);
    s->len += n;
    s->p[s->len] = '\0';
}


static void
sg_fp_putc(sg_fp_str_t *s, char c)
{
    sg_fp_putn(s, &c, 1);
}


static void
sg_fp_puts(sg_fp_str_t *s, const char *src)
{
    sg_fp_putn(s, src, strlen(src));
}


static void
sg_fp_hex4(sg_fp_str_t *s, uint16_t v)
{
    char h[4];

    h[0] = sg_fp_hex[(v >> 12) & 0xf];
    h[1] = sg_fp_hex[(v >> 8) & 0xf];
    h[2] = sg_fp_hex[(v >> 4) & 0xf];
    h[3] = sg_fp_hex[v & 0xf];

    sg_fp_putn(s, h, 4);
}


static void
sg_fp_dec(sg_fp_str_t *s, unsigned v)
{
    char d[10];
    int  i;

    i = sizeof(d);

    do {
        d[--i] = (char) ('0' + v % 10);
        v /= 10;
    } while (v && i > 0);

    sg_fp_putn(s, d + i, sizeof(d) - i);
}


/* Finishes s: on overflow the output is emptied so no caller can mistake
 * a cut string for a fingerprint. */
static int
sg_fp_str_done(sg_fp_str_t *s)
{
    if (s->overflow) {
        if (s->size) {
            s->p[0] = '\0';
        }
        return SG_TLS_FP_ESPACE;
    }

    return SG_TLS_FP_OK;
}


static void
sg_fp_hex_list(sg_fp_str_t *s, const uint16_t *v, size_t n, char sep)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (i) {
            sg_fp_putc(s, sep);
        }
        sg_fp_hex4(s, v[i]);
    }
}


static void
sg_fp_dec_list(sg_fp_str_t *s, const uint16_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (i) {
            sg_fp_putc(s, '-');
        }
        sg_fp_dec(s, v[i]);
    }
}


/* Copies the non-GREASE entries of in[] not listed in skip[]. */
static size_t
sg_fp_filter(const uint16_t *in, size_t n, uint16_t *out, const uint16_t *skip,
             size_t nskip)
{
    size_t i, j, k;

    k = 0;

    for (i = 0; i < n; i++) {
        if (sg_clienthello_is_grease(in[i])) {
            continue;
        }

        for (j = 0; j < nskip; j++) {
            if (in[i] == skip[j]) {
                break;
            }
        }

        if (j == nskip) {
            out[k++] = in[i];
        }
    }

    return k;
}


/* Insertion sort: lists are short and this needs no callback or heap. */
static void
sg_fp_sort(uint16_t *v, size_t n)
{
    size_t   i, j;
    uint16_t x;

    for (i = 1; i < n; i++) {
        x = v[i];

        for (j = i; j > 0 && v[j - 1] > x; j--) {
            v[j] = v[j - 1];
        }

        v[j] = x;
    }
}


static int
sg_fp_digest_hex(const EVP_MD *md, const char *in, size_t len, size_t nhex,
                 sg_fp_str_t *s)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int  dlen;
    size_t        i;
    char          c;

    if (md == NULL || EVP_Digest(in, len, digest, &dlen, md, NULL) != 1 ||
        nhex > 2 * (size_t) dlen) {
        return SG_TLS_FP_ECRYPTO;
    }

    for (i = 0; i < nhex; i++) {
        c = sg_fp_hex[(digest[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
        sg_fp_putc(s, c);
    }

    return SG_TLS_FP_OK;
}


static int
sg_fp_is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}


static const char *
sg_fp_ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0002:
        return "s2";
    case 0xfeff:
        return "d1";
    case 0xfefd:
        return "d2";
    case 0xfefc:
        return "d3";
    default:
        return "00";
    }
}


static size_t
sg_fp_count_non_grease(const uint16_t *v, size_t n)
{
    size_t i, k;

    k = 0;

    for (i = 0; i < n; i++) {
        k += !sg_clienthello_is_grease(v[i]);
    }

    return k;
}


static void
sg_fp_count2(sg_fp_str_t *s, size_t n)
{
    if (n > 99) {
        n = 99;
    }

    sg_fp_putc(s, (char) ('0' + n / 10));
    sg_fp_putc(s, (char) ('0' + n % 10));
}


int
sg_tls_fp_ja4_a(const sg_clienthello_t *ch, char *buf, size_t size)
{
    uint8_t     first, last;
    sg_fp_str_t s;

    sg_fp_str_init(&s, buf, size);

    sg_fp_putc(&s, ch->has_quic_tp ? 'q' : 't');
    sg_fp_puts(&s, sg_fp_ja4_version(sg_clienthello_version(ch)));
    sg_fp_putc(&s, ch->has_sni ? 'd' : 'i');
    sg_fp_count2(&s, sg_fp_count_non_grease(ch->ciphers, ch->n_ciphers));
    sg_fp_count2(&s, sg_fp_count_non_grease(ch->exts, ch->n_exts));

    if (ch->alpn_first == NULL || ch->alpn_first_len == 0) {
        sg_fp_puts(&s, "00");

    } else {
        /*
         * A non-alphanumeric end byte becomes '9', as both reference
         * implementations print it, so ja4 matches their databases; the
         * spec's hex rule would give a value nobody else produces.
         */
        first = ch->alpn_first[0];
        last = ch->alpn_first[ch->alpn_first_len - 1];
        sg_fp_putc(&s, sg_fp_is_alnum(first) ? (char) first : '9');
        sg_fp_putc(&s, sg_fp_is_alnum(last) ? (char) last : '9');
    }

    return sg_fp_str_done(&s);
}


int
sg_tls_fp_ja4(const sg_clienthello_t *ch, unsigned flags, char *buf,
              size_t size)
{
    static const uint16_t skip_sorted[] = {SG_CH_EXT_SERVER_NAME,
                                           SG_CH_EXT_ALPN};

    int         rc;
    char        a[SG_FP_JA4_A_LEN + 1], b[SG_FP_B_SIZE], c[SG_FP_C_SIZE];
    size_t      nc, ne, ns;
    uint16_t    ciphers[SG_CH_MAX_CIPHERS], exts[SG_CH_MAX_EXTS];
    uint16_t    sigs[SG_CH_MAX_SIGALGS];
    sg_fp_str_t s, bs, cs;

    sg_fp_str_init(&s, buf, size);

    rc = sg_tls_fp_ja4_a(ch, a, sizeof(a));
    if (rc != SG_TLS_FP_OK) {
        return rc;
    }

    nc = sg_fp_filter(ch->ciphers, ch->n_ciphers, ciphers, NULL, 0);
    ns = sg_fp_filter(ch->sigalgs, ch->n_sigalgs, sigs, NULL, 0);

    if (flags & SG_TLS_FP_ORIG) {
        ne = sg_fp_filter(ch->exts, ch->n_exts, exts, NULL, 0);

    } else {
        ne = sg_fp_filter(ch->exts, ch->n_exts, exts, skip_sorted, 2);
        sg_fp_sort(ciphers, nc);
        sg_fp_sort(exts, ne);
    }

    sg_fp_str_init(&bs, b, sizeof(b));
    sg_fp_hex_list(&bs, ciphers, nc, ',');

    /* signature algorithms stay in wire order in every form */
    sg_fp_str_init(&cs, c, sizeof(c));
    sg_fp_hex_list(&cs, exts, ne, ',');

    if (ns) {
        sg_fp_putc(&cs, '_');
        sg_fp_hex_list(&cs, sigs, ns, ',');
    }

    if (bs.overflow || cs.overflow) {
        s.overflow = 1;
        return sg_fp_str_done(&s);
    }

    sg_fp_puts(&s, a);
    sg_fp_putc(&s, '_');

    if (flags & SG_TLS_FP_RAW) {
        sg_fp_putn(&s, b, bs.len);
        sg_fp_putc(&s, '_');
        sg_fp_putn(&s, c, cs.len);
        return sg_fp_str_done(&s);
    }

    /* an empty list reads as zeros rather than the hash of "" */
    if (nc == 0) {
        sg_fp_puts(&s, "000000000000");

    } else {
        rc = sg_fp_digest_hex(EVP_sha256(), b, bs.len, 12, &s);
        if (rc != SG_TLS_FP_OK) {
            sg_fp_str_init(&s, buf, size);
            return rc;
        }
    }

    sg_fp_putc(&s, '_');

    if (ne == 0) {
        sg_fp_puts(&s, "000000000000");

    } else {
        rc = sg_fp_digest_hex(EVP_sha256(), c, cs.len, 12, &s);
        if (rc != SG_TLS_FP_OK) {
            sg_fp_str_init(&s, buf, size);
            return rc;
        }
    }

    return sg_fp_str_done(&s);
}


int
sg_tls_fp_ja3_string(const sg_clienthello_t *ch, char *buf, size_t size)
{
    size_t      i, n;
    uint16_t    tmp[SG_CH_MAX_CIPHERS];
    sg_fp_str_t s;

    sg_fp_str_init(&s, buf, size);

    sg_fp_dec(&s, ch->legacy_version);
    sg_fp_putc(&s, ',');

    n = sg_fp_filter(ch->ciphers, ch->n_ciphers, tmp, NULL, 0);
    sg_fp_dec_list(&s, tmp, n);
    sg_fp_putc(&s, ',');

    n = sg_fp_filter(ch->exts, ch->n_exts, tmp, NULL, 0);
    sg_fp_dec_list(&s, tmp, n);
    sg_fp_putc(&s, ',');

    n = sg_fp_filter(ch->groups, ch->n_groups, tmp, NULL, 0);
    sg_fp_dec_list(&s, tmp, n);
    sg_fp_putc(&s, ',');

    for (i = 0; i < ch->n_ecpf; i++) {
        if (i) {
            sg_fp_putc(&s, '-');
        }
        sg_fp_dec(&s, ch->ecpf[i]);
    }

    return sg_fp_str_done(&s);
}


int
sg_tls_fp_ja3(const sg_clienthello_t *ch, char *buf, size_t size)
{
    int         rc;
    char        str[SG_TLS_FP_JA3_STRING_SIZE];
    sg_fp_str_t s;

    sg_fp_str_init(&s, buf, size);

    rc = sg_tls_fp_ja3_string(ch, str, sizeof(str));
    if (rc != SG_TLS_FP_OK) {
        return rc;
    }

    rc = sg_fp_digest_hex(EVP_md5(), str, strlen(str), 32, &s);
    if (rc != SG_TLS_FP_OK) {
        sg_fp_str_init(&s, buf, size);
        return rc;
    }

    return sg_fp_str_done(&s);
}


int
sg_tls_fp_stable(const sg_clienthello_t *ch, char *buf, size_t size)
{
    /*
     * Extensions that one client adds or drops from one connection to the
     * next: the destination (SNI), the protocol an application asks for on
     * this connection (ALPN: WebSocket connections offer http/1.1 alone),
     * message-size padding, resumption (pre_shared_key, early_data) and the
     * retry after a HelloRetryRequest (cookie).
     */
    static const uint16_t volatile_exts[] = {
        SG_CH_EXT_SERVER_NAME,    SG_CH_EXT_ALPN,       SG_CH_EXT_PADDING,
        SG_CH_EXT_PRE_SHARED_KEY, SG_CH_EXT_EARLY_DATA, SG_CH_EXT_COOKIE};

    int         rc;
    char        in[SG_FP_STABLE_INPUT_SIZE];
    size_t      i, n;
    uint16_t    tmp[SG_CH_MAX_CIPHERS];
    sg_fp_str_t s, is;

    sg_fp_str_init(&s, buf, size);
    sg_fp_str_init(&is, in, sizeof(in));

    sg_fp_puts(&is, "v=");
    sg_fp_hex4(&is, sg_clienthello_version(ch));

    sg_fp_puts(&is, ";c=");
    n = sg_fp_filter(ch->ciphers, ch->n_ciphers, tmp, NULL, 0);
    sg_fp_sort(tmp, n);
    sg_fp_hex_list(&is, tmp, n, ',');

    sg_fp_puts(&is, ";e=");
    n = sg_fp_filter(ch->exts, ch->n_exts, tmp, volatile_exts,
                     sizeof(volatile_exts) / sizeof(volatile_exts[0]));
    sg_fp_sort(tmp, n);
    sg_fp_hex_list(&is, tmp, n, ',');

    sg_fp_puts(&is, ";g=");
    n = sg_fp_filter(ch->groups, ch->n_groups, tmp, NULL, 0);
    sg_fp_hex_list(&is, tmp, n, ',');

    sg_fp_puts(&is, ";p=");
    for (i = 0; i < ch->n_ecpf; i++) {
        if (i) {
            sg_fp_putc(&is, ',');
        }
        sg_fp_dec(&is, ch->ecpf[i]);
    }

    sg_fp_puts(&is, ";s=");
    n = sg_fp_filter(ch->sigalgs, ch->n_sigalgs, tmp, NULL, 0);
    sg_fp_hex_list(&is, tmp, n, ',');

    /* A cut hello never shares a signature with a complete one. */
    if (ch->truncated) {
        sg_fp_puts(&is, ";cut");
    }

    if (is.overflow) {
        s.overflow = 1;
        return sg_fp_str_done(&s);
    }

    sg_fp_puts(&s, "s1_");

    rc = sg_fp_digest_hex(EVP_sha256(), in, is.len, 16, &s);
    if (rc != SG_TLS_FP_OK) {
        sg_fp_str_init(&s, buf, size);
        return rc;
    }

    return sg_fp_str_done(&s);
}


static void
sg_tls_fp_clear(sg_tls_fp_t *out)
{
    out->ja4[0] = '\0';
    out->ja4_r[0] = '\0';
    out->ja4_o[0] = '\0';
    out->ja4_ro[0] = '\0';
    out->ja3[0] = '\0';
    out->ja3_string[0] = '\0';
    out->tls[0] = '\0';
    out->facts.flags = 0;
}


int
sg_tls_fp_from_hello(const sg_clienthello_t *ch, sg_tls_fp_t *out)
{
    int rc;

    rc = sg_tls_fp_ja4(ch, 0, out->ja4, sizeof(out->ja4));

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_ja4(ch, SG_TLS_FP_RAW, out->ja4_r, sizeof(out->ja4_r));
    }

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_ja4(ch, SG_TLS_FP_ORIG, out->ja4_o, sizeof(out->ja4_o));
    }

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_ja4(ch, SG_TLS_FP_RAW | SG_TLS_FP_ORIG, out->ja4_ro,
                           sizeof(out->ja4_ro));
    }

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_ja3_string(ch, out->ja3_string, sizeof(out->ja3_string));
    }

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_ja3(ch, out->ja3, sizeof(out->ja3));
    }

    if (rc == SG_TLS_FP_OK) {
        rc = sg_tls_fp_stable(ch, out->tls, sizeof(out->tls));
    }

    if (rc != SG_TLS_FP_OK) {
        sg_tls_fp_clear(out);

    } else {
        sg_client_facts(ch, &out->facts);
    }

    return rc;
}


int
sg_tls_fp_compute(const uint8_t *msg, size_t len, sg_tls_fp_t *out)
{
    sg_ch_status_t   rc;
    sg_clienthello_t ch;

    if (out == NULL) {
        return SG_CH_EARG;
    }

    sg_tls_fp_clear(out);

    rc = sg_clienthello_parse(msg, len, &ch);

    /* More ciphers or extensions than any real client sends: fingerprint
     * what fits, marked, rather than leave the connection without one. */
    if (rc == SG_CH_ETOOMANY) {
        rc = sg_clienthello_parse_cut(msg, len, &ch);
    }

    if (rc != SG_CH_OK) {
        return (int) rc;
    }

    return sg_tls_fp_from_hello(&ch, out);
}


const char *
sg_tls_fp_strerror(int rc)
{
    switch (rc) {
    case SG_TLS_FP_ECRYPTO:
        return "digest computation failed in libcrypto";
    case SG_TLS_FP_ESPACE:
        return "output buffer too small";
    default:
        return sg_clienthello_strerror((sg_ch_status_t) rc);
    }
}

/*
 * ClientHello parser.  Every read goes through a bounded cursor, so a
 * length field can at worst make a read fail, never run past the buffer.
 */

#include <string.h>

#include "sg_clienthello.h"


typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} sg_ch_cur_t;


static int
sg_ch_u8(sg_ch_cur_t *c, size_t *v)
{
    if (c->end - c->p < 1) {
        return -1;
    }

    *v = c->p[0];
    c->p += 1;

    return 0;
}


static int
sg_ch_u16(sg_ch_cur_t *c, size_t *v)
{
    if (c->end - c->p < 2) {
        return -1;
    }

    *v = ((size_t) c->p[0] << 8) | c->p[1];
    c->p += 2;

    return 0;
}


/* Splits n bytes off the front of c into sub. */
static int
sg_ch_take(sg_ch_cur_t *c, size_t n, sg_ch_cur_t *sub)
{
    if ((size_t) (c->end - c->p) < n) {
        return -1;
    }

    sub->p = c->p;
    sub->end = c->p + n;
    c->p += n;

    return 0;
}


static size_t
sg_ch_left(const sg_ch_cur_t *c)
{
    return (size_t) (c->end - c->p);
}


/*
 * Whether a list longer than its capacity may be cut (marking the hello
 * truncated) rather than failing the parse.
 */
static int
sg_ch_cut(sg_clienthello_t *ch, size_t want, size_t cap)
{
    if (want <= cap) {
        return 1;
    }

    if (!ch->cut_lists) {
        return 0;
    }

    ch->truncated = 1;

    return 1;
}


/* Reads a list of 16-bit values that fills the cursor exactly. */
static sg_ch_status_t
sg_ch_u16_list(sg_ch_cur_t *c, sg_clienthello_t *ch, uint16_t *out, size_t cap,
               size_t *n)
{
    size_t len, i;

    len = sg_ch_left(c);

    if (len % 2) {
        return SG_CH_EEXTBODY;
    }

    if (!sg_ch_cut(ch, len / 2, cap)) {
        return SG_CH_ETOOMANY;
    }

    for (i = 0; i < len / 2 && i < cap; i++) {
        out[i] = (uint16_t) ((c->p[2 * i] << 8) | c->p[2 * i + 1]);
    }

    *n = i;
    c->p = c->end;

    return SG_CH_OK;
}


/* Opens a length-prefixed vector (1 or 2 length bytes) that must fill the
 * whole extension body. */
static sg_ch_status_t
sg_ch_vector(sg_ch_cur_t *body, int len_bytes, sg_ch_cur_t *vec)
{
    size_t n;
    int    rc;

    rc = (len_bytes == 1) ? sg_ch_u8(body, &n) : sg_ch_u16(body, &n);

    if (rc != 0 || sg_ch_left(body) != n) {
        return SG_CH_EEXTBODY;
    }

    vec->p = body->p;
    vec->end = body->end;
    body->p = body->end;

    return SG_CH_OK;
}


static sg_ch_status_t
sg_ch_sni(sg_ch_cur_t *body, sg_clienthello_t *ch)
{
    size_t         type, n;
    sg_ch_cur_t    list, name;
    sg_ch_status_t rc;

    rc = sg_ch_vector(body, 2, &list);
    if (rc != SG_CH_OK) {
        return rc;
    }

    while (sg_ch_left(&list)) {
        if (sg_ch_u8(&list, &type) != 0 || sg_ch_u16(&list, &n) != 0 ||
            sg_ch_take(&list, n, &name) != 0) {
            return SG_CH_EEXTBODY;
        }

        if (type == 0 && ch->sni == NULL) {
            ch->sni = name.p;
            ch->sni_len = n;
        }
    }

    return SG_CH_OK;
}


static sg_ch_status_t
sg_ch_alpn(sg_ch_cur_t *body, sg_clienthello_t *ch)
{
    size_t         n;
    sg_ch_cur_t    list, proto;
    sg_ch_status_t rc;

    rc = sg_ch_vector(body, 2, &list);
    if (rc != SG_CH_OK) {
        return rc;
    }

    ch->alpn_list = list.p;
    ch->alpn_list_len = sg_ch_left(&list);

    while (sg_ch_left(&list)) {
        if (sg_ch_u8(&list, &n) != 0 || sg_ch_take(&list, n, &proto) != 0) {
            return SG_CH_EEXTBODY;
        }

        if (ch->alpn_count == 0) {
            ch->alpn_first = proto.p;
            ch->alpn_first_len = n;
        }

        ch->alpn_count++;
    }

    return SG_CH_OK;
}


static sg_ch_status_t
sg_ch_extension(uint16_t type, sg_ch_cur_t *body, sg_clienthello_t *ch)
{
    size_t         i;
    sg_ch_cur_t    vec;
    sg_ch_status_t rc;

    switch (type) {
    case SG_CH_EXT_SERVER_NAME:
        if (ch->has_sni) {
            return SG_CH_EDUPEXT;
        }
        ch->has_sni = 1;
        return sg_ch_sni(body, ch);

    case SG_CH_EXT_ALPN:
        if (ch->has_alpn) {
            return SG_CH_EDUPEXT;
        }
        ch->has_alpn = 1;
        return sg_ch_alpn(body, ch);

    case SG_CH_EXT_SUPPORTED_VERSIONS:
        if (ch->has_supported_versions) {
            return SG_CH_EDUPEXT;
        }
        ch->has_supported_versions = 1;
        rc = sg_ch_vector(body, 1, &vec);
        if (rc != SG_CH_OK) {
            return rc;
        }
        return sg_ch_u16_list(&vec, ch, ch->versions, SG_CH_MAX_VERSIONS,
                              &ch->n_versions);

    case SG_CH_EXT_SUPPORTED_GROUPS:
        if (ch->has_supported_groups) {
            return SG_CH_EDUPEXT;
        }
        ch->has_supported_groups = 1;
        rc = sg_ch_vector(body, 2, &vec);
        if (rc != SG_CH_OK) {
            return rc;
        }
        return sg_ch_u16_list(&vec, ch, ch->groups, SG_CH_MAX_GROUPS,
                              &ch->n_groups);

    case SG_CH_EXT_SIGNATURE_ALGS:
        if (ch->has_sig_algs) {
            return SG_CH_EDUPEXT;
        }
        ch->has_sig_algs = 1;
        rc = sg_ch_vector(body, 2, &vec);
        if (rc != SG_CH_OK) {
            return rc;
        }
        return sg_ch_u16_list(&vec, ch, ch->sigalgs, SG_CH_MAX_SIGALGS,
                              &ch->n_sigalgs);

    case SG_CH_EXT_EC_POINT_FORMATS:
        if (ch->has_ec_point_formats) {
            return SG_CH_EDUPEXT;
        }
        ch->has_ec_point_formats = 1;
        rc = sg_ch_vector(body, 1, &vec);
        if (rc != SG_CH_OK) {
            return rc;
        }
        if (!sg_ch_cut(ch, sg_ch_left(&vec), SG_CH_MAX_ECPF)) {
            return SG_CH_ETOOMANY;
        }
        for (i = 0; vec.p < vec.end && i < SG_CH_MAX_ECPF; i++, vec.p++) {
            ch->ecpf[i] = *vec.p;
        }
        ch->n_ecpf = i;
        return SG_CH_OK;

    case SG_CH_EXT_QUIC_TRANSPORT:
        ch->has_quic_tp = 1;
        return SG_CH_OK;

    default:
        return SG_CH_OK;
    }
}


static sg_ch_status_t
sg_ch_extensions(sg_ch_cur_t *blk, sg_clienthello_t *ch)
{
    size_t         type, n;
    sg_ch_cur_t    body;
    sg_ch_status_t rc;

    while (sg_ch_left(blk)) {
        if (sg_ch_u16(blk, &type) != 0 || sg_ch_u16(blk, &n) != 0 ||
            sg_ch_take(blk, n, &body) != 0) {
            return SG_CH_EEXT;
        }

        if (!sg_ch_cut(ch, ch->n_exts + 1, SG_CH_MAX_EXTS)) {
            return SG_CH_ETOOMANY;
        }

        if (ch->n_exts < SG_CH_MAX_EXTS) {
            ch->exts[ch->n_exts++] = (uint16_t) type;
        }

        rc = sg_ch_extension((uint16_t) type, &body, ch);
        if (rc != SG_CH_OK) {
            return rc;
        }
    }

    return SG_CH_OK;
}


static sg_ch_status_t
sg_clienthello_parse_mode(const uint8_t *msg, size_t len, int cut,
                          sg_clienthello_t *ch)
{
    size_t         n, hs_len, i;
    sg_ch_cur_t    c, sub;
    sg_ch_status_t rc;

    if (msg == NULL || ch == NULL) {
        return SG_CH_EARG;
    }

    memset(ch, 0, sizeof(*ch));
    ch->cut_lists = cut ? 1 : 0;

    if (len < 4) {
        return SG_CH_ETRUNC;
    }

    if (msg[0] != 0x01) {
        return SG_CH_ETYPE;
    }

    hs_len = ((size_t) msg[1] << 16) | ((size_t) msg[2] << 8) | msg[3];

    if (hs_len > len - 4) {
        return SG_CH_ETRUNC;
    }

    if (hs_len < len - 4) {
        return SG_CH_ETRAILING;
    }

    c.p = msg + 4;
    c.end = msg + len;

    if (sg_ch_u16(&c, &n) != 0) {
        return SG_CH_ETRUNC;
    }

    if ((n >> 8) != 0x03) {
        return SG_CH_EVERSION;
    }

    ch->legacy_version = (uint16_t) n;

    if (sg_ch_take(&c, 32, &sub) != 0) {
        return SG_CH_ETRUNC;
    }

    ch->random = sub.p;

    if (sg_ch_u8(&c, &n) != 0) {
        return SG_CH_ETRUNC;
    }

    if (n > 32) {
        return SG_CH_ESESSIONID;
    }

    if (sg_ch_take(&c, n, &sub) != 0) {
        return SG_CH_ETRUNC;
    }

    ch->session_id = sub.p;
    ch->session_id_len = n;

    if (sg_ch_u16(&c, &n) != 0 || sg_ch_take(&c, n, &sub) != 0) {
        return SG_CH_ETRUNC;
    }

    if (n % 2) {
        return SG_CH_ECIPHERS;
    }

    if (!sg_ch_cut(ch, n / 2, SG_CH_MAX_CIPHERS)) {
        return SG_CH_ETOOMANY;
    }

    for (i = 0; i < n / 2 && i < SG_CH_MAX_CIPHERS; i++) {
        ch->ciphers[i] = (uint16_t) ((sub.p[2 * i] << 8) | sub.p[2 * i + 1]);
    }

    ch->n_ciphers = i;

    if (sg_ch_u8(&c, &n) != 0 || sg_ch_take(&c, n, &sub) != 0) {
        return SG_CH_ETRUNC;
    }

    ch->compression = sub.p;
    ch->compression_len = n;

    /* SSL 3.0 and early TLS clients may end the hello here */
    if (sg_ch_left(&c) == 0) {
        return SG_CH_OK;
    }

    if (sg_ch_u16(&c, &n) != 0 || sg_ch_take(&c, n, &sub) != 0) {
        return SG_CH_ETRUNC;
    }

    if (sg_ch_left(&c) != 0) {
        return SG_CH_ETRAILING;
    }

    ch->ext_block = sub.p;
    ch->ext_block_len = n;

    rc = sg_ch_extensions(&sub, ch);
    if (rc != SG_CH_OK) {
        return rc;
    }

    return SG_CH_OK;
}


sg_ch_status_t
sg_clienthello_parse(const uint8_t *msg, size_t len, sg_clienthello_t *ch)
{
    return sg_clienthello_parse_mode(msg, len, 0, ch);
}


sg_ch_status_t
sg_clienthello_parse_cut(const uint8_t *msg, size_t len, sg_clienthello_t *ch)
{
    return sg_clienthello_parse_mode(msg, len, 1, ch);
}


const char *
sg_clienthello_strerror(sg_ch_status_t rc)
{
    switch (rc) {
    case SG_CH_OK:
        return "ok";
    case SG_CH_EARG:
        return "invalid argument";
    case SG_CH_ETYPE:
        return "not a ClientHello handshake message";
    case SG_CH_ETRUNC:
        return "truncated ClientHello: a length runs past the end";
    case SG_CH_ETRAILING:
        return "unexpected bytes after the ClientHello data";
    case SG_CH_EVERSION:
        return "legacy_version is not TLS/SSL 3.x";
    case SG_CH_ESESSIONID:
        return "session id longer than 32 bytes";
    case SG_CH_ECIPHERS:
        return "cipher suite list has an odd length";
    case SG_CH_EEXT:
        return "extension runs past the end of the extension block";
    case SG_CH_EEXTBODY:
        return "malformed extension body";
    case SG_CH_EDUPEXT:
        return "duplicate extension";
    case SG_CH_ETOOMANY:
        return "too many ciphers, extensions or list entries";
    default:
        return "unknown ClientHello status";
    }
}


int
sg_clienthello_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}


uint16_t
sg_clienthello_version(const sg_clienthello_t *ch)
{
    size_t   i;
    uint16_t best;

    best = 0;

    for (i = 0; i < ch->n_versions; i++) {
        if (!sg_clienthello_is_grease(ch->versions[i]) &&
            ch->versions[i] > best) {
            best = ch->versions[i];
        }
    }

    return best ? best : ch->legacy_version;
}

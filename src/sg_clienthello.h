/*
 * sg_clienthello: zero-copy parser of a TLS ClientHello handshake message.
 *
 * Input: the whole handshake message as OpenSSL's message callback passes it
 * for content type 22: type byte 0x01, 3-byte length, body.  No record
 * header, no QUIC framing.  DTLS hellos (which carry a cookie field) are not
 * accepted.
 *
 * Contract:
 * - sg_clienthello_parse() reads only msg[0 .. len-1], trusts no length
 *   field, allocates nothing and keeps no state.  On SG_CH_OK every pointer
 *   in the result points into msg, so msg must outlive the result.  On any
 *   other status the content of *ch is unspecified and must not be used.
 * - The handshake length must match len exactly; framing must add up
 *   exactly (no trailing bytes in the body or in the extension block).
 * - The bodies of the extensions read here (server_name, ALPN,
 *   supported_versions, supported_groups, ec_point_formats,
 *   signature_algorithms) must be well formed, and none of them may appear
 *   twice.  Other extensions are only listed (type, in wire order), and an
 *   unknown type may repeat, as OpenSSL accepts that.
 * - Lists are kept in wire order, GREASE values included.  A list longer
 *   than its capacity (SG_CH_MAX_*) fails with SG_CH_ETOOMANY rather than
 *   being truncated, so no fingerprint is ever computed from partial data
 *   unknowingly.  sg_clienthello_parse_cut() instead keeps the first
 *   SG_CH_MAX_* entries of such a list and sets truncated: a client must not
 *   escape fingerprinting by offering more than the parser keeps.
 */

#ifndef SG_CLIENTHELLO_H
#define SG_CLIENTHELLO_H

#include <stddef.h>
#include <stdint.h>


#define SG_CH_MAX_CIPHERS  256
#define SG_CH_MAX_EXTS     64
#define SG_CH_MAX_GROUPS   64
#define SG_CH_MAX_SIGALGS  64
#define SG_CH_MAX_VERSIONS 32
#define SG_CH_MAX_ECPF     16

#define SG_CH_EXT_SERVER_NAME        0x0000
#define SG_CH_EXT_SUPPORTED_GROUPS   0x000a
#define SG_CH_EXT_EC_POINT_FORMATS   0x000b
#define SG_CH_EXT_SIGNATURE_ALGS     0x000d
#define SG_CH_EXT_ALPN               0x0010
#define SG_CH_EXT_PADDING            0x0015
#define SG_CH_EXT_PRE_SHARED_KEY     0x0029
#define SG_CH_EXT_EARLY_DATA         0x002a
#define SG_CH_EXT_SUPPORTED_VERSIONS 0x002b
#define SG_CH_EXT_COOKIE             0x002c
#define SG_CH_EXT_QUIC_TRANSPORT     0x0039


typedef enum {
    SG_CH_OK = 0,
    SG_CH_EARG,       /* NULL argument */
    SG_CH_ETYPE,      /* handshake type is not ClientHello (1) */
    SG_CH_ETRUNC,     /* a length points past the end of the data */
    SG_CH_ETRAILING,  /* bytes left over after the message or extensions */
    SG_CH_EVERSION,   /* legacy_version is not 3.x */
    SG_CH_ESESSIONID, /* session id longer than 32 bytes */
    SG_CH_ECIPHERS,   /* cipher suite list has an odd length */
    SG_CH_EEXT,       /* extension header or body overruns the block */
    SG_CH_EEXTBODY,   /* malformed body of an extension we interpret */
    SG_CH_EDUPEXT,    /* an extension we interpret appears twice */
    SG_CH_ETOOMANY,   /* a list exceeds its SG_CH_MAX_* capacity */
    SG_CH_ELAST
} sg_ch_status_t;


typedef struct {
    uint16_t       legacy_version;
    const uint8_t *random; /* 32 bytes */
    const uint8_t *session_id;
    size_t         session_id_len;
    const uint8_t *compression;
    size_t         compression_len;

    uint16_t ciphers[SG_CH_MAX_CIPHERS];
    size_t   n_ciphers;

    /* extension types in wire order; ext_block is the list without its
     * 2-byte length, NULL when the hello has no extension block at all */
    uint16_t       exts[SG_CH_MAX_EXTS];
    size_t         n_exts;
    const uint8_t *ext_block;
    size_t         ext_block_len;

    unsigned has_sni : 1;
    unsigned has_alpn : 1;
    unsigned has_supported_versions : 1;
    unsigned has_supported_groups : 1;
    unsigned has_ec_point_formats : 1;
    unsigned has_sig_algs : 1;
    unsigned has_quic_tp : 1;
    unsigned cut_lists : 1; /* parsed by sg_clienthello_parse_cut() */
    unsigned truncated : 1; /* a list was cut to its capacity */

    /* first host_name entry of server_name; NULL if none */
    const uint8_t *sni;
    size_t         sni_len;

    /* ALPN protocol_name_list without its length, and its first value */
    const uint8_t *alpn_list;
    size_t         alpn_list_len;
    size_t         alpn_count;
    const uint8_t *alpn_first;
    size_t         alpn_first_len;

    uint16_t versions[SG_CH_MAX_VERSIONS];
    size_t   n_versions;
    uint16_t groups[SG_CH_MAX_GROUPS];
    size_t   n_groups;
    uint8_t  ecpf[SG_CH_MAX_ECPF];
    size_t   n_ecpf;
    uint16_t sigalgs[SG_CH_MAX_SIGALGS];
    size_t   n_sigalgs;
} sg_clienthello_t;


sg_ch_status_t sg_clienthello_parse(const uint8_t *msg, size_t len,
                                    sg_clienthello_t *ch);
sg_ch_status_t sg_clienthello_parse_cut(const uint8_t *msg, size_t len,
                                        sg_clienthello_t *ch);
const char    *sg_clienthello_strerror(sg_ch_status_t rc);

/* RFC 8701 reserved values: 0x0a0a, 0x1a1a, ... 0xfafa */
int sg_clienthello_is_grease(uint16_t v);

/* Highest non-GREASE supported_versions entry, else legacy_version. */
uint16_t sg_clienthello_version(const sg_clienthello_t *ch);

#endif /* SG_CLIENTHELLO_H */

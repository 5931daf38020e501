/*
 * sg_tls_fp: TLS client fingerprints from a parsed ClientHello.
 *
 * - JA4 per FoxIO's JA4 spec (BSD-3-Clause), in four forms: ja4 (sorted,
 *   hashed), ja4_r (sorted, raw), ja4_o (wire order, hashed), ja4_ro (wire
 *   order, raw).  Where the spec and the reference implementations disagree
 *   see docs/tls-fingerprints.md.
 * - JA3: the decimal string and its MD5, GREASE removed.
 * - A "stable" signature ("s1_" + 16 hex) for session binding: it ignores
 *   what changes between connections of one client (extension order,
 *   resumption, padding, SNI, ALPN) and keeps what tells stacks apart.
 *
 * Contract: pure functions; output goes to caller-owned buffers, always
 * NUL-terminated (empty on error).  SHA-256 and MD5 come from libcrypto's
 * EVP interface, which may allocate internally; nothing here does.  Every
 * function returns SG_TLS_FP_OK, a sg_ch_status_t parse error (only the
 * functions that parse), SG_TLS_FP_ESPACE if a buffer is too small, or
 * SG_TLS_FP_ECRYPTO if libcrypto fails (e.g. MD5 unavailable under FIPS).
 * Buffers of the SG_TLS_FP_*_SIZE sizes below never give SG_TLS_FP_ESPACE.
 */

#ifndef SG_TLS_FP_H
#define SG_TLS_FP_H

#include <stddef.h>
#include <stdint.h>

#include "sg_client_claim.h"
#include "sg_clienthello.h"


/* buffer sizes, terminating NUL included */
#define SG_TLS_FP_JA4_SIZE 37
#define SG_TLS_FP_JA4_RAW_SIZE \
    (11 + 5 * (SG_CH_MAX_CIPHERS + SG_CH_MAX_EXTS + SG_CH_MAX_SIGALGS))
#define SG_TLS_FP_JA3_SIZE 33
#define SG_TLS_FP_JA3_STRING_SIZE                                      \
    (6 + 6 * (SG_CH_MAX_CIPHERS + SG_CH_MAX_EXTS + SG_CH_MAX_GROUPS) + \
     4 * SG_CH_MAX_ECPF)
#define SG_TLS_FP_STABLE_SIZE 20

/* sg_tls_fp_ja4() flags */
#define SG_TLS_FP_RAW  0x01 /* lists instead of truncated hashes */
#define SG_TLS_FP_ORIG 0x02 /* wire order, SNI and ALPN kept */

/* status codes beyond sg_ch_status_t */
#define SG_TLS_FP_OK      0
#define SG_TLS_FP_ECRYPTO 64
#define SG_TLS_FP_ESPACE  65


typedef struct {
    char ja4[SG_TLS_FP_JA4_SIZE];
    char ja4_r[SG_TLS_FP_JA4_RAW_SIZE];
    char ja4_o[SG_TLS_FP_JA4_SIZE];
    char ja4_ro[SG_TLS_FP_JA4_RAW_SIZE];
    char ja3[SG_TLS_FP_JA3_SIZE];
    char ja3_string[SG_TLS_FP_JA3_STRING_SIZE];
    char tls[SG_TLS_FP_STABLE_SIZE];
    /* what client_mismatch needs of the hello (sg_client_claim.h) */
    sg_client_facts_t facts;
} sg_tls_fp_t;


/* Parses msg (see sg_clienthello.h) and fills every field of *out. */
int sg_tls_fp_compute(const uint8_t *msg, size_t len, sg_tls_fp_t *out);
int sg_tls_fp_from_hello(const sg_clienthello_t *ch, sg_tls_fp_t *out);

/* The JA4 "a" section, e.g. "t13d1516h2" (11 bytes with the NUL). */
int sg_tls_fp_ja4_a(const sg_clienthello_t *ch, char *buf, size_t size);
int sg_tls_fp_ja4(const sg_clienthello_t *ch, unsigned flags, char *buf,
                  size_t size);
int sg_tls_fp_ja3_string(const sg_clienthello_t *ch, char *buf, size_t size);
int sg_tls_fp_ja3(const sg_clienthello_t *ch, char *buf, size_t size);
int sg_tls_fp_stable(const sg_clienthello_t *ch, char *buf, size_t size);

const char *sg_tls_fp_strerror(int rc);

#endif /* SG_TLS_FP_H */

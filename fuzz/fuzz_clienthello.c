/*
 * libFuzzer target: parses the input as a ClientHello handshake message and
 * computes every fingerprint.  Beyond "no crash", it checks the invariants
 * callers rely on: on success every string has its documented shape, on
 * failure every output is empty; a hello with lists over the parser's
 * capacity is fingerprinted from what sg_clienthello_parse_cut() keeps.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_tls_fp.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sg_tls_fp_t fp;
    sg_clienthello_t   ch;
    sg_ch_status_t     rc;
    int                frc;

    frc = sg_tls_fp_compute(data, size, &fp);
    rc = sg_clienthello_parse(data, size, &ch);

    /* Too many ciphers or extensions: fingerprinted from what fits. */
    if (rc == SG_CH_ETOOMANY) {
        rc = sg_clienthello_parse_cut(data, size, &ch);
        sg_fuzz_check(rc != SG_CH_OK || ch.cut_lists);
    }

    sg_fuzz_check((rc == SG_CH_OK) == (frc == SG_TLS_FP_OK) ||
                  frc == SG_TLS_FP_ECRYPTO);

    if (frc != SG_TLS_FP_OK) {
        sg_fuzz_check(fp.ja4[0] == '\0' && fp.ja4_r[0] == '\0' &&
                      fp.ja4_o[0] == '\0' && fp.ja4_ro[0] == '\0' &&
                      fp.ja3[0] == '\0' && fp.ja3_string[0] == '\0' &&
                      fp.tls[0] == '\0');
        sg_fuzz_check(sg_tls_fp_strerror(frc) != NULL);
        return 0;
    }

    sg_fuzz_check(strlen(fp.ja4) == 36 && strlen(fp.ja4_o) == 36);
    sg_fuzz_check(strncmp(fp.ja4, fp.ja4_r, 11) == 0);
    sg_fuzz_check(strncmp(fp.ja4, fp.ja4_ro, 11) == 0);
    sg_fuzz_check(strlen(fp.ja3) == 32 && strlen(fp.tls) == 19);
    sg_fuzz_check(ch.n_ciphers <= SG_CH_MAX_CIPHERS &&
                  ch.n_exts <= SG_CH_MAX_EXTS);

    /* pointers handed out must lie inside the input */
    if (ch.sni != NULL) {
        sg_fuzz_check(ch.sni >= data && ch.sni + ch.sni_len <= data + size);
    }

    if (ch.alpn_first != NULL) {
        sg_fuzz_check(ch.alpn_first >= data &&
                      ch.alpn_first + ch.alpn_first_len <= data + size);
    }

    return 0;
}

/*
 * libFuzzer target: a JA4 fingerprint as a TLS-terminating edge hands it
 * over in a header.  sg_ja4_valid() must accept only the 36-character
 * hashed form, and sg_ja4_edge_sig() must agree with it: a signature of
 * the documented shape for a valid JA4, -1 and "" for anything else or a
 * buffer too small.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_ja4.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t f;
    char     *p, sig[SG_JA4_EDGE_SIG_SIZE], small[SG_JA4_EDGE_SIG_SIZE - 1];
    int       valid, n;

    sg_fuzz_init(&f, data, size);
    p = sg_fuzz_copy(&f, data, size);

    valid = sg_ja4_valid(p, size);
    sg_fuzz_check(valid == 0 || valid == 1);
    sg_fuzz_check(!valid || size == SG_JA4_LEN);

    n = sg_ja4_edge_sig(p, size, sig, sizeof(sig));

    if (!valid) {
        sg_fuzz_check(n == -1 && sig[0] == '\0');
        sg_fuzz_done(&f);
        return 0;
    }

    sg_fuzz_check(n == SG_JA4_EDGE_SIG_SIZE - 1 && strlen(sig) == (size_t) n);
    sg_fuzz_check(memcmp(sig, "e1_", 3) == 0 && memcmp(sig + 3, p, 3) == 0);
    sg_fuzz_check(memcmp(sig + 6, p + 4, 2) == 0);
    sg_fuzz_check(memcmp(sig + 8, p + 10, 13) == 0);
    sg_fuzz_check(sg_fuzz_printable(sig, SG_JA4_EDGE_SIG_SIZE, 0));

    sg_fuzz_check(sg_ja4_edge_sig(p, size, small, sizeof(small)) == -1 &&
                  small[0] == '\0');
    sg_fuzz_check(sg_ja4_edge_sig(p, size, NULL, 0) == -1);

    sg_fuzz_done(&f);

    return 0;
}

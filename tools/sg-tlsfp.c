/*
 * sg-tlsfp: prints the TLS fingerprints of one ClientHello.
 *
 * Reads the whole handshake message as hex on stdin (starting at the type
 * byte 01; whitespace, colons and a leading "0x" are ignored), prints
 * ja4, ja4_r, ja4_o, ja4_ro, ja3, ja3_string and tls as name=value lines.
 * Exit status: 0 ok, 1 bad input or parse error, 2 usage.
 */

#include <stdio.h>
#include <string.h>

#include "sg_str.h"
#include "sg_tls_fp.h"


/* far above the largest ClientHello OpenSSL accepts (about 128 KiB) */
#define SG_TLSFP_MAX_MSG (1024 * 1024)


static uint8_t     sg_tlsfp_msg[SG_TLSFP_MAX_MSG];
static sg_tls_fp_t sg_tlsfp_out;


static int
sg_tlsfp_read_hex(FILE *in, uint8_t *buf, size_t cap, size_t *len)
{
    int    c, v, hi, seen;
    size_t n;

    n = 0;
    hi = -1;
    seen = 0;

    while ((c = getc(in)) != EOF) {
        /* tshark prints some byte fields colon-separated */
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
            continue;
        }

        if ((c == 'x' || c == 'X') && seen == 1 && hi == 0) {
            hi = -1;
            seen++;
            continue;
        }

        seen++;

        v = sg_hex_digit(c);
        if (v < 0) {
            fprintf(stderr, "sg-tlsfp: invalid hex character '%c'\n", c);
            return -1;
        }

        if (hi < 0) {
            hi = v;
            continue;
        }

        if (n == cap) {
            fprintf(stderr, "sg-tlsfp: input longer than %zu bytes\n", cap);
            return -1;
        }

        buf[n++] = (uint8_t) ((hi << 4) | v);
        hi = -1;
    }

    if (ferror(in)) {
        perror("sg-tlsfp: stdin");
        return -1;
    }

    if (hi >= 0) {
        fprintf(stderr, "sg-tlsfp: odd number of hex digits\n");
        return -1;
    }

    *len = n;

    return 0;
}


int
main(int argc, char **argv)
{
    int    rc;
    size_t len;

    if (argc > 1) {
        fprintf(stderr,
                "usage: %s < hello.hex\n"
                "reads one ClientHello handshake message (hex, from the "
                "type byte 01) on stdin\n",
                argv[0]);
        return (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
                   ? 0
                   : 2;
    }

    if (sg_tlsfp_read_hex(stdin, sg_tlsfp_msg, sizeof(sg_tlsfp_msg), &len) !=
        0) {
        return 1;
    }

    if (len == 0) {
        fprintf(stderr, "sg-tlsfp: no input\n");
        return 1;
    }

    rc = sg_tls_fp_compute(sg_tlsfp_msg, len, &sg_tlsfp_out);
    if (rc != SG_TLS_FP_OK) {
        fprintf(stderr, "sg-tlsfp: %s\n", sg_tls_fp_strerror(rc));
        return 1;
    }

    printf("ja4=%s\nja4_r=%s\nja4_o=%s\nja4_ro=%s\nja3=%s\nja3_string=%s\n"
           "tls=%s\n",
           sg_tlsfp_out.ja4, sg_tlsfp_out.ja4_r, sg_tlsfp_out.ja4_o,
           sg_tlsfp_out.ja4_ro, sg_tlsfp_out.ja3, sg_tlsfp_out.ja3_string,
           sg_tlsfp_out.tls);

    return 0;
}

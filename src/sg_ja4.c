#include "sg_ja4.h"

#include <string.h>


static int
sg_ja4_digit(char c)
{
    return c >= '0' && c <= '9';
}


static int
sg_ja4_alnum(char c)
{
    return sg_ja4_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


static int
sg_ja4_hex(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!sg_ja4_digit(p[i]) && !(p[i] >= 'a' && p[i] <= 'f')) {
            return 0;
        }
    }

    return 1;
}


int
sg_ja4_valid(const char *p, size_t len)
{
    if (p == NULL || len != SG_JA4_LEN) {
        return 0;
    }

    /* the "a" section: t13d1516h2 */
    if ((p[0] != 't' && p[0] != 'q') || !sg_ja4_digit(p[1]) ||
        !sg_ja4_digit(p[2]) || (p[3] != 'd' && p[3] != 'i') ||
        !sg_ja4_digit(p[4]) || !sg_ja4_digit(p[5]) || !sg_ja4_digit(p[6]) ||
        !sg_ja4_digit(p[7]) || !sg_ja4_alnum(p[8]) || !sg_ja4_alnum(p[9])) {
        return 0;
    }

    return p[10] == '_' && sg_ja4_hex(p + 11, 12) && p[23] == '_' &&
           sg_ja4_hex(p + 24, 12);
}


int
sg_ja4_edge_sig(const char *ja4, size_t len, char *buf, size_t cap)
{
    char *d;

    if (buf != NULL && cap > 0) {
        buf[0] = '\0';
    }

    if (buf == NULL || cap < SG_JA4_EDGE_SIG_SIZE || !sg_ja4_valid(ja4, len)) {
        return -1;
    }

    d = buf;
    memcpy(d, "e1_", 3);
    d += 3;
    memcpy(d, ja4, 3); /* protocol and version */
    d += 3;
    memcpy(d, ja4 + 4, 2); /* cipher count */
    d += 2;
    memcpy(d, ja4 + 10, 13); /* "_" and the cipher hash */
    d += 13;
    *d = '\0';

    return (int) (d - buf);
}

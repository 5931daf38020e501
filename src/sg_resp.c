#include "sg_resp.h"

#include <string.h>


static size_t
sg_resp_digits(size_t v)
{
    size_t n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }

    return n;
}


size_t
sg_resp_size(size_t argc, const sg_str_t *argv)
{
    size_t i, n;

    n = 1 + sg_resp_digits(argc) + 2;

    for (i = 0; i < argc; i++) {
        n += 1 + sg_resp_digits(argv[i].len) + 2 + argv[i].len + 2;
    }

    return n;
}


static char *
sg_resp_header(char *p, char type, size_t v)
{
    *p++ = type;
    p += sg_str_dec(p, (int64_t) v);
    *p++ = '\r';
    *p++ = '\n';

    return p;
}


size_t
sg_resp_write(char *buf, size_t argc, const sg_str_t *argv)
{
    char  *p = buf;
    size_t i;

    p = sg_resp_header(p, '*', argc);

    for (i = 0; i < argc; i++) {
        p = sg_resp_header(p, '$', argv[i].len);

        if (argv[i].len) {
            memcpy(p, argv[i].data, argv[i].len);
            p += argv[i].len;
        }

        *p++ = '\r';
        *p++ = '\n';
    }

    return (size_t) (p - buf);
}

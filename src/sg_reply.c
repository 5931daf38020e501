#include "sg_reply.h"


int
sg_reply_int(const sg_reply_elt_t *e, int64_t *out)
{
    int64_t v = 0;
    size_t  i;

    if (e->type == SG_REPLY_INTEGER) {
        if (e->integer < 0) {
            return -1;
        }

        *out = e->integer;
        return 0;
    }

    if (e->type != SG_REPLY_STRING || e->len == 0 || e->len > 18) {
        return -1;
    }

    for (i = 0; i < e->len; i++) {
        if (e->str[i] < '0' || e->str[i] > '9') {
            return -1;
        }

        v = v * 10 + (e->str[i] - '0');
    }

    *out = v;

    return 0;
}


int
sg_reply_str(const sg_reply_elt_t *e, const char **p, size_t *len)
{
    if (e->type == SG_REPLY_NIL) {
        *p = "";
        *len = 0;
        return 0;
    }

    if (e->type != SG_REPLY_STRING) {
        return -1;
    }

    *p = e->str;
    *len = e->len;

    return 0;
}

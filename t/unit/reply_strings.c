#include "reply_strings.h"

#include <string.h>


size_t
reply_strings(size_t n, const char *const *v, const size_t *lens,
              sg_reply_elt_t *e)
{
    size_t i;

    for (i = 0; i < n && i < REPLY_STRINGS_MAX; i++) {
        memset(&e[i], 0, sizeof(e[i]));
        e[i].type = SG_REPLY_STRING;
        e[i].str = v[i];
        e[i].len = lens[i];
    }

    return n;
}

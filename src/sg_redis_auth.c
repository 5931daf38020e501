#include "sg_redis_auth.h"

#include <string.h>

#define SG_REDIS_AUTH_LINES 2


const char *
sg_redis_auth_parse(const uint8_t *p, size_t len, sg_redis_auth_t *out)
{
    const uint8_t *end, *nl, *line[SG_REDIS_AUTH_LINES];
    size_t         n, i, lines, llen[SG_REDIS_AUTH_LINES];
    const char    *err = NULL;

    memset(out, 0, sizeof(*out));

    if (len == 0) {
        return "is empty: it holds the password, or a user name and its "
               "password on two lines";
    }

    end = p + len;
    lines = 0;

    while (p < end) {
        nl = memchr(p, '\n', (size_t) (end - p));
        n = (size_t) ((nl ? nl : end) - p);

        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }

        out->line = lines + 1;

        if (lines == SG_REDIS_AUTH_LINES) {
            err = "is a third line: the file holds the password, or a user "
                  "name and its password on two lines";
            break;
        }

        if (n == 0) {
            err = "is empty";
            break;
        }

        line[lines] = p;
        llen[lines] = n;
        lines++;

        if (nl == NULL) {
            break;
        }

        p = nl + 1;
    }

    if (err == NULL && lines == SG_REDIS_AUTH_LINES) {
        for (i = 0; i < llen[0]; i++) {
            if (line[0][i] <= 0x20 || line[0][i] >= 0x7f) {
                out->line = 1;
                err = "is not a user name: printable ASCII without spaces";
                break;
            }
        }
    }

    if (err != NULL) {
        n = out->line;
        memset(out, 0, sizeof(*out));
        out->line = n;
        return err;
    }

    if (lines == SG_REDIS_AUTH_LINES) {
        out->user = line[0];
        out->user_len = llen[0];
    }

    out->password = line[lines - 1];
    out->password_len = llen[lines - 1];
    out->line = 0;

    return NULL;
}

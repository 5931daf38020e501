/*
 * libFuzzer target: reading the session cookie.  The input is three lines:
 * the configured cookie name, a Cookie header value, a Set-Cookie header
 * value.  Every match sg_cookie_find() reports must be a slice of the
 * header, found the same with a small or a large match array, and
 * canonicalise into a buffer of its own length; sg_cookie_set()'s value
 * must be a slice of the Set-Cookie; sg_cookie_delete_attrs() must write a
 * NUL-terminated printable string with a buffer large enough and refuse,
 * leaving "", one a byte too small.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cookie.h"
#include "sg_fuzz.h"

#define SG_FUZZ_MATCHES 64


static void
sg_fuzz_cookie_header(const char *h, size_t len, sg_str_t name)
{
    sg_cookie_match_t all[SG_FUZZ_MATCHES], few[2];
    size_t            n_all = 0, n_few = 0, found, i, clen, vlen;
    char             *canon, *value;

    found = sg_cookie_find(h, len, name, all, SG_FUZZ_MATCHES, &n_all);
    sg_fuzz_check(n_all <= SG_FUZZ_MATCHES && n_all <= found);
    sg_fuzz_check(found > SG_FUZZ_MATCHES || n_all == found);

    sg_fuzz_check(sg_cookie_find(h, len, name, few, 2, &n_few) == found);
    sg_fuzz_check(n_few == (found < 2 ? found : 2));

    /* appending: *n already counts entries, found is this header's */
    i = n_few;
    sg_fuzz_check(sg_cookie_find(h, len, name, few, 2, &n_few) == found);
    sg_fuzz_check(n_few == (i + found < 2 ? i + found : 2));
    n_few = 0;
    sg_fuzz_check(sg_cookie_find(h, len, name, few, 2, &n_few) == found);

    for (i = 0; i < n_all; i++) {
        sg_fuzz_check(all[i].value.len <= len);
        sg_fuzz_check(all[i].value.len == 0 ||
                      (all[i].value.data >= h &&
                       all[i].value.data + all[i].value.len <= h + len));
        sg_fuzz_check((all[i].flags & ~(unsigned) SG_COOKIE_EXACT) == 0);

        if (i < n_few) {
            sg_fuzz_check(few[i].value.data == all[i].value.data &&
                          few[i].value.len == all[i].value.len &&
                          few[i].flags == all[i].flags);
        }

        /* exact-size buffers: the canonical form is never longer */
        vlen = all[i].value.len;
        value = malloc(vlen);
        canon = malloc(vlen);
        sg_fuzz_check(vlen == 0 || (value != NULL && canon != NULL));
        if (vlen > 0) {
            memcpy(value, all[i].value.data, vlen);
        }
        clen = sg_cookie_canonical(value, vlen, canon);
        sg_fuzz_check(clen <= vlen);
        free(value);
        free(canon);
    }
}


static void
sg_fuzz_cookie_set(const char *h, size_t len, sg_str_t name)
{
    sg_str_t value = {NULL, 0};
    size_t   caps[4], big = 2 * len + 16, i;
    char    *out;
    int      rc, n;

    rc = sg_cookie_set(h, len, name, &value);
    sg_fuzz_check(rc >= 0 && rc <= 2);

    if (rc > 0) {
        sg_fuzz_check(value.len <= len);
        sg_fuzz_check(value.len == 0 ||
                      (value.data >= h && value.data + value.len <= h + len));
    }

    out = malloc(big);
    sg_fuzz_check(out != NULL);
    n = sg_cookie_delete_attrs(h, len, out, big);

    /* never more than "; Path=" for ";p=" and "; Secure" for ";secure" */
    sg_fuzz_check(n >= 0 && (size_t) n < big && strlen(out) == (size_t) n);
    sg_fuzz_check(sg_fuzz_printable(out, (size_t) n, 1));
    sg_fuzz_check(memchr(out, ',', (size_t) n) == NULL);
    sg_fuzz_check(n == 0 || out[0] == ';');
    free(out);

    /* exact fit, one short, and a few small sizes */
    caps[0] = (size_t) n + 1;
    caps[1] = (size_t) n;
    caps[2] = 1;
    caps[3] = 9;

    for (i = 0; i < 4; i++) {
        if (caps[i] == 0) {
            continue;
        }

        out = malloc(caps[i]);
        sg_fuzz_check(out != NULL);
        rc = sg_cookie_delete_attrs(h, len, out, caps[i]);

        if (caps[i] > (size_t) n) {
            sg_fuzz_check(rc == n && strlen(out) == (size_t) n);
        } else {
            sg_fuzz_check(rc == -1 && out[0] == '\0');
        }

        free(out);
    }

    sg_fuzz_check(sg_cookie_delete_attrs(h, len, NULL, 0) == -1);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t f;
    sg_str_t  name;
    char     *h;
    size_t    len;

    sg_fuzz_init(&f, data, size);

    name.data = sg_fuzz_line(&f, &name.len);

    if (name.len == 0) {
        /* a configured name is never empty */
        sg_fuzz_done(&f);
        return 0;
    }

    h = sg_fuzz_line(&f, &len);
    sg_fuzz_cookie_header(h, len, name);

    h = sg_fuzz_line(&f, &len);
    sg_fuzz_cookie_set(h, len, name);

    sg_fuzz_done(&f);

    return 0;
}

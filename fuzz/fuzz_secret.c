/*
 * libFuzzer target: the files nginx reads secrets from.  The input is read
 * whole as a secret file (sg_secret_parse) and as a Redis password file
 * (sg_redis_auth_parse).  A secret file that reads has one or two keys,
 * each a slice of the input on a line of its own, 16 to 256 printable
 * bytes, the first at the start and the two different, and each prepares
 * a keyed hash; one that does not reads no key, says why, and names a line
 * the input has.  A password file that reads has a non-empty password on
 * its last line, without a line end in it, and a user name, when there is
 * one, of printable bytes without spaces on the line before (a '\r' not
 * followed by '\n' is the password's own).
 */

#include <stdint.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_keyed_hash.h"
#include "sg_redis_auth.h"


/* 1 when the slice p, len lies inside the input. */
static int
sg_fuzz_inside(const uint8_t *in, size_t size, const uint8_t *p, size_t len)
{
    return p >= in && len <= size && (size_t) (p - in) <= size - len;
}


/* 1 when the slice is a whole line: at the start or after a '\n', and
 * followed by the end, "\n" or "\r\n". */
static int
sg_fuzz_whole_line(const uint8_t *in, size_t size, const uint8_t *p, size_t len)
{
    size_t at = (size_t) (p - in), end = at + len;

    if (at > 0 && in[at - 1] != '\n') {
        return 0;
    }

    return end == size || in[end] == '\n' ||
           (in[end] == '\r' && (end + 1 == size || in[end + 1] == '\n'));
}


static size_t
sg_fuzz_lines(const uint8_t *in, size_t size)
{
    size_t i, n = 1;

    for (i = 0; i + 1 < size; i++) {
        n += in[i] == '\n';
    }

    return n;
}


static void
sg_fuzz_secret(const uint8_t *in, size_t size)
{
    sg_secret_keys_t k;
    sg_keyed_hash_t  h;
    const char      *err;
    char             key[SG_SESSION_KEY_LEN + 1];
    size_t           i, j;

    err = sg_secret_parse(in, size, &k);

    if (err != NULL) {
        sg_fuzz_check(err[0] != '\0');
        sg_fuzz_check(k.n == 0 && k.key[0] == NULL && k.key[1] == NULL);
        sg_fuzz_check(k.line <= sg_fuzz_lines(in, size));
        sg_fuzz_check(size > 0 || k.line == 0);
        return;
    }

    sg_fuzz_check(k.n >= 1 && k.n <= SG_SECRET_KEYS_MAX && k.line == 0);
    sg_fuzz_check(k.key[0] == in);

    for (i = 0; i < k.n; i++) {
        sg_fuzz_check(sg_fuzz_inside(in, size, k.key[i], k.len[i]));
        sg_fuzz_check(sg_fuzz_whole_line(in, size, k.key[i], k.len[i]));
        sg_fuzz_check(k.len[i] >= SG_SECRET_MIN_LEN &&
                      k.len[i] <= SG_SECRET_MAX_LEN);

        for (j = 0; j < k.len[i]; j++) {
            sg_fuzz_check(k.key[i][j] >= 0x20 && k.key[i][j] <= 0x7e);
        }

        sg_fuzz_check(sg_keyed_hash_init(&h, k.key[i], k.len[i]) ==
                      SG_KEYED_HASH_OK);
        sg_fuzz_check(sg_keyed_hash(&h, in, size, key) == SG_KEYED_HASH_OK);
        sg_fuzz_check(strlen(key) == SG_SESSION_KEY_LEN);
    }

    if (k.n == 2) {
        sg_fuzz_check(k.key[1] > k.key[0] + k.len[0]);
        sg_fuzz_check(k.len[0] != k.len[1] ||
                      memcmp(k.key[0], k.key[1], k.len[0]) != 0);
    }
}


static void
sg_fuzz_auth(const uint8_t *in, size_t size)
{
    sg_redis_auth_t a;
    const char     *err;
    size_t          i;

    err = sg_redis_auth_parse(in, size, &a);

    if (err != NULL) {
        sg_fuzz_check(err[0] != '\0');
        sg_fuzz_check(a.user == NULL && a.password == NULL);
        sg_fuzz_check(a.user_len == 0 && a.password_len == 0);
        sg_fuzz_check(a.line <= sg_fuzz_lines(in, size));
        return;
    }

    sg_fuzz_check(a.line == 0 && a.password_len > 0);
    sg_fuzz_check(sg_fuzz_inside(in, size, a.password, a.password_len));
    sg_fuzz_check(sg_fuzz_whole_line(in, size, a.password, a.password_len));
    sg_fuzz_check(memchr(a.password, '\n', a.password_len) == NULL);

    if (a.user == NULL) {
        sg_fuzz_check(a.user_len == 0 && a.password == in);
        return;
    }

    sg_fuzz_check(a.user == in && a.user_len > 0);
    sg_fuzz_check(sg_fuzz_inside(in, size, a.user, a.user_len));
    sg_fuzz_check(sg_fuzz_whole_line(in, size, a.user, a.user_len));
    sg_fuzz_check(a.password > a.user + a.user_len);

    for (i = 0; i < a.user_len; i++) {
        sg_fuzz_check(a.user[i] > 0x20 && a.user[i] < 0x7f);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t      f;
    const uint8_t *in;

    /* An exact-size copy: a read past the file's end is caught. */
    sg_fuzz_init(&f, data, size);
    in = (const uint8_t *) sg_fuzz_copy(&f, data, size);

    sg_fuzz_secret(in, size);
    sg_fuzz_auth(in, size);

    sg_fuzz_done(&f);

    return 0;
}

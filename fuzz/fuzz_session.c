/*
 * libFuzzer target: the codecs of the session record's fields.  The input
 * is read three ways:
 * - as a stored place (sg_place_decode): what decodes must encode back to
 *   exactly the input (the decoder rejects what the encoder would not
 *   write), and decode again to the same place;
 * - as two places, split at the first '\n', compared and advanced as two
 *   observations of one session;
 * - as a user name (sg_session_user_encode): the output is printable, at
 *   most SG_SESSION_USER_MAX bytes, and, when the name was not cut, its
 *   escapes decode back to the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_place.h"
#include "sg_session.h"
#include "sg_str.h"

#define SG_FUZZ_TIME 1700000000


static int
sg_fuzz_place_equal(const sg_place_t *a, const sg_place_t *b)
{
    return strcmp(a->country, b->country) == 0 && a->asn == b->asn &&
           a->lat == b->lat && a->lon == b->lon &&
           a->accuracy_km == b->accuracy_km &&
           a->have_location == b->have_location &&
           a->anonymizer == b->anonymizer && a->time == b->time &&
           a->country_since == b->country_since;
}


static void
sg_fuzz_place(const char *p, size_t len)
{
    sg_place_t place, back;
    char       enc[SG_PLACE_ENCODED_MAX];
    int        n;

    if (sg_place_decode(p, len, SG_FUZZ_TIME, &place) != 0) {
        sg_fuzz_check(place.country[0] == '\0' && place.asn == 0 &&
                      place.time == 0);
        return;
    }

    sg_fuzz_check(memchr(place.country, 0, sizeof(place.country)) != NULL);

    n = sg_place_encode(&place, enc, sizeof(enc));
    sg_fuzz_check(n > 0 && strlen(enc) == (size_t) n);
    sg_fuzz_check(sg_fuzz_printable(enc, SG_PLACE_ENCODED_MAX, 0));
    sg_fuzz_check((size_t) n == len && memcmp(enc, p, len) == 0);
    sg_fuzz_check(sg_place_encode(&place, enc, (size_t) n) == -1);

    n = sg_place_encode(&place, enc, sizeof(enc));
    sg_fuzz_check(sg_place_decode(enc, (size_t) n, SG_FUZZ_TIME, &back) == 0);
    sg_fuzz_check(sg_fuzz_place_equal(&place, &back));
}


static void
sg_fuzz_two_places(const char *a, size_t alen, const char *b, size_t blen)
{
    sg_place_t        prev, cur;
    sg_place_policy_t policy;
    double            speed;

    if (sg_place_decode(a, alen, SG_FUZZ_TIME, &prev) != 0 ||
        sg_place_decode(b, blen, SG_FUZZ_TIME + 600, &cur) != 0) {
        return;
    }

    sg_place_policy_init_defaults(&policy);
    (void) sg_place_compare(&prev, &cur, &policy, &speed);
    sg_fuzz_check(speed >= 0);
    (void) sg_place_reasons(&prev, &prev, &cur, &policy);
    (void) sg_place_reasons(NULL, &prev, &cur, &policy);
    sg_place_advance(&prev, &cur);
    sg_fuzz_check(cur.country_since == prev.country_since ||
                  cur.country_since == cur.time);
}


static void
sg_fuzz_user(const char *p, size_t len)
{
    char  *out;
    size_t i, j, want = 0;
    int    n, hi, lo;

    out = malloc(SG_SESSION_USER_MAX + 1);
    sg_fuzz_check(out != NULL);
    sg_fuzz_check(sg_session_user_encode(p, len, out, SG_SESSION_USER_MAX) ==
                  -1);

    n = sg_session_user_encode(p, len, out, SG_SESSION_USER_MAX + 1);
    sg_fuzz_check(n >= 0 && n <= SG_SESSION_USER_MAX);
    sg_fuzz_check(strlen(out) == (size_t) n);
    sg_fuzz_check(sg_fuzz_printable(out, SG_SESSION_USER_MAX, 0));

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) p[i];
        want += c > 0x20 && c < 0x7f && c != '%' ? 1 : 3;
    }

    if (want > SG_SESSION_USER_MAX) {
        /* cut: a readable start, '~' and 16 hex digits */
        sg_fuzz_check(n >= 17 && out[n - 17] == '~');

        for (i = (size_t) n - 16; i < (size_t) n; i++) {
            sg_fuzz_check(sg_hex_digit_lower(out[i]) >= 0);
        }

        free(out);
        return;
    }

    sg_fuzz_check((size_t) n == want);

    for (i = 0, j = 0; i < (size_t) n; j++) {
        sg_fuzz_check(j < len);

        if (out[i] == '%') {
            sg_fuzz_check(i + 2 < (size_t) n);
            hi = sg_hex_digit_lower(out[i + 1]);
            lo = sg_hex_digit_lower(out[i + 2]);
            sg_fuzz_check(hi >= 0 && lo >= 0);
            sg_fuzz_check((unsigned char) p[j] == (unsigned) (hi * 16 + lo));
            i += 3;

        } else {
            sg_fuzz_check(out[i] == p[j]);
            i++;
        }
    }

    sg_fuzz_check(j == len);
    free(out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t f;
    char     *whole, *a, *b;
    size_t    alen, blen;

    sg_fuzz_init(&f, data, size);
    whole = sg_fuzz_copy(&f, data, size);

    sg_fuzz_place(whole, size);
    sg_fuzz_user(whole, size);

    a = sg_fuzz_line(&f, &alen);
    b = sg_fuzz_line(&f, &blen);
    sg_fuzz_two_places(a, alen, b, blen);

    sg_fuzz_done(&f);

    return 0;
}

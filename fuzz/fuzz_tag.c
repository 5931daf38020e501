/*
 * libFuzzer target: the upstream tag header, as the replay harness reads
 * it back.  Whatever sg_tag_parse() makes of the input must be in range,
 * its slices inside the input; when what it read is something
 * sg_tag_format() accepts, the formatted tag must parse back to the same
 * fields, and fail, leaving "", in any buffer too small for it; and
 * sg_tag_format_ok() must agree with it where it applies.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_score.h"
#include "sg_str.h"
#include "sg_tag.h"


static int
sg_fuzz_slice_in(sg_str_t s, const char *p, size_t len)
{
    return s.len == 0 || (s.data >= p && s.data + s.len <= p + len);
}


static int
sg_fuzz_same(sg_str_t a, sg_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t   f;
    sg_tag_t    t, back;
    const char *verdict;
    char       *p, *buf, *small;
    size_t      i;
    int         rc, n;

    sg_fuzz_init(&f, data, size);
    p = sg_fuzz_copy(&f, data, size);

    rc = sg_tag_parse(p, size, &t);
    sg_fuzz_check(rc == 0 || rc == -1);
    sg_fuzz_check((rc == 0) == (t.verdict != SG_VERDICT_COUNT));
    sg_fuzz_check(t.verdict <= SG_VERDICT_COUNT);
    sg_fuzz_check(t.score >= -1 && t.score <= 999999999);
    sg_fuzz_check(sg_fuzz_slice_in(t.reasons, p, size));
    sg_fuzz_check(sg_fuzz_slice_in(t.session, p, size));

    for (i = 0; i < t.session.len; i++) {
        sg_fuzz_check(sg_hex_digit_lower(t.session.data[i]) >= 0);
    }

    if (rc != 0 || t.score < 0 || t.score > SG_SCORE_MAX ||
        (t.session.len != 0 && t.session.len != SG_SESSION_ID_LEN)) {
        sg_fuzz_done(&f);
        return 0;
    }

    verdict = sg_verdict_name(t.verdict);
    sg_fuzz_check(verdict != NULL);

    buf = malloc(SG_TAG_MAX + 1);
    sg_fuzz_check(buf != NULL);
    n = sg_tag_format(buf, SG_TAG_MAX + 1, verdict, (unsigned) t.score,
                      t.reasons.data, t.reasons.len,
                      t.session.len ? t.session.data : NULL);

    if (n < 0) {
        /* reasons it will not write */
        sg_fuzz_check(buf[0] == '\0');
        free(buf);
        sg_fuzz_done(&f);
        return 0;
    }

    sg_fuzz_check((size_t) n <= SG_TAG_LEN(t.reasons.len));
    sg_fuzz_check(strlen(buf) == (size_t) n);
    sg_fuzz_check(sg_fuzz_printable(buf, SG_TAG_MAX, 1));

    sg_fuzz_check(sg_tag_parse(buf, (size_t) n, &back) == 0);
    sg_fuzz_check(back.verdict == t.verdict && back.score == t.score);
    sg_fuzz_check(sg_fuzz_same(back.reasons, t.reasons));
    sg_fuzz_check(sg_fuzz_same(back.session, t.session));

    /* a buffer one byte short is refused */
    small = malloc((size_t) n);
    sg_fuzz_check(small != NULL);
    sg_fuzz_check(sg_tag_format(small, (size_t) n, verdict, (unsigned) t.score,
                                t.reasons.data, t.reasons.len,
                                t.session.len ? t.session.data : NULL) == -1);
    sg_fuzz_check(small[0] == '\0');

    /* the cached request's short way writes the same bytes, or refuses
     * the same too-small buffer */
    if (t.verdict == SG_VERDICT_OK && t.score == 0 && t.reasons.len == 0 &&
        t.session.len == SG_SESSION_ID_LEN) {
        sg_fuzz_check(sg_tag_format_ok(small, (size_t) n, t.session.data) ==
                      -1);
        sg_fuzz_check(small[0] == '\0');
        sg_fuzz_check(sg_tag_format_ok(buf, SG_TAG_MAX + 1, t.session.data) ==
                      n);
        sg_fuzz_check(sg_tag_parse(buf, (size_t) n, &back) == 0);
        sg_fuzz_check(sg_fuzz_same(back.session, t.session));
    }

    free(small);
    free(buf);
    sg_fuzz_done(&f);

    return 0;
}

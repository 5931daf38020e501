#include "sg_tag.h"

#include <string.h>

/* SG_TAG_SCORE_DIGITS must hold SG_SCORE_MAX, or SG_TAG_LEN is too short. */
_Static_assert(SG_SCORE_MAX <= 9999, "SG_TAG_SCORE_DIGITS too small");


static int
sg_tag_space(char c)
{
    return c == ' ' || c == '\t';
}


static int
sg_tag_reason_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ',';
}


/* The verdict named exactly p[0 .. len-1], or SG_VERDICT_COUNT. */
static sg_verdict_e
sg_tag_verdict(const char *p, size_t len)
{
    const char *name;
    int         v;

    for (v = 0; v < SG_VERDICT_COUNT; v++) {
        name = sg_verdict_name((sg_verdict_e) v);
        if (strlen(name) == len && memcmp(name, p, len) == 0) {
            return (sg_verdict_e) v;
        }
    }

    return SG_VERDICT_COUNT;
}


int
sg_tag_format(char *buf, size_t cap, const char *verdict, unsigned score,
              const char *reasons, size_t reasons_len, const char *session)
{
    char   digits[SG_TAG_SCORE_DIGITS];
    size_t n = 0, d = 0, i;

    if (buf == NULL || cap == 0) {
        return -1;
    }

    buf[0] = '\0';

    if (verdict == NULL ||
        sg_tag_verdict(verdict, strlen(verdict)) == SG_VERDICT_COUNT ||
        score > SG_SCORE_MAX || reasons_len > SG_TAG_REASONS_MAX ||
        (reasons == NULL && reasons_len > 0)) {
        return -1;
    }

    for (i = 0; i < reasons_len; i++) {
        if (!sg_tag_reason_char(reasons[i])) {
            return -1;
        }
    }

    if (session != NULL) {
        for (i = 0; i < SG_SESSION_ID_LEN; i++) {
            if (sg_hex_digit_lower(session[i]) < 0) {
                return -1;
            }
        }
    }

    /* digits backwards: SG_SCORE_MAX has at most SG_TAG_SCORE_DIGITS */
    do {
        digits[SG_TAG_SCORE_DIGITS - ++d] = (char) ('0' + score % 10);
        score /= 10;
    } while (score > 0);

    if (sg_str_put(buf, cap, &n, "verdict=", 8) != 0 ||
        sg_str_put(buf, cap, &n, verdict, strlen(verdict)) != 0 ||
        sg_str_put(buf, cap, &n, "; score=", 8) != 0 ||
        sg_str_put(buf, cap, &n, digits + SG_TAG_SCORE_DIGITS - d, d) != 0 ||
        sg_str_put(buf, cap, &n, "; reasons=", 10) != 0 ||
        sg_str_put(buf, cap, &n, reasons, reasons_len) != 0 ||
        (session != NULL &&
         (sg_str_put(buf, cap, &n, "; session=", 10) != 0 ||
          sg_str_put(buf, cap, &n, session, SG_SESSION_ID_LEN) != 0))) {
        buf[0] = '\0';
        return -1;
    }

    buf[n] = '\0';

    return (int) n;
}


int
sg_tag_format_ok(char *buf, size_t cap, const char *session)
{
    static const char head[] = "verdict=ok; score=0; reasons=; session=";
    size_t            i, n = sizeof(head) - 1;

    if (buf == NULL || cap == 0) {
        return -1;
    }

    buf[0] = '\0';

    if (session == NULL || cap <= n + SG_SESSION_ID_LEN) {
        return -1;
    }

    for (i = 0; i < SG_SESSION_ID_LEN; i++) {
        if (sg_hex_digit_lower(session[i]) < 0) {
            return -1;
        }
    }

    memcpy(buf, head, n);
    memcpy(buf + n, session, SG_SESSION_ID_LEN);
    n += SG_SESSION_ID_LEN;
    buf[n] = '\0';

    return (int) n;
}


int
sg_tag_parse(const char *p, size_t len, sg_tag_t *out)
{
    const char *end, *name, *eq, *val, *semi;
    size_t      nlen, vlen, i;
    int         score;

    out->verdict = SG_VERDICT_COUNT;
    out->score = -1;
    out->reasons.data = NULL;
    out->reasons.len = 0;
    out->session.data = NULL;
    out->session.len = 0;

    if (p == NULL) {
        return -1;
    }

    end = p + len;

    while (p < end) {
        while (p < end && (sg_tag_space(*p) || *p == ';')) {
            p++;
        }

        name = p;
        semi = memchr(p, ';', (size_t) (end - p));
        if (semi == NULL) {
            semi = end;
        }

        eq = memchr(p, '=', (size_t) (semi - p));
        p = semi;

        if (eq == NULL) {
            continue;
        }

        nlen = (size_t) (eq - name);
        val = eq + 1;
        vlen = (size_t) (semi - val);
        while (vlen > 0 && sg_tag_space(val[vlen - 1])) {
            vlen--;
        }

        if (nlen == 7 && memcmp(name, "verdict", 7) == 0) {
            sg_verdict_e v = sg_tag_verdict(val, vlen);

            if (v != SG_VERDICT_COUNT) {
                out->verdict = v;
            }

        } else if (nlen == 5 && memcmp(name, "score", 5) == 0) {
            /* 9 digits cannot overflow an int */
            score = 0;
            for (i = 0; i < vlen && i < 9; i++) {
                if (val[i] < '0' || val[i] > '9') {
                    break;
                }
                score = score * 10 + (val[i] - '0');
            }
            if (i == vlen && vlen > 0) {
                out->score = score;
            }

        } else if (nlen == 7 && memcmp(name, "reasons", 7) == 0) {
            /* "-" for none: the harness has always read it so */
            if (!(vlen == 1 && val[0] == '-')) {
                out->reasons.data = val;
                out->reasons.len = vlen;
            }

        } else if (nlen == 7 && memcmp(name, "session", 7) == 0) {
            for (i = 0; i < vlen; i++) {
                if (sg_hex_digit_lower(val[i]) < 0) {
                    break;
                }
            }
            if (i == vlen) {
                out->session.data = val;
                out->session.len = vlen;
            }
        }
    }

    return out->verdict == SG_VERDICT_COUNT ? -1 : 0;
}

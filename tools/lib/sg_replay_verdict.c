#include "sg_replay_verdict.h"

#include <string.h>

#include "sg_tag.h"


static const char *sg_replay_verdict_names[SG_V_COUNT] = {
    "unseen", "none", "new", "ok", "tag", "block", "error", "failed"};

static const char *sg_replay_expect_names[SG_EXPECT_COUNT] = {
    "", "ok", "new", "tag", "block", "pass", "alert", "none"};


/* The core's verdicts as the harness counts them: it has two of its own. */
static const sg_replay_verdict_t sg_replay_from_core[SG_VERDICT_COUNT] = {
    [SG_VERDICT_NONE] = SG_V_NONE,   [SG_VERDICT_NEW] = SG_V_NEW,
    [SG_VERDICT_OK] = SG_V_OK,       [SG_VERDICT_TAG] = SG_V_TAG,
    [SG_VERDICT_BLOCK] = SG_V_BLOCK, [SG_VERDICT_ERROR] = SG_V_ERROR,
};


/* Copies a value into a fixed field; a value that does not fit is cut,
 * which only shortens what the report shows. */
static void
sg_replay_copy(char *dst, size_t cap, sg_str_t v)
{
    size_t len = v.len < cap ? v.len : cap - 1;

    if (len > 0) {
        memcpy(dst, v.data, len);
    }

    dst[len] = '\0';
}


int
sg_replay_tag_parse(const char *p, size_t len, sg_replay_tag_t *out)
{
    sg_tag_t tag;
    int      rc;

    rc = sg_tag_parse(p, len, &tag);

    out->verdict = rc == 0 ? sg_replay_from_core[tag.verdict] : SG_V_UNSEEN;
    out->score = tag.score;
    sg_replay_copy(out->reasons, sizeof(out->reasons), tag.reasons);
    sg_replay_copy(out->session, sizeof(out->session), tag.session);

    return rc;
}


static const char *
sg_replay_memmem(const char *h, size_t hlen, const char *n)
{
    size_t nlen = strlen(n), i;

    if (nlen > hlen) {
        return NULL;
    }

    for (i = 0; i + nlen <= hlen; i++) {
        if (memcmp(h + i, n, nlen) == 0) {
            return h + i;
        }
    }

    return NULL;
}


int
sg_replay_tag_in_body(const char *body, size_t len, const char **tag,
                      size_t *tag_len)
{
    static const char open[] = "session_guard says: <code>";
    const char       *s, *e;

    s = sg_replay_memmem(body, len, open);
    if (s == NULL) {
        return -1;
    }

    s += sizeof(open) - 1;
    e = sg_replay_memmem(s, (size_t) (body + len - s), "</code>");
    if (e == NULL) {
        return -1;
    }

    *tag = s;
    *tag_len = (size_t) (e - s);
    return 0;
}


/* True if a Location value names login_path: an absolute URL's path or a
 * relative path, with any query string ignored. */
static int
sg_replay_is_login(const char *location, const char *login_path)
{
    const char *p = location, *s;
    size_t      n;

    s = strstr(p, "://");
    if (s != NULL) {
        p = strchr(s + 3, '/');
        if (p == NULL) {
            return 0;
        }
    }

    n = strcspn(p, "?#");
    return n == strlen(login_path) && memcmp(p, login_path, n) == 0;
}


void
sg_replay_verdict_of(int status, const char *header, size_t header_len,
                     const char *body, size_t body_len, const char *location,
                     const char *login_path, sg_replay_tag_t *out)
{
    const char *tag;
    size_t      tag_len;

    if (header != NULL && sg_replay_tag_parse(header, header_len, out) == 0) {
        return;
    }

    if (body != NULL &&
        sg_replay_tag_in_body(body, body_len, &tag, &tag_len) == 0 &&
        sg_replay_tag_parse(tag, tag_len, out) == 0) {
        return;
    }

    sg_replay_tag_parse("", 0, out);

    if (status == 403 ||
        (status >= 300 && status < 400 && location != NULL &&
         login_path != NULL && sg_replay_is_login(location, login_path))) {
        out->verdict = SG_V_BLOCK;
    }
}


const char *
sg_replay_verdict_name(sg_replay_verdict_t v)
{
    return (unsigned) v < SG_V_COUNT ? sg_replay_verdict_names[v] : "?";
}


int
sg_replay_is_alert(sg_replay_verdict_t v)
{
    return v == SG_V_TAG || v == SG_V_BLOCK;
}


int
sg_replay_expect_parse(const char *s)
{
    int i;

    for (i = 1; i < SG_EXPECT_COUNT; i++) {
        if (strcmp(s, sg_replay_expect_names[i]) == 0) {
            return i;
        }
    }

    return -1;
}


const char *
sg_replay_expect_name(sg_replay_expect_t e)
{
    return (unsigned) e < SG_EXPECT_COUNT ? sg_replay_expect_names[e] : "?";
}


int
sg_replay_expect_match(sg_replay_expect_t e, sg_replay_verdict_t v)
{
    switch (e) {
    case SG_EXPECT_NOTHING:
        return 1;
    case SG_EXPECT_OK:
        return v == SG_V_OK;
    case SG_EXPECT_NEW:
        return v == SG_V_NEW;
    case SG_EXPECT_TAG:
        return v == SG_V_TAG;
    case SG_EXPECT_BLOCK:
        return v == SG_V_BLOCK;
    case SG_EXPECT_PASS:
        return v == SG_V_OK || v == SG_V_NEW;
    case SG_EXPECT_ALERT:
        return v == SG_V_TAG || v == SG_V_BLOCK;
    case SG_EXPECT_NONE:
        return v == SG_V_NONE || v == SG_V_UNSEEN;
    default:
        return 0;
    }
}

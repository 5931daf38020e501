/*
 * sg_replay_verdict: what the replay harness reads out of a response, and
 * whether it is what a scenario line expected.
 *
 * The module tells the upstream app its verdict in a tag header
 * ("verdict=tag; score=50; reasons=tls_changed,device_changed;
 * session=0123456789abcdef"), read here with the core's sg_tag_parse(),
 * the counterpart of what the module writes.  A test app may echo it in its
 * body (the demo says "session_guard says: <code>...</code>") or return it
 * as a response header; when neither is there, a 403 or a redirect to the
 * login page is a block.  Pure functions over caller-owned buffers.
 */

#ifndef SG_REPLAY_VERDICT_H
#define SG_REPLAY_VERDICT_H

#include <stddef.h>

typedef enum {
    SG_V_UNSEEN = 0, /* no tag and no sign of a block */
    SG_V_NONE,       /* the module saw no session */
    SG_V_NEW,
    SG_V_OK,
    SG_V_TAG,
    SG_V_BLOCK,
    SG_V_ERROR,  /* the module could not decide (Redis down) */
    SG_V_FAILED, /* the harness got no response at all */
    SG_V_COUNT
} sg_replay_verdict_t;

typedef enum {
    SG_EXPECT_NOTHING = 0,
    SG_EXPECT_OK,
    SG_EXPECT_NEW,
    SG_EXPECT_TAG,
    SG_EXPECT_BLOCK,
    SG_EXPECT_PASS,  /* ok or new */
    SG_EXPECT_ALERT, /* tag or block */
    SG_EXPECT_NONE,  /* no session seen: none or unseen */
    SG_EXPECT_COUNT
} sg_replay_expect_t;

#define SG_REPLAY_REASONS_MAX 256
#define SG_REPLAY_SESSION_MAX 65

typedef struct {
    sg_replay_verdict_t verdict;
    int                 score;                          /* -1 when not given */
    char                reasons[SG_REPLAY_REASONS_MAX]; /* comma list */
    char                session[SG_REPLAY_SESSION_MAX]; /* hex, or "" */
} sg_replay_tag_t;

/* Parses a tag header value (see sg_tag.h for what is taken); -1 if it has
 * no known verdict, with out->verdict SG_V_UNSEEN. */
int sg_replay_tag_parse(const char *p, size_t len, sg_replay_tag_t *out);

/* Finds the echoed tag in a body: sets *tag and *tag_len to the text between
 * "session_guard says: <code>" and "</code>"; -1 if absent. */
int sg_replay_tag_in_body(const char *body, size_t len, const char **tag,
                          size_t *tag_len);

/*
 * The verdict of a whole response.  header: the X-Session-Guard response
 * header or NULL; location: the Location header or NULL; login_path: the
 * app's login path.  The header wins over the body echo; with neither, 403
 * and a redirect to login_path are SG_V_BLOCK, anything else SG_V_UNSEEN.
 */
void sg_replay_verdict_of(int status, const char *header, size_t header_len,
                          const char *body, size_t body_len,
                          const char *location, const char *login_path,
                          sg_replay_tag_t *out);

const char *sg_replay_verdict_name(sg_replay_verdict_t v);
int         sg_replay_is_alert(sg_replay_verdict_t v);

/* "ok", "pass", ... to a code; -1 if unknown. */
int         sg_replay_expect_parse(const char *s);
const char *sg_replay_expect_name(sg_replay_expect_t e);
/* 1 if v satisfies e (SG_EXPECT_NOTHING accepts anything). */
int sg_replay_expect_match(sg_replay_expect_t e, sg_replay_verdict_t v);

#endif /* SG_REPLAY_VERDICT_H */

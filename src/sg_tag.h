/*
 * sg_tag: the value of the upstream tag header, which tells the application
 * behind the proxy what session_guard made of a request:
 *
 *     verdict=tag; score=170; reasons=tls_changed,device_changed;
 *     session=7a6964be2786e7d0
 *
 * (one line).  The module writes it and the replay harness reads it back, so
 * both sides use this one definition.  The glue, not this component, removes
 * any copy a client sent, which is what makes the header unforgeable.
 *
 * sg_tag_format() writes the fields in that order, "session" only when there
 * is a session id.  It refuses what it could not write unambiguously: an
 * unknown verdict name, a score above SG_SCORE_MAX, reasons other than
 * [a-z0-9_,] (so that no reason text can smuggle in a field) or longer than
 * SG_TAG_REASONS_MAX, a session id other than SG_SESSION_ID_LEN lower-case
 * hex digits.  What it writes,
 * sg_tag_parse() reads back as it was given.
 *
 * sg_tag_parse() is strict about values and tolerant about the layout, since
 * an application may echo the header in its own way: fields in any order,
 * unknown fields and pieces without '=' skipped, blanks around ';' ignored.
 * It takes only a known verdict name, a score of 1 to 9 decimal digits, a
 * session of lower-case hex digits; a value that fails is ignored, and a
 * field given twice keeps its last good value.  "reasons=-" means none.
 *
 * Pure functions over caller-owned buffers; nothing is allocated, and the
 * parsed reasons and session are slices of the input.
 */

#ifndef SG_TAG_H
#define SG_TAG_H

#include <stddef.h>

#include "sg_keyed_hash.h"
#include "sg_score.h"
#include "sg_str.h"

/* The longest verdict name ("block", "error") and score (SG_SCORE_MAX). */
#define SG_TAG_VERDICT_MAX  5
#define SG_TAG_SCORE_DIGITS 4

/*
 * The most characters sg_tag_format() writes for reasons_len characters of
 * reasons, without the NUL: a buffer of SG_TAG_LEN(reasons_len) + 1 always
 * does.  Reasons are at most SG_TAG_REASONS_MAX characters, which all the
 * reasons together fit with room to spare (a unit test checks), so no tag
 * is longer than SG_TAG_MAX.
 */
#define SG_TAG_LEN(reasons_len)                                                \
    (sizeof("verdict=; score=; reasons=; session=") - 1 + SG_TAG_VERDICT_MAX + \
     SG_TAG_SCORE_DIGITS + SG_SESSION_ID_LEN + (size_t) (reasons_len))
#define SG_TAG_REASONS_MAX 511
#define SG_TAG_MAX         SG_TAG_LEN(SG_TAG_REASONS_MAX)

typedef struct {
    sg_verdict_e verdict; /* SG_VERDICT_COUNT when none was read */
    int          score;   /* -1 when none was read */
    sg_str_t     reasons; /* comma list, as written; empty for none */
    sg_str_t     session; /* lower-case hex, or empty */
} sg_tag_t;

/*
 * Writes the tag and a NUL into buf[0 .. cap-1].  verdict: a name from
 * sg_verdict_name(); reasons: reasons_len characters, may be NULL when
 * reasons_len is 0 (written as "reasons="); session: NULL, or the first
 * SG_SESSION_ID_LEN characters are the session id.  Returns the length
 * written, or -1 (leaving "" when cap > 0) for refused input or a buffer too
 * small.
 */
int sg_tag_format(char *buf, size_t cap, const char *verdict, unsigned score,
                  const char *reasons, size_t reasons_len, const char *session);

/*
 * The tag of a request judged "ok" with score 0 and no reasons -- every
 * request answered from a cache -- for the session id in session[0 ..
 * SG_SESSION_ID_LEN-1]: the bytes sg_tag_format(buf, cap, "ok", 0, NULL, 0,
 * session) writes, without checking a verdict, score and reasons that are
 * constants here.  Returns the length written, or -1 (leaving "" when
 * cap > 0) for a session id that is not lower-case hex or a buffer too
 * small.
 */
int sg_tag_format_ok(char *buf, size_t cap, const char *session);

/*
 * Reads the tag in p[0 .. len-1]; p need not be NUL-terminated and may be
 * NULL when len is 0.  Fills *out in every case; returns 0, or -1 when no
 * field named a known verdict.
 */
int sg_tag_parse(const char *p, size_t len, sg_tag_t *out);

#endif /* SG_TAG_H */

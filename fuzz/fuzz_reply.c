/*
 * libFuzzer target: the Redis replies as the module reads them.  The input
 * is a sequence of elements (sg_fuzz_reply_elts() in sg_fuzz.h).  Every
 * prefix of the sequence is read as a session script reply
 * and as a density script reply: a reply that reads must give fields in
 * range, NUL-terminated and printable, and one that does not must leave
 * the output cleared.
 */

#include <stdint.h>
#include <string.h>

#include "sg_density.h"
#include "sg_fuzz.h"
#include "sg_place.h"
#include "sg_reply.h"
#include "sg_session.h"

#define SG_FUZZ_ELTS 20


static void
sg_fuzz_field(const char *s, int spaces)
{
    sg_fuzz_check(memchr(s, '\0', SG_SESSION_FIELD_MAX) != NULL);
    sg_fuzz_check(sg_fuzz_printable(s, SG_SESSION_FIELD_MAX - 1, spaces));
}


static void
sg_fuzz_place_ok(const sg_place_t *p)
{
    char       enc[SG_PLACE_ENCODED_MAX];
    sg_place_t back;
    int        n;

    n = sg_place_encode(p, enc, sizeof(enc));
    sg_fuzz_check(n > 0);
    sg_fuzz_check(sg_place_decode(enc, (size_t) n, p->time, &back) == 0);
}


static void
sg_fuzz_session_reply(size_t n, const sg_reply_elt_t *e)
{
    static const sg_session_bound_t zero;
    sg_session_bound_t              b;
    sg_session_rc_t                 rc;

    rc = sg_session_parse_reply(n, e, &b);
    sg_fuzz_check(rc == SG_SESSION_OK || rc == SG_SESSION_BAD_REPLY);

    if (rc != SG_SESSION_OK) {
        sg_fuzz_check(memcmp(&b, &zero, sizeof(b)) == 0);
        return;
    }

    sg_fuzz_check(b.state <= SG_SESSION_REVOKED);
    sg_fuzz_field(b.device, 0);
    sg_fuzz_field(b.tls, 0);
    sg_fuzz_field(b.ip, 0);
    sg_fuzz_field(b.user, 0);
    sg_fuzz_field(b.attrs, 1);
    sg_fuzz_check(b.last_seen >= 0 && b.hits >= 0 && b.last_match >= 0 &&
                  b.last_mismatch >= 0);
    sg_fuzz_check(b.tls_damaged <= 1 && b.provisional <= 1 && b.recorded <= 1);

    if (b.state == SG_SESSION_SEEN) {
        /* 14 elements, or 16 with the volume flags */
        sg_fuzz_check((n == 14 || n == 16) && b.device[0] != '\0');
        sg_fuzz_check(!b.tls_damaged || b.tls[0] == '\0');
    }

    if (b.have_bound_place) {
        sg_fuzz_place_ok(&b.bound_place);
    }

    if (b.have_last_place) {
        sg_fuzz_check(b.last_place.time == b.last_seen);
        sg_fuzz_place_ok(&b.last_place);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t           f;
    sg_reply_elt_t      e[SG_FUZZ_ELTS];
    sg_density_counts_t c, nc;
    size_t              n, i, k;
    int64_t             iv;
    const char         *p;

    sg_fuzz_init(&f, data, size);

    n = sg_fuzz_reply_elts(&f, e, SG_FUZZ_ELTS);

    for (i = 0; i < n; i++) {
        if (sg_reply_int(&e[i], &iv) == 0) {
            sg_fuzz_check(iv >= 0);
        }

        if (sg_reply_str(&e[i], &p, &k) == 0) {
            sg_fuzz_check(p != NULL);
            sg_fuzz_check(e[i].type == SG_REPLY_NIL ? k == 0 : k == e[i].len);
        }
    }

    for (i = 0; i <= n; i++) {
        sg_fuzz_session_reply(i, e);

        if (sg_density_parse_reply(i, e, &c, &nc) == 0) {
            sg_fuzz_check(i == 8 && c.sessions >= 0 && c.users >= 0 &&
                          c.sessions_without >= 0 && c.users_without >= 0 &&
                          nc.sessions >= 0 && nc.users_without >= 0);
        }
    }

    sg_fuzz_done(&f);

    return 0;
}

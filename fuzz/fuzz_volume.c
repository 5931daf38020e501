/*
 * libFuzzer target: the volume script's reply as the module reads it, and
 * what the module makes of it.  The input is a sequence of reply elements
 * (sg_fuzz_reply_elts() in sg_fuzz.h).  Every prefix is read as a volume
 * reply: one that reads has six counts, none negative; one that does not
 * leaves the counts cleared.  The counts that read are judged against
 * thresholds at, just under and far from them: the reasons are only
 * bulk_download and mass_clone (never mass_clone while objects are not
 * counted), a count equal to its threshold is not over it, a crossing is
 * over after the request and not before, and the record's flags name
 * exactly the reasons.  A string element is also read as a user: its keys
 * are "PREFIX{u:USER}:..." or refused (a NUL in the name), never cut.
 */

#include <stdint.h>
#include <string.h>

#include "sg_fuzz.h"
#include "sg_reply.h"
#include "sg_score.h"
#include "sg_volume.h"

#define SG_FUZZ_ELTS 8

#define SG_FUZZ_VOLUME_REASONS                \
    (SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD) | \
     SG_REASON_BIT(SG_REASON_MASS_CLONE))


static void
sg_fuzz_flags(uint32_t reasons)
{
    char   flags[3];
    size_t n;

    n = sg_volume_flags(reasons, flags);
    sg_fuzz_check(n <= 2 && flags[n] == '\0' && strlen(flags) == n);
    sg_fuzz_check((strchr(flags, 'b') != NULL) ==
                  ((reasons & SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD)) != 0));
    sg_fuzz_check((strchr(flags, 'm') != NULL) ==
                  ((reasons & SG_REASON_BIT(SG_REASON_MASS_CLONE)) != 0));
}


static void
sg_fuzz_policy(const sg_volume_counts_t *c, const sg_volume_policy_t *p)
{
    uint32_t after, before, crossed;

    after = sg_volume_reasons(c, p, 0);
    before = sg_volume_reasons(c, p, 1);
    crossed = sg_volume_crossed(c, p);

    sg_fuzz_check((after & ~SG_FUZZ_VOLUME_REASONS) == 0);
    sg_fuzz_check((before & ~SG_FUZZ_VOLUME_REASONS) == 0);
    sg_fuzz_check(crossed == (after & ~before));

    if (p->objects == 0) {
        sg_fuzz_check(!(after & SG_REASON_BIT(SG_REASON_MASS_CLONE)));
    }

    sg_fuzz_check(((after & SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD)) != 0) ==
                  (c->bytes > p->bytes || c->requests > p->requests));

    sg_fuzz_flags(after);
    sg_fuzz_flags(crossed);
}


static void
sg_fuzz_counts(const sg_volume_counts_t *c)
{
    sg_volume_policy_t p;

    /* At the counts after the request: nothing is over. */
    p.window = 3600;
    p.bytes = c->bytes;
    p.requests = c->requests;
    p.objects = c->objects;
    sg_fuzz_check(sg_volume_reasons(c, &p, 0) == 0);
    sg_fuzz_policy(c, &p);

    /* At the counts before it: what grew crossed. */
    p.bytes = c->bytes_before;
    p.requests = c->requests_before;
    p.objects = c->objects_before;
    sg_fuzz_check(sg_volume_reasons(c, &p, 1) == 0);
    sg_fuzz_policy(c, &p);

    /* Just under the counts after (objects 0 would count none). */
    if (c->bytes > 0 && c->requests > 0 && c->objects > 1) {
        p.bytes = c->bytes - 1;
        p.requests = c->requests - 1;
        p.objects = c->objects - 1;
        sg_fuzz_check(sg_volume_reasons(c, &p, 0) == SG_FUZZ_VOLUME_REASONS);
        sg_fuzz_policy(c, &p);
    }

    /* Objects not counted, thresholds far away and at zero. */
    p.bytes = INT64_MAX;
    p.requests = INT64_MAX;
    p.objects = 0;
    sg_fuzz_check(sg_volume_reasons(c, &p, 0) == 0);
    sg_fuzz_policy(c, &p);

    p.bytes = 0;
    p.requests = 0;
    sg_fuzz_policy(c, &p);
}


static void
sg_fuzz_user(const char *user, size_t len, int64_t now, int64_t window)
{
    char     who[SG_VOLUME_WHO_MAX], key[256];
    int      n, k;
    unsigned i;

    n = sg_volume_user_who(user, len, who, sizeof(who));

    if (len == 0 || len + 3 > sizeof(who) || memchr(user, '\0', len)) {
        sg_fuzz_check(n == -1);
        return;
    }

    sg_fuzz_check(n == (int) len + 2 && who[n] == '\0');
    sg_fuzz_check(memcmp(who, "u:", 2) == 0 && memcmp(who + 2, user, len) == 0);

    for (i = 0; i <= SG_VOLUME_NKEYS; i++) {
        k = sg_volume_key(key, sizeof(key), "sg:", 3, who, (size_t) n, now,
                          window, i);

        if (i == SG_VOLUME_NKEYS || now < 0 || window <= 0) {
            sg_fuzz_check(k == -1);
            continue;
        }

        /* key holds the longest: a prefix, a user and two numbers. */
        sg_fuzz_check(k > 0 && (size_t) k < sizeof(key) && key[k] == '\0');
        sg_fuzz_check(memcmp(key, "sg:{", 4) == 0);
        sg_fuzz_check(memcmp(key + 4, who, (size_t) n) == 0);
        sg_fuzz_check(
            memcmp(key + 4 + n, i < SG_VOLUME_BUCKETS ? "}:vc:" : "}:vo:", 5) ==
            0);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sg_volume_counts_t zero;
    sg_fuzz_t                       f;
    sg_reply_elt_t                  e[SG_FUZZ_ELTS];
    sg_volume_counts_t              c;
    size_t                          n, i;
    int64_t                         now, window;

    sg_fuzz_init(&f, data, size);

    n = sg_fuzz_reply_elts(&f, e, SG_FUZZ_ELTS);

    for (i = 0; i <= n; i++) {
        if (sg_volume_parse_reply(i, e, &c) != 0) {
            sg_fuzz_check(memcmp(&c, &zero, sizeof(c)) == 0);
            continue;
        }

        sg_fuzz_check(i == 6);
        sg_fuzz_check(c.bytes >= 0 && c.requests >= 0 && c.objects >= 0 &&
                      c.bytes_before >= 0 && c.requests_before >= 0 &&
                      c.objects_before >= 0);
        sg_fuzz_counts(&c);
    }

    /* A time and a window from the first two integers, as they come. */
    now = n > 0 && e[0].type == SG_REPLY_INTEGER ? e[0].integer : 1700000000;
    window = n > 1 && e[1].type == SG_REPLY_INTEGER ? e[1].integer : 3600;

    for (i = 0; i < n; i++) {
        if (e[i].type == SG_REPLY_STRING) {
            sg_fuzz_user(e[i].str, e[i].len, now, window);
        }
    }

    sg_fuzz_done(&f);

    return 0;
}

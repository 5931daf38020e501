#include "sg_density.h"
#include "sg_session.h"

#include <stdio.h>


const char sg_density_script[] =
    "local n = #KEYS / 2\n"
    "if ARGV[1] ~= '' then\n"
    "  redis.call('PFADD', KEYS[n], ARGV[1])\n"
    "  redis.call('EXPIRE', KEYS[n], ARGV[3])\n"
    "end\n"
    "if ARGV[2] ~= '' then\n"
    "  redis.call('PFADD', KEYS[2 * n], ARGV[2])\n"
    "  redis.call('EXPIRE', KEYS[2 * n], ARGV[3])\n"
    "end\n"
    "return {redis.call('PFCOUNT', unpack(KEYS, 1, n)),\n"
    "        redis.call('PFCOUNT', unpack(KEYS, n + 1, 2 * n))}\n";


static int64_t
sg_density_bucket_len(int64_t window)
{
    int64_t len = window / SG_DENSITY_BUCKETS;

    return len > 0 ? len : 1;
}


int
sg_density_key(char *buf, size_t cap, const char *prefix, size_t prefix_len,
               const char *what, size_t what_len, int64_t now, int64_t window,
               unsigned i)
{
    int      n;
    char     kind;
    int64_t  bucket;
    unsigned age;

    if (i >= SG_DENSITY_NKEYS || now < 0) {
        return -1;
    }

    kind = i < SG_DENSITY_BUCKETS ? 's' : 'u';
    age = SG_DENSITY_BUCKETS - 1 - i % SG_DENSITY_BUCKETS;
    bucket = now / sg_density_bucket_len(window) - age;

    n = snprintf(buf, cap, "%.*s{%.*s}:%c:%lld", (int) prefix_len, prefix,
                 (int) what_len, what, kind, (long long) bucket);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


int64_t
sg_density_ttl(int64_t window)
{
    return window + sg_density_bucket_len(window);
}


int
sg_density_parse_reply(size_t n, const char *const *elts, const size_t *lens,
                       int64_t *sessions, int64_t *users)
{
    if (n != 2 || sg_reply_int(elts[0], lens[0], sessions) != 0 ||
        sg_reply_int(elts[1], lens[1], users) != 0) {
        return -1;
    }

    return 0;
}

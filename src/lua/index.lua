-- Indexes by distinct users (src/sg_event.h): addresses and networks
-- under {farm}, TLS fingerprints under {tls}.  Each member has a
-- HyperLogLog of the users (or sessions, when no user is known) seen
-- with it, and a sorted set ranks the members by that count, keeping
-- the highest.  Every key written expires.
--
-- The lines below are checked against the C side by
-- t/unit/test_event.c (the convention is in docs/testing.md).
--
-- KEYS 1 set members scored by distinct users (and 3, a second one)
-- KEYS 2 users the HyperLogLog of one member (and 4, of the second)
-- ARGV 1 who the user, or s:SID when no user is known
-- ARGV 2 ttl seconds every key lives after a write
-- ARGV 3 keep members a set keeps
-- ARGV 4 member the first set's member (and 5, the second's)
-- REPLY - counts {distinct users of each member}

local who, ttl, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}

for i = 1, #KEYS - 1, 2 do
  local member = ARGV[4 + (i - 1) / 2]
  redis.call('PFADD', KEYS[i + 1], who)
  redis.call('EXPIRE', KEYS[i + 1], ttl)
  local n = redis.call('PFCOUNT', KEYS[i + 1])
  redis.call('ZADD', KEYS[i], n, member)
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -keep - 1)
  redis.call('EXPIRE', KEYS[i], ttl)
  out[#out + 1] = n
end

return out

-- Address density (src/sg_density.h): how many distinct sessions and
-- users one address and its network served in the window, counted over
-- time buckets of HyperLogLogs.  One run counts both: their keys share
-- the network's hash tag.  Each count is made with and without the
-- request's member; a probe counts as if it were added, through the
-- scratch key, and adds nothing.  The number of buckets is read from
-- the number of keys.
--
-- The lines below are checked against the C side by
-- t/unit/test_scripts.c (the convention is in docs/testing.md).
--
-- KEYS 1..4 ip_s the address's sessions, a key a bucket, oldest first
-- KEYS 5..8 ip_u the address's users, likewise
-- KEYS 9..12 net_s the network's sessions
-- KEYS 13..16 net_u the network's users
-- KEYS 17 probe scratch of a probe, deleted by the script
-- ARGV 1 session session key to add, '' for none
-- ARGV 2 user user to add, '' for none
-- ARGV 3 ttl seconds a bucket lives
-- ARGV 4 probe '1': count as if added, add nothing
-- REPLY - counts {s, u, s0, u0, ns, nu, ns0, nu0} the address's with
--   and without the request's own, then the network's

local n = (#KEYS - 1) / 4
local session, user, ttl = ARGV[1], ARGV[2], ARGV[3]
local probe = ARGV[4] == '1'

-- The distinct members of the buckets first .. last.  A PFCOUNT of
-- several keys merges their registers on every call, while one key's
-- count is kept with it; when the older buckets are absent (an address
-- new in the window, the common case for a new session) the current
-- bucket alone gives the same count, several times faster.
local function pfcount(first, last)
  if first == last
     or redis.call('EXISTS', unpack(KEYS, first, last - 1)) == 0 then
    return redis.call('PFCOUNT', KEYS[last])
  end
  return redis.call('PFCOUNT', unpack(KEYS, first, last))
end

-- The buckets first .. first + n - 1, counted with member and without.
-- A bucket is made by its first PFADD and given its TTL then: it only
-- takes members while it is the current one, so that is long enough.
local function count(first, member)
  local last = first + n - 1
  if member == '' then
    local c = pfcount(first, last)
    return c, c
  end
  if not probe then
    if redis.call('PFADD', KEYS[last], member) == 1 then
      redis.call('EXPIRE', KEYS[last], ttl)
    end
    local c = pfcount(first, last)
    return c, c
  end
  local without = pfcount(first, last)
  local tmp = KEYS[#KEYS]
  redis.call('PFMERGE', tmp, unpack(KEYS, first, last))
  redis.call('PFADD', tmp, member)
  local c = redis.call('PFCOUNT', tmp)
  redis.call('DEL', tmp)
  return c, without
end

local s, s0 = count(1, session)
local u, u0 = count(n + 1, user)
local ns, ns0 = count(2 * n + 1, session)
local nu, nu0 = count(3 * n + 1, user)
return {s, u, s0, u0, ns, nu, ns0, nu0}

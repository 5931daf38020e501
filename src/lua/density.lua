-- Address density (src/sg_density.h): how many distinct sessions and
-- users one address or network served in the window, counted over time
-- buckets of HyperLogLogs.  Each count is made with and without the
-- request's member; a probe counts as if it were added, through the
-- scratch key, and adds nothing.  The number of buckets is read from
-- the number of keys.
--
-- The lines below are checked against the C side by
-- t/unit/test_scripts.c (the convention is in docs/testing.md).
--
-- KEYS 1..4 s sessions, one key a bucket, oldest first
-- KEYS 5..8 u users, likewise
-- KEYS 9 probe scratch of a probe, deleted by the script
-- ARGV 1 session session key to add, '' for none
-- ARGV 2 user user to add, '' for none
-- ARGV 3 ttl seconds a bucket lives
-- ARGV 4 probe '1': count as if added, add nothing
-- REPLY - counts {s, u, s0, u0} with and without the request's own

local n = (#KEYS - 1) / 2
local session, user, ttl = ARGV[1], ARGV[2], ARGV[3]
local probe = ARGV[4] == '1'

-- The buckets first .. first + n - 1, counted with member and without.
local function count(first, member)
  local last = first + n - 1
  local without = redis.call('PFCOUNT', unpack(KEYS, first, last))
  if member == '' then
    return without, without
  end
  if not probe then
    redis.call('PFADD', KEYS[last], member)
    redis.call('EXPIRE', KEYS[last], ttl)
    local c = redis.call('PFCOUNT', unpack(KEYS, first, last))
    return c, c
  end
  local tmp = KEYS[#KEYS]
  redis.call('PFMERGE', tmp, unpack(KEYS, first, last))
  redis.call('PFADD', tmp, member)
  local c = redis.call('PFCOUNT', tmp)
  redis.call('DEL', tmp)
  return c, without
end

local s, s0 = count(1, session)
local u, u0 = count(n + 1, user)
return {s, u, s0, u0}

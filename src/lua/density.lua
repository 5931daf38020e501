-- Address density (src/sg_density.h): how many distinct sessions and
-- users one address and its network served in the last window seconds.
-- Each of the two is one sorted set of its members, scored by when each
-- was last seen: a session at +t, a user at -t.  One ZREMRANGEBYSCORE
-- then drops every member of either kind last seen a window ago or
-- more, and what is left with a positive score are the sessions: the
-- counts are exact and slide with the clock.  One run counts both sets:
-- their keys share the network's hash tag.  A probe counts as if the
-- request's session and user were added, and adds nothing.  A set takes
-- at most cap members; past that it only refreshes the ones it holds,
-- and its counts stay above a threshold the module accepts.
--
-- The lines below are checked against the C side by
-- t/unit/test_scripts.c (the convention is in docs/testing.md).
--
-- KEYS 1 ip the address's sessions and users
-- KEYS 2 net the network's sessions and users
-- ARGV 1 session session key to add, '' for none
-- ARGV 2 user user to add, '' for none
-- ARGV 3 now unix seconds
-- ARGV 4 window seconds a member counts after it was last seen
-- ARGV 5 probe '1': count as if added, add nothing
-- ARGV 6 cap members a set holds at most
-- REPLY - counts {s, u, s0, u0, ns, nu, ns0, nu0} the address's with
--   and without the request's own, then the network's

local session, user = ARGV[1], ARGV[2]
local now, window = tonumber(ARGV[3]), tonumber(ARGV[4])
local probe, cap = ARGV[5] == '1', tonumber(ARGV[6])
local edge = now - window

-- Members are short, so that a home's set stays a compact listpack: a
-- session by the first 16 hex digits of its key, a user by 16 of its
-- SHA-1's (the set is never read for names, only counted).
local ms = session ~= '' and 's' .. string.sub(session, 1, 16) or nil
local mu = user ~= '' and 'u' .. string.sub(redis.sha1hex(user), 1, 16)
           or nil

-- Adds member m at score t unless the set is full (then it only
-- refreshes m if held); 1 when m is new to the set.
local function add(k, m, t, full)
  if full then
    redis.call('ZADD', k, 'XX', t, m)
    return 0
  end
  return redis.call('ZADD', k, t, m)
end

-- The set's counts with the request's members and without them.
local function count(k)
  local total, s, u = redis.call('ZCARD', k), 0, 0

  -- A set not there (an address new in the window, the common case for
  -- a new session) holds nothing to drop or count.
  if total > 0 then
    total = total - redis.call('ZREMRANGEBYSCORE', k, -edge, edge)
    s = redis.call('ZCOUNT', k, '(0', '+inf')
    u = total - s
  end

  if probe then
    local s1, u1 = s, u
    if ms and (total == 0 or not redis.call('ZSCORE', k, ms)) then
      s1 = s1 + 1
    end
    if mu and (total == 0 or not redis.call('ZSCORE', k, mu)) then
      u1 = u1 + 1
    end
    return s1, u1, s, u
  end

  if ms then
    local n = add(k, ms, now, total >= cap)
    s, total = s + n, total + n
  end
  if mu then
    u = u + add(k, mu, -now, total >= cap)
  end
  if ms or mu then
    redis.call('EXPIRE', k, window)
  end
  return s, u, s, u
end

local s, u, s0, u0 = count(KEYS[1])
local ns, nu, ns0, nu0 = count(KEYS[2])
return {s, u, s0, u0, ns, nu, ns0, nu0}

-- Moves a session's stored times (tools/sg-replay/timeshift.h): HINCRBY
-- only the fields that exist, atomically, so that a field the module
-- has not written is not created with a negative time; the places p0
-- and p carry the time their country was entered as their last field,
-- which moves too (never below 1: 0 means unknown).
--
-- The convention of the lines below is in docs/testing.md.
--
-- KEYS 1 s the session's record, PREFIX{KEY}:s
-- ARGV 1 delta seconds to add to each time, negative into the past
-- ARGV 2.. field the time fields to move, where they exist
-- REPLY - moved n, the number of fields moved

local delta = ARGV[1]
local n = 0

for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], delta)
    n = n + 1
  end
end

for _, f in ipairs({'p0', 'p'}) do
  local v = redis.call('HGET', KEYS[1], f)
  local head, since = string.match(v or '', '^(.*):(%d+)$')
  if head and tonumber(since) > 0 then
    since = math.max(1, tonumber(since) + tonumber(delta))
    redis.call('HSET', KEYS[1], f, head .. ':' .. since)
  end
end

return n

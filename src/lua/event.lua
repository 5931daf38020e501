-- Events (src/sg_event.h): one event appended to the stream of every
-- event, published on the channel, and entered in the indexes the
-- dashboard reads, all under the hash tag {ev}.  A session's timeline
-- is a list of its entries' ids (a stream a session would cost 4 KiB
-- of preallocation); its binding is kept whole, as JSON, since the
-- stream may trim it.  Every key written expires.
--
-- The lines below are checked against the C side by
-- t/unit/test_event.c (the convention is in docs/testing.md).
--
-- KEYS 1 log the stream of every event
-- KEYS 2 at alerts by time: stream ids scored by milliseconds
-- KEYS 3 as alerts by score: stream ids scored by score
-- KEYS 4 counts the day's counts, SLOT:k:KIND, :v:VERDICT, :r:REASON
-- KEYS 5 session the session's timeline: a list of entry ids
-- KEYS 6 binding the session's binding event, as JSON
-- KEYS 7 user the user's sessions: ids scored by the last event
-- ARGV 1 kind alert, bind, first or revoke
-- ARGV 2 maxlen entries the stream keeps, about
-- ARGV 3 smaxlen entries a session's timeline keeps, about
-- ARGV 4 ttl seconds every key lives after a write
-- ARGV 5 slot the 10-minute slot of the day, 0..143
-- ARGV 6 channel where the event is published, as JSON
-- ARGV 7 track 1: keep the session's timeline, binding and user index
-- ARGV 8 fields and on: each field's name and value
-- REPLY - id {the entry's id}

local kind, maxlen, smaxlen = ARGV[1], tonumber(ARGV[2]),
                              tonumber(ARGV[3])
local ttl, slot, channel = tonumber(ARGV[4]), ARGV[5], ARGV[6]
local track = ARGV[7] == '1'

local fields, f = {}, {}
for i = 8, #ARGV - 1, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  f[ARGV[i]] = ARGV[i + 1]
end

local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
                      unpack(fields))
redis.call('EXPIRE', KEYS[1], ttl)

f.id = id
local json = cjson.encode(f)
local t = tonumber(f.t) or 0

if track then
  redis.call('RPUSH', KEYS[5], id)
  redis.call('LTRIM', KEYS[5], -smaxlen, -1)
  redis.call('EXPIRE', KEYS[5], ttl)

  -- The first binding stays: a session is bound once.
  if kind == 'bind' or kind == 'first' then
    redis.call('SET', KEYS[6], json, 'NX', 'EX', ttl)
  end
  redis.call('EXPIRE', KEYS[6], ttl)

  if f.user ~= nil and f.user ~= '' then
    redis.call('ZADD', KEYS[7], t, f.sid)
    redis.call('EXPIRE', KEYS[7], ttl)
  end
end

if kind == 'alert' or kind == 'revoke' then
  local ms = tonumber(f.tms) or t * 1000
  redis.call('ZADD', KEYS[2], ms, id)
  redis.call('ZADD', KEYS[3], tonumber(f.score) or 0, id)
  -- what ages out of the time index leaves the score index too
  local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf',
                         ms - ttl * 1000, 'LIMIT', 0, 100)
  local n = redis.call('ZCARD', KEYS[2])
  if n > maxlen then
    local over = redis.call('ZRANGE', KEYS[2], 0, n - maxlen - 1)
    for _, m in ipairs(over) do old[#old + 1] = m end
  end
  if #old > 0 then
    redis.call('ZREM', KEYS[2], unpack(old))
    redis.call('ZREM', KEYS[3], unpack(old))
  end
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end

redis.call('HINCRBY', KEYS[4], slot .. ':k:' .. kind, 1)
if f.verdict ~= nil and f.verdict ~= '' then
  redis.call('HINCRBY', KEYS[4], slot .. ':v:' .. f.verdict, 1)
end
for r in string.gmatch(f.reasons or '', '[^,]+') do
  redis.call('HINCRBY', KEYS[4], slot .. ':r:' .. r, 1)
end
redis.call('EXPIRE', KEYS[4], ttl)

redis.call('PUBLISH', channel, json)

return {id}

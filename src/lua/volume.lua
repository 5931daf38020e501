-- Exfiltration volume (src/sg_volume.h): what one session, or one user,
-- pulled from the locations marked sensitive within the window, counted
-- over time buckets: bytes and requests in a hash per bucket, distinct
-- objects in a HyperLogLog per bucket.  The counts before the request
-- come back with the counts after it, so that the caller can tell a
-- crossing from a session that was over already.  The number of buckets
-- is read from the number of keys.  Every key written expires.
--
-- The lines below are checked against the C side by
-- t/unit/test_scripts.c (the convention is in docs/testing.md).
--
-- KEYS 1..4 vc bytes (b) and requests (r), a hash a bucket, oldest 1st
-- KEYS 5..8 vo distinct objects, one HyperLogLog a bucket, likewise
-- ARGV 1 bytes bytes sent to the client
-- ARGV 2 object the object fetched, '' for none
-- ARGV 3 ttl seconds a bucket lives
-- REPLY - counts {b, r, o, b0, r0, o0} after the request and before it

local n = #KEYS / 2
local last = n + n
local bytes, object, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]

local b0, r0 = 0, 0
for i = 1, n do
  local c = redis.call('HMGET', KEYS[i], 'b', 'r')
  b0 = b0 + (tonumber(c[1]) or 0)
  r0 = r0 + (tonumber(c[2]) or 0)
end

redis.call('HINCRBY', KEYS[n], 'b', bytes)
redis.call('HINCRBY', KEYS[n], 'r', 1)
redis.call('EXPIRE', KEYS[n], ttl)

local o0 = redis.call('PFCOUNT', unpack(KEYS, n + 1, last))
local o = o0
if object ~= '' then
  redis.call('PFADD', KEYS[last], object)
  redis.call('EXPIRE', KEYS[last], ttl)
  o = redis.call('PFCOUNT', unpack(KEYS, n + 1, last))
end

return {b0 + bytes, r0 + 1, o, b0, r0, o0}

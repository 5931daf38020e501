-- The session record: one atomic script for everything the module asks
-- of a session's record (src/sg_session.h), selected by the mode.
--
-- The binding is written once, at first sight or at issuance, and never
-- overwritten: not by a differing observation (a thief's requests must
-- not teach the record their device), and not by a cookie issued again
-- (an app with rolling sessions re-sends it on every response, the
-- thief's included).  Only a provisional record, made for a cookie
-- never seen issued, gives way to a real issuance.  A revoked session
-- keeps a tombstone for the rest of its TTL, so its cookie cannot be
-- bound afresh by whoever holds it.  The user is recorded with the
-- binding and never changed.
--
-- The lines below are checked against the C side by
-- t/unit/test_scripts.c (the convention is in docs/testing.md).  Every
-- mode gets every argument and ignores what it does not use.
--
-- KEYS 1 s the session's record, PREFIX{KEY}:s
-- KEYS 2 s during a rotation only: its name under the previous key
-- ARGV 1 mode what to do: one of the MODE digits
-- ARGV 2 now unix seconds
-- ARGV 3 ttl seconds of idleness before the record expires
-- ARGV 4 device device fingerprint
-- ARGV 5 tls stable TLS signature, may be empty
-- ARGV 6 ip client address
-- ARGV 7 user may be empty
-- ARGV 8 verdict the verdict's name (verdict mode)
-- ARGV 9 score its score (verdict mode)
-- ARGV 10 matched '1': it matched the binding (verdict mode)
-- ARGV 11 place the request's place, '' if unknown
-- ARGV 12 count requests to add to n (touch mode)
-- ARGV 13 issuance '1': sessions are bound at issuance, an unknown one
--   is provisional (observe mode)
-- ARGV 14 create '0' records nothing for an unknown session (observe)
-- ARGV 15 short_ttl seconds a provisional record lives
-- ARGV 16 attrs the cookie's attributes, kept in ca (bind mode)
-- ARGV 17 volume flags to set: 'b' bulk_download, 'm' mass_clone (flag)
-- ARGV 18 until unix seconds the flags stand until (flag mode)
-- MODE 0 observe record a request, answer with the binding
-- MODE 1 bind bind at issuance
-- MODE 2 revoke forget the binding, keep a tombstone
-- MODE 3 verdict note the verdict of the last request
-- MODE 4 touch requests answered without a round trip
-- MODE 5 flag it pulled too much: its requests carry the reasons
-- REPLY 0 first_sight {0, recorded, provisional}
-- REPLY 1 seen {1,dev,tls,ip,t,n,tb,tx,u,t0,p0,p,pv,ca,xb,xm}
-- REPLY 2 done {2}
-- REPLY 3 revoked {3}
--
-- A record keeps no field it can do without: an empty user, place or
-- attributes is not written, and the last request's time and place are
-- written only once they differ from the binding's (t, tb, p read as
-- t0, t0, p0 while absent): Redis memory per session is what it costs.

local k = KEYS[1]

-- Rotation: a record found only under the previous key's name moves to
-- the current one's, TTL and tombstone included, before the mode runs,
-- so a rotation loses no session and undoes no revocation.  The two
-- names are two Cluster slots: this needs one Redis, not a Cluster.
if KEYS[2] and redis.call('EXISTS', k) == 0
    and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], k)
end
local mode, now, ttl, device, tls, ip, user =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local verdict, score, matched, place, count =
  ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local issuance, create, short_ttl, attrs =
  ARGV[13], ARGV[14], ARGV[15], ARGV[16]
local volume, till = ARGV[17], ARGV[18]

-- A new binding: the fields that are not empty, in one call.
local function bind(n, extra, value)
  local f = {'dev', device, 'ip0', ip, 'ip', ip, 't0', now, 'n', n}
  for _, o in ipairs({{'tls', tls}, {'u', user}, {'p0', place},
                      {extra, value}}) do
    if o[1] and o[2] ~= '' then
      f[#f + 1] = o[1]
      f[#f + 1] = o[2]
    end
  end
  redis.call('HSET', k, unpack(f))
end

if mode == '1' then
  local c = redis.call('HMGET', k, 'dev', 'rv', 'pv')
  if c[2] or (c[1] and c[3] ~= '1') then
    return {2}
  end
  redis.call('DEL', k)
  bind(0, 'ca', attrs)
  redis.call('EXPIRE', k, ttl)
  return {2}
end

if mode == '2' then
  redis.call('DEL', k)
  redis.call('HSET', k, 'rv', '1', 't', now)
  redis.call('EXPIRE', k, ttl)
  return {2}
end

if mode == '3' then
  if redis.call('HEXISTS', k, 'dev') == 1 then
    redis.call('HSET', k, 'v', verdict, 'sc', score,
               matched == '1' and 'tb' or 'tx', now)
    if place ~= '' then
      local p0 = redis.call('HGET', k, 'p0')
      if not p0 then
        redis.call('HSET', k, 'p0', place)
      elseif p0 == place then
        redis.call('HDEL', k, 'p')
      else
        redis.call('HSET', k, 'p', place)
      end
    end
  end
  return {2}
end

if mode == '4' then
  local c = redis.call('HMGET', k, 'dev', 'pv')
  if c[1] then
    redis.call('HSET', k, 'ip', ip, 't', now, 'tb', now)
    redis.call('HINCRBY', k, 'n', count)
    redis.call('EXPIRE', k, c[2] == '1' and short_ttl or ttl)
  end
  return {2}
end

-- Flag: xb and xm hold the time until which bulk_download and
-- mass_clone stand; a later time replaces an earlier one, never the
-- reverse.  The record's TTL is left alone: a flag keeps nothing alive.
if mode == '5' then
  local c = redis.call('HMGET', k, 'dev', 'rv')
  if c[1] and not c[2] then
    for f in string.gmatch(volume, '[bm]') do
      local old = tonumber(redis.call('HGET', k, 'x' .. f)) or 0
      if tonumber(till) > old then
        redis.call('HSET', k, 'x' .. f, till)
      end
    end
  end
  return {2}
end

-- Observe.
local b = redis.call('HMGET', k, 'dev', 'tls', 'ip', 't', 'n', 'tb',
                     'tx', 'u', 'rv', 't0', 'p0', 'p', 'pv', 'ca',
                     'xb', 'xm')
if b[9] then
  return {3}
end

if not b[1] then
  local pv = issuance == '1'
  if create ~= '1' then
    return {0, 0, pv and 1 or 0}
  end
  bind(1, pv and 'pv' or nil, '1')
  redis.call('EXPIRE', k, pv and short_ttl or ttl)
  return {0, 1, pv and 1 or 0}
end

redis.call('HSET', k, 'ip', ip, 't', now)
redis.call('HINCRBY', k, 'n', 1)
redis.call('EXPIRE', k, b[13] == '1' and short_ttl or ttl)
local t0 = b[10] or '0'
return {1, b[1], b[2] or '', b[3] or '', b[4] or t0, b[5] or '0',
        b[6] or t0, b[7] or '0', b[8] or '', t0,
        b[11] or '', b[12] or b[11] or '', b[13] or '', b[14] or '',
        b[15] or '0', b[16] or '0'}

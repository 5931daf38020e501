-- The dashboard's queries (src/sg_dashboard.h), each answered as one
-- JSON document, from the keys event.lua and index.lua write.  Only
-- reads, except that members whose data expired or was trimmed leave
-- their index.  A user's sessions are read from their {ev} keys,
-- named from the prefix: the same slot as the index.
--
-- The lines below are checked against the C side by
-- t/unit/test_event.c (the convention is in docs/testing.md).
--
-- KEYS 1 first the mode's first key (see sg_dashboard_argv)
-- ARGV 1 mode summary, alerts, session, user, farms or tls
-- ARGV 2 now unix seconds
-- ARGV 3 prefix the keys' prefix
-- ARGV 4 cursor alerts: before this time (ms) or from this offset
-- ARGV 5 limit the most items answered
-- ARGV 6 sort alerts: time or score
-- ARGV 7 verdict alerts: only this verdict, or ''
-- ARGV 8 reason alerts: only with this reason, or ''
-- ARGV 9 user alerts: only this user, or ''
-- ARGV 10 ip alerts: only this address, or ''
-- ARGV 11 country alerts: only this country, or ''
-- ARGV 12 slot summary: the 10-minute slot of the day now
-- REPLY - json {a JSON document}

local mode, now, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local limit = tonumber(ARGV[5]) or 50

local function entry(id, kv)
  local e = {id = id}
  for i = 1, #kv - 1, 2 do e[kv[i]] = kv[i + 1] end
  return e
end

-- cjson writes an empty table as an object: an empty list is a marker
-- that no field can hold (they are printable), made [] at the end.
local EMPTY = '\1[]'
local function list(t)
  if #t == 0 then return EMPTY end
  return t
end

local function has_reason(e, r)
  for x in string.gmatch(e.reasons or '', '[^,]+') do
    if x == r then return true end
  end
  return false
end

local function summary()
  local slot = tonumber(ARGV[12])
  local w = {}
  for _, name in ipairs({'hour', 'day', 'week'}) do
    w[name] = {verdicts = {}, reasons = {}, kinds = {}}
  end
  local series = {}
  for h = 1, 24 do
    series[h] = {hours_ago = h - 1, tag = 0, block = 0, new = 0,
                 bind = 0}
  end
  local groups = {k = 'kinds', v = 'verdicts', r = 'reasons'}
  for d = 1, #KEYS do
    local all = redis.call('HGETALL', KEYS[d])
    for i = 1, #all - 1, 2 do
      local s, g, name = string.match(all[i], '^(%d+):(%a):(.+)$')
      local n = tonumber(all[i + 1]) or 0
      if s then
        local age = (d - 1) * 144 + slot - tonumber(s)
        local into = {}
        if age >= 0 and age < 6 then into[#into + 1] = w.hour end
        if age >= 0 and age < 144 then into[#into + 1] = w.day end
        if age >= 0 and age < 1008 then into[#into + 1] = w.week end
        for _, win in ipairs(into) do
          local t = win[groups[g]]
          if t then t[name] = (t[name] or 0) + n end
        end
        if age >= 0 and age < 144 then
          local b = series[math.floor(age / 6) + 1]
          if g == 'v' and b[name] then b[name] = b[name] + n end
          if g == 'k' and name == 'bind' then b.bind = b.bind + n end
        end
      end
    end
  end
  return {now = now, windows = w, series = series}
end

local function alerts()
  local log, set = KEYS[1], KEYS[2]
  local by_score = ARGV[6] == 'score'
  if by_score then set = KEYS[3] end
  local want = {verdict = ARGV[7], user = ARGV[9], ip = ARGV[10],
                cc = ARGV[11]}
  local reason = ARGV[8]
  local out, scanned, cursor = {}, 0, ARGV[4]
  local offset = by_score and (tonumber(cursor) or 0) or 0
  local top = '+inf'
  if not by_score and cursor ~= '' then top = '(' .. cursor end
  local next_cursor = nil
  while #out < limit and scanned < 2000 do
    local ids
    if by_score then
      ids = redis.call('ZREVRANGE', set, offset, offset + 99,
                       'WITHSCORES')
    else
      ids = redis.call('ZREVRANGEBYSCORE', set, top, '-inf',
                       'WITHSCORES', 'LIMIT', 0, 100)
    end
    if #ids == 0 then next_cursor = nil break end
    for i = 1, #ids - 1, 2 do
      local id, score = ids[i], ids[i + 1]
      scanned = scanned + 1
      offset = offset + 1
      top = '(' .. score
      next_cursor = by_score and tostring(offset) or score
      local got = redis.call('XRANGE', log, id, id)
      if #got == 0 then
        redis.call('ZREM', KEYS[2], id)
        redis.call('ZREM', KEYS[3], id)
        if by_score then offset = offset - 1 end
      else
        local e = entry(id, got[1][2])
        local ok = true
        for k, v in pairs(want) do
          if v ~= '' and e[k] ~= v then ok = false end
        end
        if ok and reason ~= '' and not has_reason(e, reason) then
          ok = false
        end
        if ok then out[#out + 1] = e end
      end
      if #out >= limit then break end
    end
  end
  return {alerts = list(out), next = next_cursor,
          total = redis.call('ZCARD', set)}
end

-- Distinct devices and places of a list of events, in order of first
-- sight.
local function distinct(events, fields)
  local seen, out = {}, {}
  for _, e in ipairs(events) do
    local parts = {}
    for _, k in ipairs(fields) do parts[#parts + 1] = e[k] or '' end
    local key = table.concat(parts, '\t')
    local d = seen[key]
    if d == nil then
      d = {first = e.t, last = e.t, events = 0}
      for _, k in ipairs(fields) do d[k] = e[k] or '' end
      seen[key] = d
      out[#out + 1] = d
    end
    d.last = e.t
    d.events = d.events + 1
  end
  return list(out)
end

local DEVICE = {'dev', 'ja4', 'ua'}
local PLACE = {'ip', 'cc', 'city', 'asn', 'org', 'class'}

-- A session's events still in the stream, and its binding.
local function session_of(timeline, binding, log, sid)
  local events = {}
  for _, id in ipairs(redis.call('LRANGE', timeline, 0, -1)) do
    local x = redis.call('XRANGE', log, id, id)
    if #x > 0 then events[#events + 1] = entry(x[1][1], x[1][2]) end
  end
  local b = redis.call('GET', binding)
  local bound = cjson.null
  if b then bound = cjson.decode(b) end
  return {sid = sid, binding = bound, events = events,
          devices = distinct(events, DEVICE),
          places = distinct(events, PLACE)}
end

local function user()
  local sids = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1,
                          'WITHSCORES')
  local out = {}
  local name = string.sub(KEYS[1], #prefix + 8)
  for i = 1, #sids - 1, 2 do
    local sid = sids[i]
    local s = session_of(prefix .. '{ev}:s:' .. sid,
                         prefix .. '{ev}:b:' .. sid,
                         prefix .. '{ev}:log', sid)
    if #s.events == 0 and s.binding == cjson.null then
      redis.call('ZREM', KEYS[1], sid)
    else
      local alerts, last = 0, s.events[#s.events]
      for _, e in ipairs(s.events) do
        if e.kind == 'alert' or e.kind == 'revoke' then
          alerts = alerts + 1
        end
      end
      out[#out + 1] = {sid = sid, last_seen = tonumber(sids[i + 1]),
                       binding = s.binding, alerts = alerts,
                       last = last, devices = s.devices,
                       places = s.places}
    end
  end
  return {user = name, sessions = list(out)}
end

local function ranked(set, field, tag)
  local got = redis.call('ZREVRANGE', set, 0, limit - 1, 'WITHSCORES')
  local out = {}
  for i = 1, #got - 1, 2 do
    local m = got[i]
    if redis.call('EXISTS', prefix .. tag .. ':u:' .. m) == 1 then
      out[#out + 1] = {[field] = m, users = tonumber(got[i + 1])}
    else
      redis.call('ZREM', set, m)
    end
  end
  return list(out)
end

local r
if mode == 'summary' then
  r = summary()
elseif mode == 'alerts' then
  r = alerts()
elseif mode == 'session' then
  r = session_of(KEYS[1], KEYS[2], KEYS[3],
                 string.sub(KEYS[1], #prefix + 8))
  r.events = list(r.events)
elseif mode == 'user' then
  r = user()
elseif mode == 'farms' then
  r = {addresses = ranked(KEYS[1], 'ip', '{farm}'),
       networks = ranked(KEYS[2], 'net', '{farm}')}
elseif mode == 'tls' then
  r = {fingerprints = ranked(KEYS[1], 'ja4', '{tls}')}
else
  return redis.error_reply('unknown mode')
end

r.now = now
local json = string.gsub(cjson.encode(r), '"\\u0001%[%]"', '[]')
return {json}

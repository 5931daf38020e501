-- The alternative an OpenResty user would write instead of session_guard,
-- for the benchmark: from access_by_lua, a keyed hash of the session cookie
-- (HMAC-SHA1: ngx.hmac_sha1 is what OpenResty has built in; session_guard
-- uses HMAC-SHA256), then one awaited EVALSHA that looks the session up,
-- binds it on first sight, compares the User-Agent and the client address,
-- and records the request; the verdict goes to the upstream in a request
-- header.  Fails open after the timeout, like session_guard_on_error pass.

local redis = require "sgbench.redis"

local hmac_sha1 = ngx.hmac_sha1
local sha1_bin = ngx.sha1_bin
local format = string.format
local byte = string.byte
local find = string.find

local _M = {}

-- KEYS[1] the session hash; ARGV: device, address, now, ttl.
-- Returns { verdict, score }.
local SCRIPT = [[
local s = redis.call('HMGET', KEYS[1], 'dev', 'ip')
local verdict, score = 'new', 0
if not s[1] then
    redis.call('HSET', KEYS[1], 'dev', ARGV[1], 'ip', ARGV[2],
               't0', ARGV[3], 't', ARGV[3], 'n', 1)
else
    if s[1] ~= ARGV[1] then score = score + 50 end
    if s[2] ~= ARGV[2] then score = score + 10 end
    redis.call('HSET', KEYS[1], 'ip', ARGV[2], 't', ARGV[3])
    redis.call('HINCRBY', KEYS[1], 'n', 1)
    verdict = score >= 40 and 'tag' or 'ok'
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return { verdict, score }
]]

local HEX16 = string.rep("%02x", 16)

local conf
local sha

local function count(what)
    local dict = ngx.shared.sgbench
    if dict then
        dict:incr(what, 1, 0)
    end
end

-- init{ secret_file=, host=, port=, timeout_ms=, ttl= } from init_by_lua.
function _M.init(c)
    local f = assert(io.open(c.secret_file, "rb"))
    c.secret = f:read("*a"):gsub("\n$", "")
    f:close()
    conf = c
    sha = format(string.rep("%02x", 20), byte(sha1_bin(SCRIPT), 1, 20))
end

function _M.access()
    local cookie = ngx.var.cookie_sid
    if not cookie or cookie == "" then
        return
    end
    local key = "lua:{" .. format(HEX16, byte(hmac_sha1(conf.secret, cookie),
                                              1, 16)) .. "}:s"
    local dev = ngx.var.http_user_agent or ""
    local addr = ngx.var.remote_addr
    local now = ngx.time()
    local args = { "EVALSHA", sha, 1, key, dev, addr, now, conf.ttl }
    local v, err = redis.command(conf.host, conf.port, conf.timeout_ms, args)
    if v == false and find(err, "^NOSCRIPT") then
        args[1], args[2] = "EVAL", SCRIPT
        v, err = redis.command(conf.host, conf.port, conf.timeout_ms, args)
    end
    if type(v) ~= "table" then
        ngx.log(ngx.INFO, "sgbench: redis: ", err)
        count("error")
        ngx.req.set_header("X-Session-Guard", "verdict=error")
        return
    end
    count(v[1])
    ngx.req.set_header("X-Session-Guard",
                       "verdict=" .. v[1] .. "; score=" .. v[2])
end

-- The counters, one "name value" a line, for bench/run.
function _M.report()
    local dict = ngx.shared.sgbench
    for _, k in ipairs({ "ok", "new", "tag", "error" }) do
        ngx.say(k, " ", dict:get(k) or 0)
    end
end

return _M

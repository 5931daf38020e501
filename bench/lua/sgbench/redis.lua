-- A minimal Redis client over nginx cosockets, for the benchmark's Lua
-- alternative to session_guard: one command, one reply, connections kept in
-- the worker's keepalive pool.  RESP2 only; an error reply is returned as
-- false plus its message, a network failure or timeout as nil plus the
-- error.

local tcp = ngx.socket.tcp
local concat = table.concat
local tonumber = tonumber
local tostring = tostring
local byte = string.byte
local sub = string.sub

local _M = {}

local PLUS, MINUS, COLON, DOLLAR, STAR = byte("+-:$*", 1, 5)

local function encode(args)
    local buf = { "*", #args, "\r\n" }
    local n = 3
    for i = 1, #args do
        local a = tostring(args[i])
        buf[n + 1] = "$"
        buf[n + 2] = #a
        buf[n + 3] = "\r\n"
        buf[n + 4] = a
        buf[n + 5] = "\r\n"
        n = n + 5
    end
    return concat(buf)
end

local function read_reply(sock)
    local line, err = sock:receive("*l")
    if not line then
        return nil, err
    end
    local t = byte(line, 1)
    if t == PLUS then
        return sub(line, 2)
    elseif t == MINUS then
        return false, sub(line, 2)
    elseif t == COLON then
        return tonumber(sub(line, 2))
    elseif t == DOLLAR then
        local len = tonumber(sub(line, 2))
        if not len then
            return nil, "bad bulk length"
        end
        if len < 0 then
            return ngx.null
        end
        local data, rerr = sock:receive(len + 2)
        if not data then
            return nil, rerr
        end
        return sub(data, 1, len)
    elseif t == STAR then
        local count = tonumber(sub(line, 2))
        if not count then
            return nil, "bad array length"
        end
        if count < 0 then
            return ngx.null
        end
        local arr = {}
        for i = 1, count do
            local v, verr = read_reply(sock)
            if v == nil then
                return nil, verr
            end
            arr[i] = v
        end
        return arr
    end
    return nil, "bad reply"
end

-- command(host, port, timeout_ms, { "CMD", arg, ... }) -> reply, err
function _M.command(host, port, timeout_ms, args)
    local sock = tcp()
    sock:settimeout(timeout_ms)
    local ok, err = sock:connect(host, port)
    if not ok then
        return nil, err
    end
    local sent, serr = sock:send(encode(args))
    if not sent then
        sock:close()
        return nil, serr
    end
    local v, rerr = read_reply(sock)
    if v == nil then
        -- A reply may still be on its way: the connection is unusable.
        sock:close()
        return nil, rerr
    end
    sock:setkeepalive(10000, 64)
    return v, rerr
end

return _M

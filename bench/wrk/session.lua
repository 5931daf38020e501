-- wrk script for bench/run: a browser-like HTTP/1.1 request, written out
-- byte for byte so that every run sends the same headers in the same order
-- (wrk's own -H headers come out of a Lua table in no fixed order, which
-- session_guard would see as another device).
--
--   wrk -s session.lua URL -- known SID [close|keep] [LIMIT]
--                                                 one session, bound first
--   wrk -s session.lua URL -- new RUNID [LIMIT]   a new session a request,
--                                                 each from its own address
--
-- With LIMIT, a thread stops after LIMIT requests.
--
-- The client address goes in X-Real-IP (nginx's realip module takes it from
-- 127.0.0.1): a home address the geo databases know for the known session,
-- random addresses in 10.0.0.0/8 for new ones.

local mode, head, fixed, prefix, limit
local counter = 0

-- setup() runs in the main Lua state: number the threads.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_no", threads)
end

function init(args)
    mode = args[1]
    local host = wrk.headers["Host"] or (wrk.host .. ":" .. wrk.port)
    head = "GET " .. wrk.path .. " HTTP/1.1\r\n" ..
        "Host: " .. host .. "\r\n" ..
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " ..
        "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" ..
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9," ..
        "*/*;q=0.8\r\n" ..
        "Accept-Language: en-US,en;q=0.9\r\n" ..
        "Accept-Encoding: gzip, deflate, br\r\n"
    if mode == "known" then
        local close = args[3] == "close" and "Connection: close\r\n" or ""
        fixed = head .. "Cookie: sid=" .. args[2] .. "\r\n" ..
            "X-Real-IP: 198.51.100.10\r\n" .. close .. "\r\n"
        limit = tonumber(args[4] or "")
    else
        prefix = "Cookie: sid=" .. args[2] .. "-" .. (thread_no or 1) .. "-"
        limit = tonumber(args[3] or "")
        math.randomseed(os.time() + (thread_no or 1))
    end
end

function request()
    counter = counter + 1
    if limit and counter > limit then
        wrk.thread:stop()
    end
    if fixed then
        return fixed
    end
    return head .. prefix .. counter .. "\r\nX-Real-IP: 10." ..
        math.random(0, 255) .. "." .. math.random(0, 255) .. "." ..
        math.random(1, 254) .. "\r\n\r\n"
end


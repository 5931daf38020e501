-- wrk script for the fault tests: every request is a new session (so each
-- one asks Redis), alternately to /pass/ (session_guard_on_error pass) and
-- /closed/ (a status), with browser-like headers in a fixed order.
--
--   wrk -s t/helpers/faults.lua URL -- RUNID [close]
--
-- With "close", every request asks for its own connection (Connection:
-- close), so that no request is ever sent on a connection the server is
-- closing (a keep-alive race no server can avoid, which wrk would count
-- as an error).
--
-- done() prints one line the test reads:
--   wrk-summary requests=N connect=N read=N write=N status=N timeout=N
--               max_us=N

local head, prefix
local counter = 0
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("thread_no", threads)
end

function init(args)
    local host = wrk.host .. ":" .. wrk.port
    head = " HTTP/1.1\r\nHost: " .. host .. "\r\n" ..
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) " ..
        "Gecko/20100101 Firefox/125.0\r\n" ..
        "Accept-Language: en-US,en;q=0.5\r\n" ..
        "Accept-Encoding: gzip, deflate, br\r\n"
    if args[2] == "close" then
        head = head .. "Connection: close\r\n"
    end
    prefix = "Cookie: sid=" .. (args[1] or "run") .. "-" ..
        (thread_no or 1) .. "-"
end

function request()
    counter = counter + 1
    local path = counter % 2 == 0 and "/pass/x" or "/closed/x"
    return "GET " .. path .. head .. prefix .. counter .. "\r\n\r\n"
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("wrk-summary requests=%d connect=%d read=%d " ..
        "write=%d status=%d timeout=%d max_us=%d\n", summary.requests,
        e.connect, e.read, e.write, e.status, e.timeout, latency.max))
end

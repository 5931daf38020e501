/*
 * Generated from tools/sg-replay/timeshift.lua by scripts/embed-lua; do not
 * edit: change the .lua files and run `make scripts`.
 */

#include "timeshift.h"


/* tools/sg-replay/timeshift.lua */
const char sg_ts_script[] =
    "-- Moves a session's stored times (tools/sg-replay/timeshift.h): HINCRBY\n"
    "-- only the fields that exist, atomically, so that a field the module\n"
    "-- has not written is not created with a negative time; the places p0\n"
    "-- and p carry the time their country was entered as their last field,\n"
    "-- which moves too (never below 1: 0 means unknown).\n"
    "--\n"
    "-- The convention of the lines below is in docs/testing.md.\n"
    "--\n"
    "-- KEYS 1 s the session's record, PREFIX{KEY}:s\n"
    "-- ARGV 1 delta seconds to add to each time, negative into the past\n"
    "-- ARGV 2.. field the time fields to move, where they exist\n"
    "-- REPLY - moved n, the number of fields moved\n"
    "\n"
    "local delta = ARGV[1]\n"
    "local n = 0\n"
    "\n"
    "for i = 2, #ARGV do\n"
    "  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then\n"
    "    redis.call('HINCRBY', KEYS[1], ARGV[i], delta)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "\n"
    "for _, f in ipairs({'p0', 'p'}) do\n"
    "  local v = redis.call('HGET', KEYS[1], f)\n"
    "  local head, since = string.match(v or '', '^(.*):(%d+)$')\n"
    "  if head and tonumber(since) > 0 then\n"
    "    since = math.max(1, tonumber(since) + tonumber(delta))\n"
    "    redis.call('HSET', KEYS[1], f, head .. ':' .. since)\n"
    "  end\n"
    "end\n"
    "\n"
    "return n\n";

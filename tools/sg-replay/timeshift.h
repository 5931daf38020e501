/*
 * Simulated time.  The module takes the time from its own clock, so a
 * scenario's gaps ("t": 3600 after "t": 0) are made by moving a session's
 * stored times back in Redis by the difference between the scripted gap and
 * the real one, just before the request.  A session is found by the first
 * hex digits of its key, which the module reports in its tag
 * ("session=...").  Only the time fields listed (default t0, t, tb and tx)
 * move, and only where they exist.
 */

#ifndef SG_REPLAY_TIMESHIFT_H
#define SG_REPLAY_TIMESHIFT_H

typedef struct sg_timeshift_s sg_timeshift_t;

/* hostport "127.0.0.1:6379"; prefix as the module's (default "sg:");
 * fields comma-separated. */
sg_timeshift_t *sg_timeshift_open(const char *hostport, const char *prefix,
                                  const char *fields, char *err, int err_len);

/* Moves the times of the session whose key starts with sid by -seconds
 * (seconds > 0 moves them into the past).  Returns the number of fields
 * moved, or -1 with a message in err. */
int  sg_timeshift_apply(sg_timeshift_t *ts, const char *sid, long long seconds,
                        char *err, int err_len);
void sg_timeshift_close(sg_timeshift_t *ts);

/* What sg_timeshift_apply runs: timeshift.lua, embedded in
 * timeshift_script.c by scripts/embed-lua. */
extern const char sg_ts_script[];

#endif /* SG_REPLAY_TIMESHIFT_H */

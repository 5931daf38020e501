#include "timeshift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>


#define SG_TS_CACHE 256

struct sg_timeshift_s {
    redisContext *rc;
    char         *prefix;
    char        **fields;
    size_t        n_fields;
    /* sid prefix -> full key, found once with SCAN */
    char  *sids[SG_TS_CACHE];
    char  *keys[SG_TS_CACHE];
    size_t n_cache;
};


sg_timeshift_t *
sg_timeshift_open(const char *hostport, const char *prefix, const char *fields,
                  char *err, int err_len)
{
    sg_timeshift_t *ts;
    const char     *colon, *p;
    char            host[256];
    size_t          n;
    struct timeval  tv = {2, 0};

    colon = strrchr(hostport, ':');
    if (colon == NULL || (size_t) (colon - hostport) >= sizeof(host)) {
        snprintf(err, err_len, "--redis wants HOST:PORT");
        return NULL;
    }

    memcpy(host, hostport, (size_t) (colon - hostport));
    host[colon - hostport] = '\0';

    ts = calloc(1, sizeof(*ts));
    if (ts == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }

    ts->prefix = strdup(prefix);

    for (p = fields; *p != '\0'; p += n + (p[n] == ',')) {
        n = strcspn(p, ",");
        if (n == 0) {
            continue;
        }
        ts->fields = realloc(ts->fields, (ts->n_fields + 1) * sizeof(char *));
        if (ts->fields == NULL) {
            break;
        }
        ts->fields[ts->n_fields++] = strndup(p, n);
    }

    ts->rc = redisConnectWithTimeout(host, atoi(colon + 1), tv);
    if (ts->rc == NULL || ts->rc->err) {
        snprintf(err, err_len, "redis %s: %s", hostport,
                 ts->rc ? ts->rc->errstr : "cannot connect");
        sg_timeshift_close(ts);
        return NULL;
    }

    redisSetTimeout(ts->rc, tv);
    return ts;
}


/* The prefix as a SCAN pattern: glob characters escaped. */
static void
sg_ts_pattern(const char *prefix, const char *sid, char *out, size_t cap)
{
    size_t n = 0;

    for (; *prefix != '\0' && n + 3 < cap; prefix++) {
        if (strchr("*?[]\\", *prefix) != NULL) {
            out[n++] = '\\';
        }
        out[n++] = *prefix;
    }

    snprintf(out + n, cap - n, "{%s*}:s", sid);
}


static char *
sg_ts_find(sg_timeshift_t *ts, const char *sid, char *err, int err_len)
{
    redisReply *r;
    char        pattern[512], cursor[32] = "0";
    char       *key = NULL;
    size_t      i;

    for (i = 0; i < ts->n_cache; i++) {
        if (strcmp(ts->sids[i], sid) == 0) {
            return ts->keys[i];
        }
    }

    sg_ts_pattern(ts->prefix, sid, pattern, sizeof(pattern));

    do {
        r = redisCommand(ts->rc, "SCAN %s MATCH %s COUNT 1000", cursor,
                         pattern);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            snprintf(err, err_len, "redis SCAN: %s",
                     r && r->type == REDIS_REPLY_ERROR ? r->str
                                                       : ts->rc->errstr);
            if (r) {
                freeReplyObject(r);
            }
            return NULL;
        }

        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        if (r->element[1]->elements > 0) {
            key = strdup(r->element[1]->element[0]->str);
        }
        freeReplyObject(r);
    } while (key == NULL && strcmp(cursor, "0") != 0);

    if (key == NULL) {
        snprintf(err, err_len, "no Redis key for session %s", sid);
        return NULL;
    }

    if (ts->n_cache < SG_TS_CACHE) {
        ts->sids[ts->n_cache] = strdup(sid);
        ts->keys[ts->n_cache] = key;
        ts->n_cache++;
        return key;
    }

    /* a full cache only costs another SCAN next time; the key is kept on
     * the last slot so that it is freed */
    free(ts->keys[SG_TS_CACHE - 1]);
    ts->keys[SG_TS_CACHE - 1] = key;
    free(ts->sids[SG_TS_CACHE - 1]);
    ts->sids[SG_TS_CACHE - 1] = strdup(sid);
    return key;
}


int
sg_timeshift_apply(sg_timeshift_t *ts, const char *sid, long long seconds,
                   char *err, int err_len)
{
    const char **argv;
    size_t      *lens, i, argc;
    char         delta[32];
    const char  *key;
    redisReply  *r;
    int          n;

    key = sg_ts_find(ts, sid, err, err_len);
    if (key == NULL) {
        return -1;
    }

    /* EVAL script 1 key delta field... */
    argc = 5 + ts->n_fields;
    argv = calloc(argc, sizeof(char *));
    lens = calloc(argc, sizeof(size_t));
    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    snprintf(delta, sizeof(delta), "%lld", -seconds);
    argv[0] = "EVAL";
    argv[1] = sg_ts_script;
    argv[2] = "1";
    argv[3] = key;
    argv[4] = delta;

    for (i = 0; i < ts->n_fields; i++) {
        argv[5 + i] = ts->fields[i];
    }

    for (i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }

    r = redisCommandArgv(ts->rc, (int) argc, argv, lens);
    free(argv);
    free(lens);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        snprintf(err, err_len, "redis EVAL: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : ts->rc->errstr);
        if (r) {
            freeReplyObject(r);
        }
        return -1;
    }

    n = (int) r->integer;
    freeReplyObject(r);
    return n;
}


void
sg_timeshift_close(sg_timeshift_t *ts)
{
    size_t i;

    if (ts == NULL) {
        return;
    }

    if (ts->rc) {
        redisFree(ts->rc);
    }

    for (i = 0; i < ts->n_fields; i++) {
        free(ts->fields[i]);
    }

    for (i = 0; i < ts->n_cache; i++) {
        free(ts->sids[i]);
        free(ts->keys[i]);
    }

    free(ts->fields);
    free(ts->prefix);
    free(ts);
}

/*
 * The per-worker Redis connection: hiredis's async API driven by nginx's
 * event loop.  This is the only file that touches the Redis socket.
 *
 * hiredis owns the socket and the protocol; an ngx_connection_t wraps the
 * descriptor so that nginx's event module can tell hiredis when to read and
 * write.  Events are level-triggered, because hiredis reads only what it needs
 * for the replies it is waiting for and would otherwise miss a wake-up.
 *
 * hiredis 0.14 has no timeouts of its own in the async API: every waiting
 * request keeps its own timer (in the request glue); connecting has one
 * here, and so has a connection that stops answering (the stall timer).
 * After a failure the connection is made again from a back-off timer, never
 * from inside a hiredis callback.
 *
 * A command is a handle: the caller gets it back from eval and may cancel
 * it, after which its reply, whenever it comes, is dropped.  Commands live
 * on the heap, not in a request pool, so a late reply is safe.  Replies are
 * handed over typed (sg_reply_elt_t): integers stay integers, nil is nil.
 */

#include "ngx_http_session_guard_module.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "sg_resp.h"


#define NGX_HTTP_SG_REDIS_BACKOFF_MIN  100
#define NGX_HTTP_SG_REDIS_BACKOFF_MAX  5000
#define NGX_HTTP_SG_REDIS_CONNECT_MIN  1000
/* An event is 58 arguments (_events.c). */
#define NGX_HTTP_SG_REDIS_MAX_ELTS     64
/* A request's command fits; a script's text (after NOSCRIPT) may not. */
#define NGX_HTTP_SG_REDIS_SEND_BUF     4096

/* A connection that answers nothing for this long (and at least four
 * request timeouts) while commands wait is dropped and made again. */
#define NGX_HTTP_SG_REDIS_STALL_MIN    1000


typedef enum {
    NGX_HTTP_SG_REDIS_DOWN = 0,
    NGX_HTTP_SG_REDIS_CONNECTING,
    NGX_HTTP_SG_REDIS_UP
} ngx_http_session_guard_redis_state_e;


struct ngx_http_session_guard_redis_cmd_s {
    ngx_http_session_guard_redis_handler_pt   handler;  /* NULL: nobody waits */
    void                                     *data;
    ngx_uint_t                                tag;
    const char                               *script;
    ngx_uint_t                                nkeys;
    ngx_uint_t                                argc;
    ngx_str_t                                *argv;   /* in the same block */
    ngx_uint_t                                sent;    /* microseconds */
    unsigned                                  retried:1;
};


typedef struct {
    ngx_http_session_guard_redis_conf_t   *conf;
    redisAsyncContext                     *ac;
    ngx_connection_t                      *conn;
    ngx_http_session_guard_redis_state_e   state;
    ngx_event_t                            reconnect;
    ngx_event_t                            connect_timeout;
    ngx_event_t                            stall;
    ngx_msec_t                             backoff;
    ngx_log_t                             *log;
    ngx_uint_t                             failures_logged;
    ngx_uint_t                             outstanding; /* commands sent */
    ngx_msec_t                             waiting_since; /* last progress */
} ngx_http_session_guard_redis_t;


static void ngx_http_session_guard_redis_connect(ngx_event_t *ev);
static void ngx_http_session_guard_redis_schedule(
    ngx_http_session_guard_redis_t *rd);
static void ngx_http_session_guard_redis_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static ngx_int_t ngx_http_session_guard_redis_send(
    ngx_http_session_guard_redis_cmd_t *cmd, const char *verb,
    ngx_str_t *first, ngx_str_t *what);
static void ngx_http_session_guard_redis_stalled(ngx_event_t *ev);


/* A monotonic clock in microseconds, for the latency histogram: nginx's
 * cached time moves once an event loop iteration, too coarse for Redis. */
static ngx_uint_t
ngx_http_session_guard_redis_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_uint_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/* One connection per worker process. */
static ngx_http_session_guard_redis_t  ngx_http_sg_redis;


static ngx_msec_t
ngx_http_session_guard_redis_stall_limit(ngx_http_session_guard_redis_t *rd)
{
    return ngx_max(4 * rd->conf->timeout, NGX_HTTP_SG_REDIS_STALL_MIN);
}


static void
ngx_http_session_guard_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    redisAsyncHandleRead(c->data);
}


static void
ngx_http_session_guard_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    redisAsyncHandleWrite(c->data);
}


static void
ngx_http_session_guard_redis_add_read(void *data)
{
    ngx_connection_t  *c = data;

    if (!c->read->active) {
        (void) ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT);
    }
}


static void
ngx_http_session_guard_redis_del_read(void *data)
{
    ngx_connection_t  *c = data;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_session_guard_redis_add_write(void *data)
{
    ngx_connection_t  *c = data;

    if (!c->write->active) {
        (void) ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
    }
}


static void
ngx_http_session_guard_redis_del_write(void *data)
{
    ngx_connection_t  *c = data;

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis calls this while freeing the context, before it closes the fd. */
static void
ngx_http_session_guard_redis_cleanup(void *data)
{
    ngx_connection_t  *c = data;

    ngx_http_session_guard_redis_del_read(c);
    ngx_http_session_guard_redis_del_write(c);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;

    if (ngx_http_sg_redis.conn == c) {
        ngx_http_sg_redis.conn = NULL;
    }
}


static void
ngx_http_session_guard_redis_failed(ngx_http_session_guard_redis_t *rd,
    const char *what, const char *why)
{
    /* Say it once per outage, not once per back-off attempt. */
    if (rd->failures_logged++ == 0) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "session_guard: redis \"%V\" %s: %s",
                      &rd->conf->addr_text, what, why);
    }

    rd->ac = NULL;
    rd->state = NGX_HTTP_SG_REDIS_DOWN;

    if (rd->connect_timeout.timer_set) {
        ngx_del_timer(&rd->connect_timeout);
    }

    if (rd->stall.timer_set) {
        ngx_del_timer(&rd->stall);
    }

    ngx_http_session_guard_redis_schedule(rd);
}


static void
ngx_http_session_guard_redis_on_connect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_session_guard_redis_t  *rd = &ngx_http_sg_redis;

    if (rd->ac != ac) {
        return;
    }

    if (status != REDIS_OK) {
        /* hiredis frees the context itself after this callback. */
        ngx_http_session_guard_redis_failed(rd, "connect failed",
                                            ac->errstr);
        return;
    }

    if (rd->connect_timeout.timer_set) {
        ngx_del_timer(&rd->connect_timeout);
    }

    if (rd->failures_logged) {
        ngx_log_error(NGX_LOG_NOTICE, rd->log, 0,
                      "session_guard: redis \"%V\" connected again",
                      &rd->conf->addr_text);
    }

    rd->state = NGX_HTTP_SG_REDIS_UP;
    rd->backoff = 0;
    rd->failures_logged = 0;
}


static void
ngx_http_session_guard_redis_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_session_guard_redis_t  *rd = &ngx_http_sg_redis;

    if (rd->ac != ac) {
        return;
    }

    if (status == REDIS_OK || ngx_exiting || ngx_terminate || ngx_quit) {
        rd->ac = NULL;
        rd->state = NGX_HTTP_SG_REDIS_DOWN;
        return;
    }

    ngx_http_session_guard_redis_failed(rd, "connection lost", ac->errstr);
}


static void
ngx_http_session_guard_redis_connect_timed_out(ngx_event_t *ev)
{
    ngx_http_session_guard_redis_t  *rd = ev->data;
    redisAsyncContext               *ac = rd->ac;

    if (ac == NULL || rd->state != NGX_HTTP_SG_REDIS_CONNECTING) {
        return;
    }

    ngx_http_session_guard_redis_failed(rd, "connect failed", "timed out");

    /* Queued commands are answered with a NULL reply, and the fd closed. */
    redisAsyncFree(ac);
}


static void
ngx_http_session_guard_redis_schedule(ngx_http_session_guard_redis_t *rd)
{
    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (rd->backoff == 0) {
        rd->backoff = NGX_HTTP_SG_REDIS_BACKOFF_MIN;

    } else {
        rd->backoff = ngx_min(rd->backoff * 2, NGX_HTTP_SG_REDIS_BACKOFF_MAX);
    }

    if (!rd->reconnect.timer_set) {
        ngx_add_timer(&rd->reconnect, rd->backoff);
    }
}


static void
ngx_http_session_guard_redis_preamble(ngx_http_session_guard_redis_t *rd)
{
    ngx_http_session_guard_redis_conf_t  *rcf = rd->conf;
    ngx_str_t                             arg;
    u_char                                buf[NGX_INT_T_LEN];

    /*
     * Commands queued before the connection is up are written as soon as it
     * is, in order, so AUTH and SELECT precede every request's command.
     * Their replies go to a handler that logs failures.
     */
    if (rcf->password.len) {
        (void) ngx_http_session_guard_redis_send(NULL, "AUTH",
                                                 rcf->user.len ? &rcf->user
                                                               : NULL,
                                                 &rcf->password);
    }

    if (rcf->db) {
        arg.data = buf;
        arg.len = ngx_sprintf(buf, "%i", rcf->db) - buf;
        (void) ngx_http_session_guard_redis_send(NULL, "SELECT", NULL, &arg);
    }
}


static void
ngx_http_session_guard_redis_connect(ngx_event_t *ev)
{
    ngx_http_session_guard_redis_t       *rd = ev->data;
    ngx_http_session_guard_redis_conf_t  *rcf = rd->conf;
    redisAsyncContext                    *ac;
    ngx_connection_t                     *c;
    u_char                                host[NGX_SOCKADDR_STRLEN + 1];

    if (rd->ac != NULL || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (rcf->unix_path.len) {
        ac = redisAsyncConnectUnix((char *) rcf->unix_path.data);

    } else {
        /* A numeric address, resolved at configuration time: hiredis would
         * otherwise call a blocking getaddrinfo() here. */
        ngx_cpystrn(host, rcf->host.data,
                    ngx_min(rcf->host.len + 1, sizeof(host)));
        ac = redisAsyncConnect((char *) host, rcf->port);
    }

    if (ac == NULL) {
        ngx_http_session_guard_redis_failed(rd, "connect failed",
                                            "out of memory");
        return;
    }

    if (ac->err) {
        ngx_http_session_guard_redis_failed(rd, "connect failed", ac->errstr);
        redisAsyncFree(ac);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        ngx_http_session_guard_redis_failed(rd, "connect failed",
                                            "no free nginx connection");
        redisAsyncFree(ac);
        return;
    }

    c->data = ac;
    c->read->data = c;
    c->write->data = c;
    c->read->log = rd->log;
    c->write->log = rd->log;
    c->read->handler = ngx_http_session_guard_redis_read_handler;
    c->write->handler = ngx_http_session_guard_redis_write_handler;

    ac->ev.data = c;
    ac->ev.addRead = ngx_http_session_guard_redis_add_read;
    ac->ev.delRead = ngx_http_session_guard_redis_del_read;
    ac->ev.addWrite = ngx_http_session_guard_redis_add_write;
    ac->ev.delWrite = ngx_http_session_guard_redis_del_write;
    ac->ev.cleanup = ngx_http_session_guard_redis_cleanup;

    rd->ac = ac;
    rd->conn = c;
    rd->state = NGX_HTTP_SG_REDIS_CONNECTING;
    rd->outstanding = 0;

    redisAsyncSetConnectCallback(ac, ngx_http_session_guard_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac,
                                    ngx_http_session_guard_redis_on_disconnect);

    ngx_add_timer(&rd->connect_timeout,
                  ngx_max(rcf->timeout, NGX_HTTP_SG_REDIS_CONNECT_MIN));

    ngx_http_session_guard_redis_preamble(rd);
}


ngx_int_t
ngx_http_session_guard_redis_init(ngx_cycle_t *cycle,
    ngx_http_session_guard_redis_conf_t *rcf)
{
    ngx_http_session_guard_redis_t  *rd = &ngx_http_sg_redis;

    ngx_memzero(rd, sizeof(ngx_http_session_guard_redis_t));

    rd->conf = rcf;
    rd->log = cycle->log;

    rd->reconnect.handler = ngx_http_session_guard_redis_connect;
    rd->reconnect.data = rd;
    rd->reconnect.log = cycle->log;
    rd->reconnect.cancelable = 1;

    rd->connect_timeout.handler =
        ngx_http_session_guard_redis_connect_timed_out;
    rd->connect_timeout.data = rd;
    rd->connect_timeout.log = cycle->log;
    rd->connect_timeout.cancelable = 1;

    rd->stall.handler = ngx_http_session_guard_redis_stalled;
    rd->stall.data = rd;
    rd->stall.log = cycle->log;
    rd->stall.cancelable = 1;

    ngx_http_session_guard_redis_connect(&rd->reconnect);

    return NGX_OK;
}


void
ngx_http_session_guard_redis_exit(ngx_cycle_t *cycle)
{
    ngx_http_session_guard_redis_t  *rd = &ngx_http_sg_redis;
    redisAsyncContext               *ac = rd->ac;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

    if (rd->connect_timeout.timer_set) {
        ngx_del_timer(&rd->connect_timeout);
    }

    if (rd->stall.timer_set) {
        ngx_del_timer(&rd->stall);
    }

    rd->ac = NULL;
    rd->state = NGX_HTTP_SG_REDIS_DOWN;

    if (ac != NULL) {
        redisAsyncFree(ac);
    }
}


/* The keys and then the arguments, copied into the command's own block:
 * the caller's buffers may be gone before the command is written. */
static ngx_http_session_guard_redis_cmd_t *
ngx_http_session_guard_redis_cmd_alloc(ngx_uint_t nkeys, sg_str_t *keys,
    ngx_uint_t nargs, sg_str_t *args)
{
    size_t                               size;
    u_char                              *p;
    sg_str_t                            *s;
    ngx_uint_t                           i, argc;
    ngx_http_session_guard_redis_cmd_t  *cmd;

    argc = nkeys + nargs;
    size = sizeof(ngx_http_session_guard_redis_cmd_t)
           + argc * sizeof(ngx_str_t);

    for (i = 0; i < argc; i++) {
        size += (i < nkeys ? keys[i] : args[i - nkeys]).len;
    }

    cmd = ngx_alloc(size, ngx_http_sg_redis.log);
    if (cmd == NULL) {
        return NULL;
    }

    ngx_memzero(cmd, sizeof(ngx_http_session_guard_redis_cmd_t));

    cmd->nkeys = nkeys;
    cmd->argc = argc;
    cmd->argv = (ngx_str_t *) (cmd + 1);

    p = (u_char *) (cmd->argv + argc);

    for (i = 0; i < argc; i++) {
        s = i < nkeys ? &keys[i] : &args[i - nkeys];
        cmd->argv[i].len = s->len;
        cmd->argv[i].data = p;

        if (s->len) {    /* an empty one may have no data at all */
            p = ngx_cpymem(p, s->data, s->len);
        }
    }

    return cmd;
}


/*
 * Sends VERB WHAT [numkeys argv...] for a script call, or VERB [FIRST] WHAT
 * for the preamble (cmd == NULL): AUTH [USER] PASSWORD, SELECT DB.
 */
static ngx_int_t
ngx_http_session_guard_redis_send(ngx_http_session_guard_redis_cmd_t *cmd,
    const char *verb, ngx_str_t *first, ngx_str_t *what)
{
    ngx_http_session_guard_redis_t  *rd = &ngx_http_sg_redis;
    sg_str_t                         argv[NGX_HTTP_SG_REDIS_MAX_ELTS];
    size_t                           argc, len;
    ngx_int_t                        rc;
    ngx_uint_t                       i;
    char                            *out;
    u_char                           nkeys[NGX_INT_T_LEN];
    char                             buf[NGX_HTTP_SG_REDIS_SEND_BUF];

    if (rd->ac == NULL) {
        return NGX_DECLINED;
    }

    argv[0].data = verb;
    argv[0].len = ngx_strlen(verb);
    argc = 1;

    if (first != NULL) {
        argv[argc].data = (const char *) first->data;
        argv[argc++].len = first->len;
    }

    argv[argc].data = (const char *) what->data;
    argv[argc++].len = what->len;

    if (cmd != NULL) {
        if (cmd->argc + 3 > NGX_HTTP_SG_REDIS_MAX_ELTS) {
            return NGX_ERROR;
        }

        argv[argc].data = (const char *) nkeys;
        argv[argc++].len = ngx_sprintf(nkeys, "%ui", cmd->nkeys) - nkeys;

        for (i = 0; i < cmd->argc; i++) {
            argv[argc].data = (const char *) cmd->argv[i].data;
            argv[argc++].len = cmd->argv[i].len;
        }
    }

    /* Laid out here and handed over as it is (sg_resp.h); a script's own
     * text, after NOSCRIPT, may need more than the stack buffer. */
    len = sg_resp_size(argc, argv);
    out = len <= sizeof(buf) ? buf : ngx_alloc(len, ngx_cycle->log);

    if (out == NULL) {
        return NGX_ERROR;
    }

    (void) sg_resp_write(out, argc, argv);

    rc = redisAsyncFormattedCommand(rd->ac,
                                    ngx_http_session_guard_redis_reply, cmd,
                                    out, len)
         == REDIS_OK ? NGX_OK : NGX_ERROR;

    if (cmd == NULL) {
        /* The preamble may carry the password. */
        ngx_explicit_memzero(out, len);
    }

    if (out != buf) {
        ngx_free(out);
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    if (rd->outstanding++ == 0) {
        rd->waiting_since = ngx_current_msec;
    }

    if (!rd->stall.timer_set) {
        ngx_add_timer(&rd->stall, ngx_http_session_guard_redis_stall_limit(rd));
    }

    return NGX_OK;
}


/*
 * A server that accepts commands and never answers (stopped by a debugger,
 * swapping, a half-open connection that TCP has not noticed) would keep
 * every later command queued behind the silent ones, and hiredis's buffers
 * growing: when nothing was answered for the stall limit while commands
 * wait, drop it, answer the waiting commands with errors, and connect again
 * after the back-off.
 */
static void
ngx_http_session_guard_redis_stalled(ngx_event_t *ev)
{
    ngx_msec_t                       limit, idle;
    redisAsyncContext               *ac;
    ngx_http_session_guard_redis_t  *rd = ev->data;

    ac = rd->ac;

    if (ac == NULL || rd->state != NGX_HTTP_SG_REDIS_UP
        || rd->outstanding == 0)
    {
        return;
    }

    limit = ngx_http_session_guard_redis_stall_limit(rd);
    idle = ngx_current_msec - rd->waiting_since;

    if (idle < limit) {
        ngx_add_timer(&rd->stall, limit - idle);
        return;
    }

    ngx_http_session_guard_redis_failed(rd, "stopped answering",
                                        "reconnecting");
    redisAsyncFree(ac);
}


ngx_int_t
ngx_http_session_guard_redis_eval(ngx_str_t *sha, const char *script,
    ngx_uint_t nkeys, sg_str_t *keys, ngx_uint_t nargs, sg_str_t *args,
    ngx_http_session_guard_redis_handler_pt handler, void *data,
    ngx_uint_t tag, ngx_http_session_guard_redis_cmd_t **handle)
{
    ngx_int_t                            rc;
    ngx_http_session_guard_redis_cmd_t  *cmd;

    if (ngx_http_sg_redis.ac == NULL) {
        return NGX_DECLINED;
    }

    cmd = ngx_http_session_guard_redis_cmd_alloc(nkeys, keys, nargs, args);
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    cmd->script = script;
    cmd->sent = ngx_http_session_guard_redis_usec();
    cmd->handler = handler;
    cmd->data = data;
    cmd->tag = tag;

    rc = ngx_http_session_guard_redis_send(cmd, "EVALSHA", NULL, sha);
    if (rc != NGX_OK) {
        ngx_free(cmd);
        return rc;
    }

    if (handle) {
        *handle = cmd;
    }

    return NGX_OK;
}


/* The caller gave up: the reply, whenever it comes, finds nobody. */
void
ngx_http_session_guard_redis_cancel(ngx_http_session_guard_redis_cmd_t *cmd)
{
    cmd->handler = NULL;
    cmd->data = NULL;
}


static void
ngx_http_session_guard_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    ngx_http_session_guard_redis_cmd_t  *cmd = privdata;
    redisReply                          *reply = r;
    sg_reply_elt_t                       elts[NGX_HTTP_SG_REDIS_MAX_ELTS];
    ngx_str_t                            error;
    ngx_uint_t                           i, n;
    redisReply                          *e;
    ngx_str_t                            script;
    ngx_http_session_guard_redis_t      *rd = &ngx_http_sg_redis;

    (void) ac;

    if (rd->outstanding) {
        rd->outstanding--;
        rd->waiting_since = ngx_current_msec;

        if (rd->outstanding == 0 && rd->stall.timer_set) {
            ngx_del_timer(&rd->stall);
        }
    }

    if (cmd == NULL) {
        /* A preamble command. */
        if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, ngx_http_sg_redis.log, 0,
                          "session_guard: redis \"%V\" refused the "
                          "connection set-up: %*s",
                          &ngx_http_sg_redis.conf->addr_text,
                          (size_t) reply->len, reply->str);
        }

        return;
    }

    if (reply != NULL && reply->type == REDIS_REPLY_ERROR
        && reply->len >= 8 && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0
        && !cmd->retried && ngx_http_sg_redis.ac != NULL)
    {
        /* The script cache was flushed (or this is a new server): EVAL
         * sends the body once and caches it again for later EVALSHAs. */
        cmd->retried = 1;
        script.data = (u_char *) cmd->script;
        script.len = ngx_strlen(cmd->script);

        if (ngx_http_session_guard_redis_send(cmd, "EVAL", NULL, &script)
            == NGX_OK)
        {
            return;
        }
    }

    if (reply != NULL) {
        ngx_http_session_guard_count_latency(
            ngx_http_session_guard_redis_usec() - cmd->sent);
    }

    if (cmd->handler == NULL) {
        /* Fire and forget: bookkeeping nobody waits for.  A failure is
         * already logged once per outage by the connection. */
        ngx_free(cmd);
        return;
    }

    ngx_str_null(&error);
    n = 0;

    if (reply == NULL) {
        ngx_str_set(&error, "no reply (connection closed)");

    } else if (reply->type == REDIS_REPLY_ERROR) {
        error.data = (u_char *) reply->str;
        error.len = reply->len;

    } else if (reply->type != REDIS_REPLY_ARRAY
               || reply->elements > NGX_HTTP_SG_REDIS_MAX_ELTS)
    {
        ngx_str_set(&error, "unexpected reply type");

    } else {
        for (i = 0; i < reply->elements; i++) {
            e = reply->element[i];

            ngx_memzero(&elts[i], sizeof(sg_reply_elt_t));

            if (e->type == REDIS_REPLY_INTEGER) {
                elts[i].type = SG_REPLY_INTEGER;
                elts[i].integer = e->integer;

            } else if (e->type == REDIS_REPLY_STRING
                       || e->type == REDIS_REPLY_STATUS)
            {
                elts[i].type = SG_REPLY_STRING;
                elts[i].str = e->str;
                elts[i].len = e->len;

            } else if (e->type == REDIS_REPLY_NIL) {
                elts[i].type = SG_REPLY_NIL;

            } else {
                ngx_str_set(&error, "unexpected reply element type");
                break;
            }
        }

        n = reply->elements;
    }

    cmd->handler(cmd->data, cmd->tag, error.data ? 0 : n, elts,
                 error.data ? &error : NULL);

    ngx_free(cmd);
}

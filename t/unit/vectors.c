/*
 * Support shared by the unit tests that read the reference ClientHellos of
 * ../shared/testdata/tls (see vectors.h).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sg_str.h"
#include "vectors.h"


/*
 * Finds the first "name": in a JSON Lines record.  Top-level fields come
 * before the nested "sources" and "meta" objects in this data set, so the
 * first match is the top-level one; the "meta" names are unique.  Strings
 * are returned undecoded: a backslash would mean an escape this extractor
 * does not handle, so it fails the test.
 */
int
jfield(const char *line, const char *name, const char **val, size_t *len)
{
    char        key[64];
    const char *p, *e;

    snprintf(key, sizeof(key), "\"%s\":", name);

    p = strstr(line, key);
    if (p == NULL) {
        return J_MISSING;
    }

    p += strlen(key);
    while (*p == ' ') {
        p++;
    }

    if (strncmp(p, "null", 4) == 0) {
        return J_NULL;
    }

    if (*p == '"') {
        e = strchr(p + 1, '"');
        if (e == NULL) {
            fail_msg("unterminated string in field %s", name);
        }
        if (memchr(p + 1, '\\', (size_t) (e - p - 1)) != NULL) {
            fail_msg("field %s holds a backslash escape; the test's "
                     "extractor does not decode escapes",
                     name);
        }
        *val = p + 1;
        *len = (size_t) (e - p - 1);
        return J_STR;
    }

    e = p + strcspn(p, ",}]");
    *val = p;
    *len = (size_t) (e - p);

    return J_RAW;
}


long
jint(const char *line, const char *name)
{
    const char *v;
    size_t      n;

    if (jfield(line, name, &v, &n) != J_RAW) {
        fail_msg("field %s is not a number", name);
    }

    return strtol(v, NULL, 10);
}


int
jbool(const char *line, const char *name)
{
    const char *v;
    size_t      n;

    if (jfield(line, name, &v, &n) != J_RAW) {
        fail_msg("field %s is not a boolean", name);
    }

    if (n == 4 && memcmp(v, "true", 4) == 0) {
        return 1;
    }

    if (n == 5 && memcmp(v, "false", 5) == 0) {
        return 0;
    }

    fail_msg("field %s is not a boolean", name);
    return -1;
}


/* Copies a string field into buf; returns 0 when it is null. */
int
jstr(const char *line, const char *name, char *buf, size_t size)
{
    const char *v;
    size_t      n;
    int         t;

    t = jfield(line, name, &v, &n);

    if (t == J_NULL) {
        return 0;
    }

    if (t != J_STR || n >= size) {
        fail_msg("field %s is missing or too long", name);
    }

    memcpy(buf, v, n);
    buf[n] = '\0';

    return 1;
}


/* Returns the items of a JSON array of strings as start/length pairs;
 * null reads as -1. */
long
jstr_array(const char *line, const char *name, const char **item, size_t *ilen,
           size_t cap)
{
    char        key[64];
    const char *p, *e;
    size_t      n;

    snprintf(key, sizeof(key), "\"%s\":null", name);

    if (strstr(line, key) != NULL) {
        return -1;
    }

    snprintf(key, sizeof(key), "\"%s\":[", name);

    p = strstr(line, key);
    if (p == NULL) {
        fail_msg("array %s missing", name);
    }

    p += strlen(key);
    n = 0;

    while (*p != ']') {
        if (*p == ',') {
            p++;
            continue;
        }
        e = (*p == '"') ? strchr(p + 1, '"') : NULL;
        if (e == NULL || n == cap) {
            fail_msg("array %s is not a short list of strings", name);
            return -1;
        }
        if (memchr(p + 1, '\\', (size_t) (e - p - 1)) != NULL) {
            fail_msg("array %s holds a backslash escape", name);
        }
        item[n] = p + 1;
        ilen[n] = (size_t) (e - p - 1);
        n++;
        p = e + 1;
    }

    return (long) n;
}


int
hexval(int c)
{
    return sg_hex_digit(c);
}


unsigned long
hex_number(const char *s, size_t n)
{
    unsigned long v;
    size_t        i;

    v = 0;
    for (i = 0; i < n; i++) {
        assert_true(hexval(s[i]) >= 0);
        v = (v << 4) | (unsigned long) hexval(s[i]);
    }

    return v;
}


int
vecs_setup(void **state)
{
    FILE       *f;
    char        path[1024], *line;
    const char *shared, *hex, *pcap;
    size_t      cap, n, hlen, plen, i;
    ssize_t     got;
    vecs_t     *vs;
    vec_t      *v;
    struct stat st;

    vs = calloc(1, sizeof(*vs));
    assert_non_null(vs);
    *state = vs;

    shared = getenv("SG_SHARED");
    if (shared == NULL || *shared == '\0') {
        snprintf(vs->why, sizeof(vs->why), "SG_SHARED is not set");
        return 0;
    }

    snprintf(path, sizeof(path), "%s/testdata/tls/clienthellos.jsonl", shared);

    if (stat(path, &st) != 0 || (f = fopen(path, "r")) == NULL) {
        snprintf(vs->why, sizeof(vs->why), "%s is missing", path);
        return 0;
    }

    line = NULL;
    cap = 0;

    while ((got = getline(&line, &cap, f)) > 0) {
        if (got < 2) {
            continue;
        }

        vs->v = realloc(vs->v, (vs->n + 1) * sizeof(vec_t));
        assert_non_null(vs->v);
        v = &vs->v[vs->n++];
        memset(v, 0, sizeof(*v));

        v->line = strdup(line);
        assert_non_null(v->line);

        assert_int_equal(jfield(v->line, "pcap", &pcap, &plen), J_STR);
        snprintf(v->id, sizeof(v->id), "%.*s#%ld", (int) plen, pcap,
                 jint(v->line, "frame"));

        assert_int_equal(jfield(v->line, "client_hello_hex", &hex, &hlen),
                         J_STR);
        assert_int_equal(hlen % 2, 0);

        n = hlen / 2;
        v->msg = malloc(n ? n : 1);
        assert_non_null(v->msg);

        for (i = 0; i < n; i++) {
            assert_true(hexval(hex[2 * i]) >= 0);
            assert_true(hexval(hex[2 * i + 1]) >= 0);
            v->msg[i] =
                (uint8_t) (hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
        }

        v->len = n;
        assert_int_equal(v->len, jint(v->line, "client_hello_len"));
    }

    free(line);
    fclose(f);

    if (vs->n != 212) {
        fail_msg("expected 212 records in %s, read %zu", path, vs->n);
    }

    return 0;
}


int
vecs_teardown(void **state)
{
    vecs_t *vs;
    size_t  i;

    vs = *state;

    for (i = 0; i < vs->n; i++) {
        free(vs->v[i].line);
        free(vs->v[i].msg);
    }

    free(vs->v);
    free(vs);

    return 0;
}


vecs_t *
vecs_or_skip(void **state)
{
    vecs_t *vs;

    vs = *state;

    if (vs->n == 0) {
        print_message("SKIP: %s; reference ClientHellos not available\n",
                      vs->why);
        skip();
    }

    return vs;
}


void
tb_u8(tb_t *t, unsigned v)
{
    assert_true(t->n < sizeof(t->b));
    t->b[t->n++] = (uint8_t) v;
}


void
tb_u16(tb_t *t, unsigned v)
{
    tb_u8(t, v >> 8);
    tb_u8(t, v & 0xff);
}


void
tb_bytes(tb_t *t, const uint8_t *p, size_t n)
{
    assert_true(n <= sizeof(t->b) - t->n);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}


/* Appends hex digits; spaces are for readability. */
void
tb_hex(tb_t *t, const char *hex)
{
    int hi;

    hi = -1;

    for (; *hex; hex++) {
        if (*hex == ' ' || *hex == ',') {
            continue;
        }
        assert_true(hexval(*hex) >= 0);
        if (hi < 0) {
            hi = hexval(*hex);
        } else {
            tb_u8(t, (unsigned) (hi << 4 | hexval(*hex)));
            hi = -1;
        }
    }

    assert_int_equal(hi, -1);
}


size_t
tb_begin(tb_t *t, int lenbytes)
{
    size_t pos;
    int    i;

    pos = t->n;
    for (i = 0; i < lenbytes; i++) {
        tb_u8(t, 0);
    }

    return pos;
}


void
tb_end(tb_t *t, size_t pos, int lenbytes)
{
    size_t v;
    int    i;

    v = t->n - pos - (size_t) lenbytes;

    for (i = lenbytes - 1; i >= 0; i--) {
        t->b[pos + (size_t) i] = (uint8_t) v;
        v >>= 8;
    }
}

/*
 * The Redis scripts against the C side.  Each script begins with a header
 * of "-- TAG INDEX NAME ..." lines (docs/testing.md): its keys, arguments,
 * modes and replies.  The header of the embedded text must name the
 * arguments in SG_*_ARG_* order, the modes of sg_session_mode_e, the reply
 * codes of sg_session_state_e in shapes the parsers accept, and the keys
 * in the order the C side writes them; the script may read no argument or
 * key it does not declare.  The embedded text must be the .lua file's, byte
 * for byte, so that the SHA-1 the module sends is the file's.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reply_strings.h"

#include <openssl/evp.h>

#include "sg_density.h"
#include "sg_session.h"
#include "sg_volume.h"

static int
session_parse(size_t n, const char *const *v, const size_t *lens,
              sg_session_bound_t *out)
{
    sg_reply_elt_t e[REPLY_STRINGS_MAX];

    return (int) sg_session_parse_reply(reply_strings(n, v, lens, e), e, out);
}


static int
density_parse(size_t n, const char *const *v, const size_t *lens,
              sg_density_counts_t *out)
{
    sg_reply_elt_t      e[REPLY_STRINGS_MAX];
    sg_density_counts_t net;

    return sg_density_parse_reply(reply_strings(n, v, lens, e), e, out, &net);
}


#define HDR_MAX       64
#define HDR_NAME_MAX  32
#define HDR_SHAPE_MAX 24
#define OPEN          (-1)

typedef struct {
    char tag[8]; /* KEYS, ARGV, MODE, REPLY */
    long first;  /* 1-based for KEYS and ARGV; -1 for a REPLY "-" */
    long last;   /* == first, or OPEN for "N.." */
    char name[HDR_NAME_MAX];
    /* REPLY: the shape's elements ("{0, recorded, provisional}"), or one
     * word for a scalar reply */
    size_t n_elts;
    char   elts[HDR_SHAPE_MAX][HDR_NAME_MAX];
} hdr_line_t;

typedef struct {
    hdr_line_t  lines[HDR_MAX];
    size_t      n;
    const char *body; /* the first line after the header */
} hdr_t;


static void
copy_word(char *dst, size_t cap, const char *p, size_t len)
{
    assert_true(len > 0);
    assert_true(len < cap);
    memcpy(dst, p, len);
    dst[len] = '\0';
}


static const char *
skip_spaces(const char *p, const char *end)
{
    while (p < end && *p == ' ') {
        p++;
    }

    return p;
}


static size_t
word_len(const char *p, const char *end)
{
    size_t n = 0;

    while (p + n < end && p[n] != ' ') {
        n++;
    }

    return n;
}


static long
read_num(const char *p, size_t len, size_t *used)
{
    long   v = 0;
    size_t i = 0;

    while (i < len && p[i] >= '0' && p[i] <= '9' && i < 6) {
        v = v * 10 + (p[i] - '0');
        i++;
    }

    assert_true(i > 0);
    *used = i;

    return v;
}


/* "N", "A..B", "A..", or "-" (REPLY only). */
static void
parse_index(hdr_line_t *l, const char *p, size_t len)
{
    size_t used;

    if (len == 1 && p[0] == '-') {
        assert_string_equal(l->tag, "REPLY");
        l->first = l->last = -1;
        return;
    }

    l->first = read_num(p, len, &used);
    l->last = l->first;

    if (used == len) {
        return;
    }

    assert_true(len - used >= 2 && p[used] == '.' && p[used + 1] == '.');
    used += 2;

    if (used == len) {
        l->last = OPEN;
        return;
    }

    l->last = read_num(p + used, len - used, &used);
    assert_true(l->last > l->first);
}


/* "{a, b, c}" or a single word. */
static void
parse_shape(hdr_line_t *l, const char *p, const char *end)
{
    const char *q;

    if (p < end && *p != '{') {
        copy_word(l->elts[0], HDR_NAME_MAX, p, word_len(p, end));
        l->n_elts = 1;
        return;
    }

    assert_true(p < end);
    p++;

    for (;;) {
        p = skip_spaces(p, end);
        q = p;

        while (q < end && *q != ',' && *q != '}') {
            q++;
        }

        assert_true(q < end);
        assert_true(l->n_elts < HDR_SHAPE_MAX);
        copy_word(l->elts[l->n_elts++], HDR_NAME_MAX, p, (size_t) (q - p));

        if (*q == '}') {
            return;
        }

        p = q + 1;
    }
}


static void
parse_header(const char *script, hdr_t *h)
{
    static const char *const tags[] = {"KEYS", "ARGV", "MODE", "REPLY"};
    const char              *p = script, *end, *w;
    size_t                   i, n;
    hdr_line_t              *l;

    memset(h, 0, sizeof(*h));

    while (strncmp(p, "--", 2) == 0) {
        end = strchr(p, '\n');
        assert_non_null(end);

        w = p + 2;
        if (w < end && *w == ' ') {
            w++;
            n = word_len(w, end);

            for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
                if (n == strlen(tags[i]) && memcmp(w, tags[i], n) == 0) {
                    break;
                }
            }

            if (i < sizeof(tags) / sizeof(tags[0])) {
                assert_true(h->n < HDR_MAX);
                l = &h->lines[h->n++];
                memcpy(l->tag, w, n);

                w = skip_spaces(w + n, end);
                n = word_len(w, end);
                parse_index(l, w, n);

                w = skip_spaces(w + n, end);
                n = word_len(w, end);
                copy_word(l->name, HDR_NAME_MAX, w, n);

                if (strcmp(l->tag, "REPLY") == 0) {
                    parse_shape(l, skip_spaces(w + n, end), end);
                }
            }
        }

        p = end + 1;
    }

    h->body = p;
}


/* The lines of one tag, in order. */
static size_t
hdr_select(const hdr_t *h, const char *tag, const hdr_line_t **out, size_t cap)
{
    size_t i, n = 0;

    for (i = 0; i < h->n; i++) {
        if (strcmp(h->lines[i].tag, tag) == 0) {
            assert_true(n < cap);
            out[n++] = &h->lines[i];
        }
    }

    return n;
}


/* KEYS and ARGV lines number from 1 without a gap; an open range is last. */
static void
check_numbering(const hdr_t *h, const char *tag)
{
    const hdr_line_t *l[HDR_MAX];
    size_t            i, n;
    long              next = 1;

    n = hdr_select(h, tag, l, HDR_MAX);

    for (i = 0; i < n; i++) {
        assert_int_equal(l[i]->first, next);
        if (l[i]->last == OPEN) {
            assert_int_equal(i, n - 1);
            return;
        }
        next = l[i]->last + 1;
    }
}


static int
declared(const hdr_t *h, const char *tag, long index)
{
    const hdr_line_t *l[HDR_MAX];
    size_t            i, n;

    n = hdr_select(h, tag, l, HDR_MAX);

    for (i = 0; i < n; i++) {
        if (index >= l[i]->first &&
            (l[i]->last == OPEN || index <= l[i]->last)) {
            return 1;
        }
    }

    return 0;
}


/*
 * Every NAME[n] the body reads with a literal n is declared; returns how
 * many times index `want` is read (0 when want is 0).
 */
static int
check_reads(const hdr_t *h, const char *tag, long want)
{
    char        pat[16];
    const char *p = h->body;
    size_t      used, plen;
    long        v;
    int         seen = 0;

    plen = (size_t) snprintf(pat, sizeof(pat), "%s[", tag);

    while ((p = strstr(p, pat)) != NULL) {
        p += plen;

        if (*p < '0' || *p > '9') {
            continue; /* ARGV[i], KEYS[#KEYS] */
        }

        v = read_num(p, strlen(p), &used);
        assert_int_equal(p[used], ']');

        if (!declared(h, tag, v)) {
            fail_msg("the script reads %s[%ld], which it does not declare", tag,
                     v);
        }

        seen += v == want;
    }

    return seen;
}


/* Every single ARGV declared is read, none undeclared is. */
static void
check_argv_reads(const hdr_t *h)
{
    const hdr_line_t *l[HDR_MAX];
    size_t            i, n;

    check_reads(h, "KEYS", 0);
    n = hdr_select(h, "ARGV", l, HDR_MAX);

    for (i = 0; i < n; i++) {
        if (l[i]->last == l[i]->first &&
            check_reads(h, "ARGV", l[i]->first) == 0) {
            fail_msg("ARGV %ld %s is declared but never read", l[i]->first,
                     l[i]->name);
        }
    }
}


static void
check_arg_names(const hdr_t *h, const char *const *names, size_t n_names)
{
    const hdr_line_t *l[HDR_MAX];
    size_t            i, n;

    check_numbering(h, "ARGV");
    n = hdr_select(h, "ARGV", l, HDR_MAX);
    assert_int_equal(n, n_names);

    for (i = 0; i < n; i++) {
        assert_int_equal(l[i]->first, (long) i + 1);
        assert_int_equal(l[i]->last, (long) i + 1);
        assert_non_null(names[i]);
        assert_string_equal(l[i]->name, names[i]);
    }
}


static void
test_session_argv(void **state)
{
    hdr_t h;

    (void) state;

    parse_header(sg_session_script, &h);
    check_arg_names(&h, sg_session_arg_names, SG_SESSION_NARGS);
    check_argv_reads(&h);
}


static void
test_session_keys(void **state)
{
    const hdr_line_t *l[HDR_MAX];
    hdr_t             h;
    char              buf[64], want[HDR_NAME_MAX + 3];
    int               len;

    (void) state;

    parse_header(sg_session_script, &h);
    check_numbering(&h, "KEYS");
    assert_int_equal(hdr_select(&h, "KEYS", l, HDR_MAX), 2);
    assert_int_equal(l[0]->last, 1);
    assert_int_equal(l[1]->first, 2);

    /* Both keys are records sg_session_key_name names: the second is the
     * record under the previous key, during a rotation. */
    len = sg_session_key_name(buf, sizeof(buf), "sg:", 3, "k", 1);
    assert_true(len > 0);
    snprintf(want, sizeof(want), "}:%s", l[0]->name);
    assert_string_equal(buf + len - strlen(want), want);
    snprintf(want, sizeof(want), "}:%s", l[1]->name);
    assert_string_equal(buf + len - strlen(want), want);
}


static void
test_session_modes(void **state)
{
    static const struct {
        const char       *name;
        sg_session_mode_e mode;
    } modes[] = {
        {"observe", SG_SESSION_OBSERVE}, {"bind", SG_SESSION_BIND},
        {"revoke", SG_SESSION_REVOKE},   {"verdict", SG_SESSION_VERDICT},
        {"touch", SG_SESSION_TOUCH},     {"flag", SG_SESSION_FLAG},
    };
    const hdr_line_t *l[HDR_MAX];
    hdr_t             h;
    size_t            i, n;
    char              pat[32];

    (void) state;

    parse_header(sg_session_script, &h);
    n = hdr_select(&h, "MODE", l, HDR_MAX);
    assert_int_equal(n, sizeof(modes) / sizeof(modes[0]));

    for (i = 0; i < n; i++) {
        assert_string_equal(l[i]->name, modes[i].name);
        assert_int_equal(l[i]->first, (long) modes[i].mode);
        /* The glue sends the mode as one digit ('0' + mode). */
        assert_in_range(l[i]->first, 0, 9);

        /* The body tests each mode but observe, which is what is left. */
        snprintf(pat, sizeof(pat), "mode == '%ld'", l[i]->first);
        if (modes[i].mode == SG_SESSION_OBSERVE) {
            assert_null(strstr(h.body, pat));
        } else {
            assert_non_null(strstr(h.body, pat));
        }
    }

    /* And tests no other. */
    for (i = 10; i-- > 0;) {
        snprintf(pat, sizeof(pat), "mode == '%zu'", i);
        if (strstr(h.body, pat) != NULL) {
            assert_true(i >= 1 && i < n);
        }
    }
}


static void
test_session_replies(void **state)
{
    static const struct {
        const char        *name;
        sg_session_state_e state;
    } states[] = {
        {"first_sight", SG_SESSION_FIRST_SIGHT},
        {"seen", SG_SESSION_SEEN},
        {"done", SG_SESSION_DONE},
        {"revoked", SG_SESSION_REVOKED},
    };
    const hdr_line_t  *l[HDR_MAX];
    hdr_t              h;
    size_t             i, j, n;
    const char        *elts[HDR_SHAPE_MAX + 1], *p;
    size_t             lens[HDR_SHAPE_MAX + 1];
    char               code[8];
    sg_session_bound_t out;
    long               v;

    (void) state;

    parse_header(sg_session_script, &h);
    n = hdr_select(&h, "REPLY", l, HDR_MAX);
    assert_int_equal(n, sizeof(states) / sizeof(states[0]));

    for (i = 0; i < n; i++) {
        assert_string_equal(l[i]->name, states[i].name);
        assert_int_equal(l[i]->first, (long) states[i].state);

        /* {CODE, ...}: the first element is the code. */
        snprintf(code, sizeof(code), "%ld", l[i]->first);
        assert_true(l[i]->n_elts >= 1);
        assert_string_equal(l[i]->elts[0], code);

        /* A reply of that shape reads, as that state; one element more or
         * less does not. */
        elts[0] = code;
        lens[0] = strlen(code);
        for (j = 1; j <= l[i]->n_elts; j++) {
            elts[j] = "0";
            lens[j] = 1;
        }

        assert_int_equal(session_parse(l[i]->n_elts, elts, lens, &out),
                         SG_SESSION_OK);
        assert_int_equal(out.state, states[i].state);
        assert_int_equal(session_parse(l[i]->n_elts + 1, elts, lens, &out),
                         SG_SESSION_BAD_REPLY);
        assert_int_equal(session_parse(l[i]->n_elts - 1, elts, lens, &out),
                         SG_SESSION_BAD_REPLY);
    }

    /* Every "return {CODE" in the body is a declared code. */
    for (p = h.body; (p = strstr(p, "return {")) != NULL;) {
        p += strlen("return {");
        if (*p >= '0' && *p <= '9') {
            v = strtol(p, NULL, 10);
            assert_in_range(v, 0, (long) n - 1);
        }
    }
}


static void
test_density_argv(void **state)
{
    hdr_t h;

    (void) state;

    parse_header(sg_density_script, &h);
    check_arg_names(&h, sg_density_arg_names, SG_DENSITY_NARGS);
    check_argv_reads(&h);
}


/* The keys in sg_density_key's order: the header names the address's set
 * "ip" and the network's "net", after what the key says. */
static void
test_density_keys(void **state)
{
    const hdr_line_t        *l[HDR_MAX];
    hdr_t                    h;
    size_t                   n, j;
    unsigned                 i;
    char                     buf[128];
    const char              *kind, *want;
    int                      found;
    const sg_density_where_t where = {
        {"sg:", 3}, {"ip:192.0.2.7", 12}, {"net:192.0.2.0/24", 16}};

    (void) state;

    parse_header(sg_density_script, &h);
    check_numbering(&h, "KEYS");
    n = hdr_select(&h, "KEYS", l, HDR_MAX);
    assert_true(n > 0);
    assert_int_equal(l[n - 1]->last, SG_DENSITY_NKEYS);

    for (i = 0; i < SG_DENSITY_NKEYS; i++) {
        assert_true(sg_density_key(buf, sizeof(buf), &where, i) > 0);
        kind = strstr(buf, "}:");
        assert_non_null(kind);
        kind += 2;

        want = strncmp(kind, "ip:192.0.2.7:", 13) == 0 ? "ip" : "net";

        found = 0;
        for (j = 0; j < n; j++) {
            if ((long) i + 1 >= l[j]->first && (long) i + 1 <= l[j]->last) {
                assert_string_equal(l[j]->name, want);
                found = 1;
            }
        }

        assert_true(found);
    }
}


static void
test_density_reply(void **state)
{
    const hdr_line_t   *l[HDR_MAX];
    hdr_t               h;
    size_t              j;
    const char         *elts[HDR_SHAPE_MAX + 1];
    size_t              lens[HDR_SHAPE_MAX + 1];
    sg_density_counts_t out;

    (void) state;

    parse_header(sg_density_script, &h);
    assert_int_equal(hdr_select(&h, "REPLY", l, HDR_MAX), 1);
    assert_int_equal(l[0]->first, -1); /* no code: one shape */
    assert_string_equal(l[0]->elts[0], "s");

    for (j = 0; j <= l[0]->n_elts; j++) {
        elts[j] = "7";
        lens[j] = 1;
    }

    assert_int_equal(density_parse(l[0]->n_elts, elts, lens, &out), 0);
    assert_int_equal(out.sessions, 7);
    assert_int_not_equal(density_parse(l[0]->n_elts + 1, elts, lens, &out), 0);
    assert_int_not_equal(density_parse(l[0]->n_elts - 1, elts, lens, &out), 0);
}


static void
test_volume_argv(void **state)
{
    hdr_t h;

    (void) state;

    parse_header(sg_volume_script, &h);
    check_arg_names(&h, sg_volume_arg_names, SG_VOLUME_NARGS);
    check_argv_reads(&h);
}


/* The keys in sg_volume_key's order: "vc" then "vo" after "}:". */
static void
test_volume_keys(void **state)
{
    const hdr_line_t *l[HDR_MAX];
    hdr_t             h;
    size_t            n, j, kind_len;
    unsigned          i;
    char              buf[160];
    const char       *kind;
    int               found;

    (void) state;

    parse_header(sg_volume_script, &h);
    check_numbering(&h, "KEYS");
    n = hdr_select(&h, "KEYS", l, HDR_MAX);
    assert_true(n > 0);
    assert_int_equal(l[n - 1]->last, SG_VOLUME_NKEYS);

    for (i = 0; i < SG_VOLUME_NKEYS; i++) {
        assert_true(sg_volume_key(buf, sizeof(buf), "sg:", 3, "u:alice", 7,
                                  1800000000, 3600, i) > 0);
        kind = strstr(buf, "}:");
        assert_non_null(kind);
        kind += 2;
        kind_len = strcspn(kind, ":");

        found = 0;
        for (j = 0; j < n; j++) {
            if ((long) i + 1 >= l[j]->first && (long) i + 1 <= l[j]->last) {
                assert_int_equal(strlen(l[j]->name), kind_len);
                assert_memory_equal(l[j]->name, kind, kind_len);
                found = 1;
            }
        }

        assert_true(found);
    }
}


static void
test_volume_reply(void **state)
{
    const hdr_line_t  *l[HDR_MAX];
    hdr_t              h;
    size_t             j;
    const char        *elts[HDR_SHAPE_MAX + 1];
    size_t             lens[HDR_SHAPE_MAX + 1];
    sg_reply_elt_t     e[REPLY_STRINGS_MAX];
    sg_volume_counts_t out;

    (void) state;

    parse_header(sg_volume_script, &h);
    assert_int_equal(hdr_select(&h, "REPLY", l, HDR_MAX), 1);
    assert_int_equal(l[0]->first, -1); /* no code: one shape */

    for (j = 0; j <= l[0]->n_elts; j++) {
        elts[j] = "7";
        lens[j] = 1;
    }

    assert_int_equal(sg_volume_parse_reply(
                         reply_strings(l[0]->n_elts, elts, lens, e), e, &out),
                     0);
    assert_int_equal(out.objects_before, 7);
    assert_int_not_equal(
        sg_volume_parse_reply(reply_strings(l[0]->n_elts + 1, elts, lens, e), e,
                              &out),
        0);
    assert_int_not_equal(
        sg_volume_parse_reply(reply_strings(l[0]->n_elts - 1, elts, lens, e), e,
                              &out),
        0);
}


/* The repository, from this file's name as the compiler was given it. */
static char *
read_repo_file(const char *rel, size_t *len)
{
    static const char self[] = "t/unit/test_scripts.c";
    const char       *file = __FILE__;
    size_t            root = strlen(file) - strlen(self);
    char              path[4096];
    FILE             *f;
    char             *buf;
    long              size;

    assert_string_equal(file + root, self);
    snprintf(path, sizeof(path), "%.*s%s", (int) root, file, rel);

    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("%s: cannot open (run the tests from the repository)", path);
    }

    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);

    buf = malloc((size_t) size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) size, f), (size_t) size);
    buf[size] = '\0';
    fclose(f);

    *len = (size_t) size;

    return buf;
}


static void
check_embedded(const char *rel, const char *embedded)
{
    char             *text, hex[41];
    size_t            len;
    unsigned char     md[EVP_MAX_MD_SIZE];
    unsigned int      md_len = 0, i;
    char              want[41];
    static const char digits[] = "0123456789abcdef";

    text = read_repo_file(rel, &len);

    if (len != strlen(embedded) || memcmp(text, embedded, len) != 0) {
        free(text);
        fail_msg("%s differs from its embedded text: run `make scripts`", rel);
    }

    /* What EVALSHA names: the SHA-1 of the file. */
    assert_int_equal(EVP_Digest(text, len, md, &md_len, EVP_sha1(), NULL), 1);
    for (i = 0; i < md_len; i++) {
        want[2 * i] = digits[md[i] >> 4];
        want[2 * i + 1] = digits[md[i] & 0x0f];
    }
    want[40] = '\0';

    assert_int_equal(sg_script_sha1(embedded, hex), 0);
    assert_string_equal(hex, want);

    free(text);
}


static void
test_embedded(void **state)
{
    char hex[41], sha[41];

    (void) state;

    check_embedded("src/lua/session.lua", sg_session_script);
    check_embedded("src/lua/density.lua", sg_density_script);
    check_embedded("src/lua/volume.lua", sg_volume_script);

    assert_int_equal(sg_session_script_sha1(hex), 0);
    assert_int_equal(sg_script_sha1(sg_session_script, sha), 0);
    assert_string_equal(hex, sha);
}


/* The replay tool's script is not linked here: its file, read as is. */
static void
test_timeshift(void **state)
{
    const hdr_line_t *l[HDR_MAX];
    hdr_t             h;
    char             *text;
    size_t            len;

    (void) state;

    text = read_repo_file("tools/sg-replay/timeshift.lua", &len);
    parse_header(text, &h);
    check_numbering(&h, "KEYS");
    check_numbering(&h, "ARGV");
    check_argv_reads(&h);
    assert_int_equal(hdr_select(&h, "KEYS", l, HDR_MAX), 1);
    assert_int_equal(hdr_select(&h, "ARGV", l, HDR_MAX), 2);
    assert_int_equal(l[1]->last, OPEN);
    free(text);
}


/* The header parser itself. */
static void
test_header_parser(void **state)
{
    static const char script[] = "-- Prose, then the lines.\n"
                                 "--\n"
                                 "-- KEYS 1 s the record\n"
                                 "-- ARGV 1 a first\n"
                                 "-- ARGV 2.. rest\n"
                                 "-- REPLY 0 x {0, y}\n"
                                 "-- REPLY - z n\n"
                                 "\n"
                                 "return ARGV[1] .. ARGV[7]\n";
    hdr_t             h;

    (void) state;

    parse_header(script, &h);
    assert_int_equal(h.n, 5);
    assert_string_equal(h.lines[0].tag, "KEYS");
    assert_string_equal(h.lines[0].name, "s");
    assert_int_equal(h.lines[2].first, 2);
    assert_int_equal(h.lines[2].last, OPEN);
    assert_int_equal(h.lines[3].n_elts, 2);
    assert_string_equal(h.lines[3].elts[1], "y");
    assert_int_equal(h.lines[4].first, -1);
    assert_string_equal(h.lines[4].elts[0], "n");
    assert_string_equal(h.body, "\nreturn ARGV[1] .. ARGV[7]\n");

    /* ARGV[7] falls in "2..". */
    assert_int_equal(check_reads(&h, "ARGV", 1), 1);
    assert_true(declared(&h, "ARGV", 7));
    assert_false(declared(&h, "KEYS", 2));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_parser),
        cmocka_unit_test(test_session_argv),
        cmocka_unit_test(test_session_keys),
        cmocka_unit_test(test_session_modes),
        cmocka_unit_test(test_session_replies),
        cmocka_unit_test(test_density_argv),
        cmocka_unit_test(test_density_keys),
        cmocka_unit_test(test_density_reply),
        cmocka_unit_test(test_volume_argv),
        cmocka_unit_test(test_volume_keys),
        cmocka_unit_test(test_volume_reply),
        cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_timeshift),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

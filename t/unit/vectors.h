/*
 * Test support: the reference ClientHello vectors (JSON Lines records read
 * from $SG_SHARED/testdata/tls/clienthellos.jsonl, with a field extractor
 * that refuses escapes it does not decode) and a builder for hand-made
 * handshake messages.  cmocka's assertions report every misuse.
 */

#ifndef SG_TEST_VECTORS_H
#define SG_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char    *line;
    char     id[128];
    uint8_t *msg;
    size_t   len;
} vec_t;

typedef struct {
    vec_t *v;
    size_t n;
    char   why[1200];
} vecs_t;


enum { J_MISSING, J_NULL, J_STR, J_RAW };


typedef struct {
    uint8_t b[8192];
    size_t  n;
} tb_t;


int  jfield(const char *line, const char *name, const char **val, size_t *len);
long jint(const char *line, const char *name);
int  jbool(const char *line, const char *name);
int  jstr(const char *line, const char *name, char *buf, size_t size);
long jstr_array(const char *line, const char *name, const char **item,
                size_t *ilen, size_t cap);
int  hexval(int c);
unsigned long hex_number(const char *s, size_t n);
int           vecs_setup(void **state);
int           vecs_teardown(void **state);
vecs_t       *vecs_or_skip(void **state);
void          tb_u8(tb_t *t, unsigned v);
void          tb_u16(tb_t *t, unsigned v);
void          tb_bytes(tb_t *t, const uint8_t *p, size_t n);
void          tb_hex(tb_t *t, const char *hex);
size_t        tb_begin(tb_t *t, int lenbytes);
void          tb_end(tb_t *t, size_t pos, int lenbytes);

#endif /* SG_TEST_VECTORS_H */

#include "sg_replay_tlsext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Firefox's delegated_credentials: ecdsa_secp256r1_sha256,
 * ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512, ecdsa_sha1 */
static const uint8_t sg_tlsext_dc[] = {0x00, 0x08, 0x04, 0x03, 0x05,
                                       0x03, 0x06, 0x03, 0x02, 0x03};

/* ALPS: the protocols with settings, here h2 */
static const uint8_t sg_tlsext_alps[] = {0x00, 0x03, 0x02, 'h', '2'};


static int
sg_tlsext_hex(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    size_t i;
    int    hi, lo;

    if (n % 2 != 0 || n / 2 > cap) {
        return -1;
    }

    for (i = 0; i < n; i += 2) {
        hi = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
             : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
             : s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
                                          : -1;
        lo = s[i + 1] >= '0' && s[i + 1] <= '9'   ? s[i + 1] - '0'
             : s[i + 1] >= 'a' && s[i + 1] <= 'f' ? s[i + 1] - 'a' + 10
             : s[i + 1] >= 'A' && s[i + 1] <= 'F' ? s[i + 1] - 'A' + 10
                                                  : -1;
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i / 2] = (uint8_t) (hi << 4 | lo);
    }

    *len = n / 2;
    return 0;
}


static int
sg_tlsext_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(s, name, n) == 0;
}


/* "zlib+brotli" as the RFC 8879 algorithm list */
static int
sg_tlsext_compress(const char *a, size_t n, sg_tlsext_t *e)
{
    const char *end = a + n, *p;
    size_t      k;
    uint16_t    alg;

    e->len = 1;
    for (p = a; p < end; p += k + 1) {
        k = (size_t) (memchr(p, '+', (size_t) (end - p))
                          ? (const char *) memchr(p, '+', (size_t) (end - p)) -
                                p
                          : end - p);
        if (sg_tlsext_is(p, k, "zlib")) {
            alg = 1;
        } else if (sg_tlsext_is(p, k, "brotli")) {
            alg = 2;
        } else if (sg_tlsext_is(p, k, "zstd")) {
            alg = 3;
        } else {
            return -1;
        }
        if (e->len + 2 > 1 + 2 * 8) {
            return -1;
        }
        e->payload[e->len++] = (uint8_t) (alg >> 8);
        e->payload[e->len++] = (uint8_t) alg;
    }

    if (e->len == 1) {
        return -1;
    }

    e->payload[0] = (uint8_t) (e->len - 1);
    return 0;
}


static void
sg_tlsext_set(sg_tlsext_t *e, uint16_t type, const uint8_t *p, size_t n)
{
    e->type = type;
    memcpy(e->payload, p, n);
    e->len = n;
}


/* One item; -1 when unknown or bad. */
static int
sg_tlsext_item(const char *s, size_t n, sg_tlsext_t *e)
{
    const char   *eq = memchr(s, '=', n);
    size_t        nl = eq ? (size_t) (eq - s) : n;
    const char   *a = eq ? eq + 1 : NULL;
    size_t        al = eq ? n - nl - 1 : 0;
    unsigned long v;
    char          num[8], *end;

    memset(e, 0, sizeof(*e));

    if (sg_tlsext_is(s, nl, "compress_certificate")) {
        e->type = 27;
        return a ? sg_tlsext_compress(a, al, e)
                 : sg_tlsext_compress("brotli", 6, e);
    }

    if (sg_tlsext_is(s, nl, "application_settings") && a == NULL) {
        sg_tlsext_set(e, 17513, sg_tlsext_alps, sizeof(sg_tlsext_alps));
        return 0;
    }

    if (sg_tlsext_is(s, nl, "application_settings_new") && a == NULL) {
        sg_tlsext_set(e, 17613, sg_tlsext_alps, sizeof(sg_tlsext_alps));
        return 0;
    }

    if (sg_tlsext_is(s, nl, "encrypted_client_hello") && a == NULL) {
        e->type = 65037;
        e->random = 1;
        return 0;
    }

    if (sg_tlsext_is(s, nl, "delegated_credentials") && a == NULL) {
        sg_tlsext_set(e, 34, sg_tlsext_dc, sizeof(sg_tlsext_dc));
        return 0;
    }

    if (sg_tlsext_is(s, nl, "record_size_limit")) {
        v = 16385;
        if (a != NULL) {
            if (al == 0 || al >= sizeof(num)) {
                return -1;
            }
            memcpy(num, a, al);
            num[al] = '\0';
            v = strtoul(num, &end, 10);
            if (*end != '\0' || v < 64 || v > 16385) {
                return -1;
            }
        }
        e->type = 28;
        e->payload[0] = (uint8_t) (v >> 8);
        e->payload[1] = (uint8_t) v;
        e->len = 2;
        return 0;
    }

    if (sg_tlsext_is(s, nl, "trust_anchors") && a == NULL) {
        /* three made-up anchor ids of the form Chromium sends */
        static const uint8_t ids[] = {0x00, 0x12, 0x05, 0x82, 0xdf, 0x13, 0x02,
                                      0x01, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x06,
                                      0x05, 0x82, 0xdf, 0x13, 0x02, 0x0d};
        sg_tlsext_set(e, 51764, ids, sizeof(ids));
        return 0;
    }

    if (nl == 6 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        memcpy(num, s + 2, 4);
        num[4] = '\0';
        v = strtoul(num, &end, 16);
        if (*end != '\0') {
            return -1;
        }
        e->type = (uint16_t) v;
        return a ? sg_tlsext_hex(a, al, e->payload, sizeof(e->payload), &e->len)
                 : 0;
    }

    return -1;
}


int
sg_tlsext_parse(const char *list, sg_tlsext_t *out, size_t max, size_t *n,
                char *err, size_t err_len)
{
    const char *p = list;
    size_t      k, i;

    *n = 0;

    while (*p != '\0') {
        k = strcspn(p, ",");

        if (*n == max) {
            snprintf(err, err_len, "more than %zu extensions", max);
            return -1;
        }

        if (k == 0 || sg_tlsext_item(p, k, &out[*n]) != 0) {
            snprintf(err, err_len, "bad extension \"%.*s\"", (int) k, p);
            return -1;
        }

        if (sg_tlsext_is_grease(out[*n].type)) {
            snprintf(err, err_len,
                     "extension \"%.*s\": GREASE comes from \"grease\"",
                     (int) k, p);
            return -1;
        }

        for (i = 0; i < *n; i++) {
            if (out[i].type == out[*n].type) {
                snprintf(err, err_len, "extension %u given twice",
                         (unsigned) out[i].type);
                return -1;
            }
        }

        (*n)++;
        p += k;
        if (*p == ',') {
            p++;
        }
    }

    return 0;
}


size_t
sg_tlsext_ech_grease(const uint8_t *rnd, uint8_t *out, size_t cap)
{
    /* Chrome pads the fake inner hello to one of four sizes */
    size_t payload = 144 + 32 * (rnd[0] & 3);
    size_t n = 1 + 2 + 2 + 1 + 2 + 32 + 2 + payload;

    if (cap < n) {
        return 0;
    }

    out[0] = 0;              /* outer */
    out[1] = 0, out[2] = 1;  /* HKDF-SHA256 */
    out[3] = 0, out[4] = 1;  /* AES-128-GCM */
    out[5] = rnd[1];         /* config id */
    out[6] = 0, out[7] = 32; /* enc: an X25519 key */
    memcpy(out + 8, rnd + 2, 32);
    out[40] = (uint8_t) (payload >> 8);
    out[41] = (uint8_t) payload;
    memcpy(out + 42, rnd + 34, payload);

    return n;
}


int
sg_tlsext_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}


uint16_t
sg_tlsext_grease(unsigned i)
{
    return (uint16_t) (0x0a0a + 0x1010 * (i & 15));
}

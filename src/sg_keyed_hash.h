/*
 * Keyed hashing of session identifiers.
 *
 * A session cookie is a bearer credential: whoever holds its value is logged
 * in.  session_guard therefore never keeps the raw value anywhere (Redis, logs,
 * variables); it keeps HMAC-SHA256(secret, value) instead.  The secret comes
 * from a file, so a copy of the Redis data alone cannot be matched against
 * cookies seen elsewhere.
 *
 * The file holds the current key and, while a rotation is under way, the
 * previous one on a second line (sg_secret_parse).  Records are named with
 * the current key; one found only under the previous key's name is moved
 * to the current one's (src/lua/session.lua), so a rotation loses no
 * session and keeps every revocation.
 *
 * The digest is used in two lengths: SG_SESSION_KEY_LEN hex characters name
 * the session in Redis, and the first SG_SESSION_ID_LEN of them are the short
 * identifier shown to users ($session_guard_session_id), safe to log.
 *
 * Every request hashes its cookie, so the key is prepared once
 * (sg_keyed_hash_init): the SHA-256 states after the key's inner and outer
 * pads are kept, and hashing a value (sg_keyed_hash) copies them and runs
 * the value through -- no algorithm look-up, no allocation, two compression
 * rounds for a short cookie.
 */

#ifndef SG_KEYED_HASH_H
#define SG_KEYED_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SG_SECRET_MIN_LEN  16
#define SG_SECRET_MAX_LEN  256
#define SG_SESSION_KEY_LEN 32
#define SG_SESSION_ID_LEN  16

typedef enum {
    SG_KEYED_HASH_OK = 0,
    SG_KEYED_HASH_EMPTY_KEY,
    SG_KEYED_HASH_CRYPTO,
} sg_keyed_hash_rc_t;

/* A prepared key: SHA-256 states after (key ^ ipad) and (key ^ opad); ni
 * says the CPU's SHA instructions compute it (found by sg_keyed_hash_init,
 * the same digest either way). */
typedef struct {
    uint32_t inner[8];
    uint32_t outer[8];
    int      ready;
    int      ni;
} sg_keyed_hash_t;

sg_keyed_hash_rc_t sg_keyed_hash_init(sg_keyed_hash_t *k, const uint8_t *secret,
                                      size_t secret_len);

/*
 * HMAC-SHA256(key, value): writes SG_SESSION_KEY_LEN lower-case hex
 * characters and a NUL into out.
 */
sg_keyed_hash_rc_t sg_keyed_hash(const sg_keyed_hash_t *k, const uint8_t *value,
                                 size_t value_len,
                                 char   out[SG_SESSION_KEY_LEN + 1]);

/*
 * The same in one call, preparing the key each time (tools, tests).
 * Writes SG_SESSION_KEY_LEN lower-case hex characters and a NUL into out.
 */
sg_keyed_hash_rc_t sg_session_key(const uint8_t *secret, size_t secret_len,
                                  const uint8_t *value, size_t value_len,
                                  char out[SG_SESSION_KEY_LEN + 1]);

/* The current key and the previous one. */
#define SG_SECRET_KEYS_MAX 2

/* The keys of a secret file: slices of the file, the current key first. */
typedef struct {
    const uint8_t *key[SG_SECRET_KEYS_MAX];
    size_t         len[SG_SECRET_KEYS_MAX];
    size_t         n;    /* 1, or 2 with a previous key */
    size_t         line; /* the line an error is about, 0: the file */
} sg_secret_keys_t;

/*
 * Reads a secret file: one key a line, the current key first and, during a
 * rotation, the previous one second; each line ends in "\n" or "\r\n" (the
 * last may end without).  A key is text: 16 to 256 printable ASCII bytes
 * (' '..'~'), so that a binary key holding a newline byte is refused
 * rather than split in two.  Returns NULL when the file is acceptable, else
 * a message suitable for an nginx configuration error, about out->line
 * (0: the whole file); out holds no key then.
 */
const char *sg_secret_parse(const uint8_t *p, size_t len,
                            sg_secret_keys_t *out);

#endif /* SG_KEYED_HASH_H */

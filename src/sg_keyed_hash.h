/*
 * Keyed hashing of session identifiers.
 *
 * A session cookie is a bearer credential: whoever holds its value is logged
 * in.  session_guard therefore never keeps the raw value anywhere (Redis, logs,
 * variables); it keeps HMAC-SHA256(secret, value) instead.  The secret comes
 * from a file, so a copy of the Redis data alone cannot be matched against
 * cookies seen elsewhere, and rotating the secret forgets every binding.
 *
 * The digest is used in two lengths: SG_SESSION_KEY_LEN hex characters name
 * the session in Redis, and the first SG_SESSION_ID_LEN of them are the short
 * identifier shown to users ($session_guard_session_id), safe to log.
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

/*
 * Writes SG_SESSION_KEY_LEN lower-case hex characters and a NUL into out.
 */
sg_keyed_hash_rc_t sg_session_key(const uint8_t *secret, size_t secret_len,
                                  const uint8_t *value, size_t value_len,
                                  char out[SG_SESSION_KEY_LEN + 1]);

/*
 * Trims one trailing "\n" or "\r\n" from a secret read from a file, and checks
 * its length.  Returns NULL when the secret is acceptable, else a message
 * suitable for an nginx configuration error.
 */
const char *sg_secret_check(const uint8_t *p, size_t *len);

#endif /* SG_KEYED_HASH_H */

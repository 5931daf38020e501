#include "sg_keyed_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>


sg_keyed_hash_rc_t
sg_session_key(const uint8_t *secret, size_t secret_len, const uint8_t *value,
               size_t value_len, char out[SG_SESSION_KEY_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char     md[EVP_MAX_MD_SIZE];
    unsigned int      md_len = 0;
    size_t            i;

    if (secret_len == 0) {
        return SG_KEYED_HASH_EMPTY_KEY;
    }

    if (HMAC(EVP_sha256(), secret, (int) secret_len, value, value_len, md,
             &md_len) == NULL ||
        md_len * 2 < SG_SESSION_KEY_LEN) {
        return SG_KEYED_HASH_CRYPTO;
    }

    for (i = 0; i < SG_SESSION_KEY_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }

    out[SG_SESSION_KEY_LEN] = '\0';

    return SG_KEYED_HASH_OK;
}


const char *
sg_secret_check(const uint8_t *p, size_t *len)
{
    if (*len > 0 && p[*len - 1] == '\n') {
        (*len)--;

        if (*len > 0 && p[*len - 1] == '\r') {
            (*len)--;
        }
    }

    if (*len < SG_SECRET_MIN_LEN) {
        return "is too short: a secret needs at least 16 bytes";
    }

    if (*len > SG_SECRET_MAX_LEN) {
        return "is too long: a secret may have at most 256 bytes";
    }

    return NULL;
}

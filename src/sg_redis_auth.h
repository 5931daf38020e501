/*
 * The Redis password file of session_guard_redis password_file=: what the
 * connection's AUTH sends.
 *
 * One line is a password, for Redis's default user (requirepass, or the
 * default user's ACL password): AUTH PASSWORD.  Two lines are a user name
 * and its password, for a Redis ACL user: AUTH USER PASSWORD.  Lines end in
 * "\n" or "\r\n" (the last may end without).  The password is taken as it
 * is, any byte but a line end; a user name is printable ASCII without
 * spaces, as Redis's ACL files write them.
 */

#ifndef SG_REDIS_AUTH_H
#define SG_REDIS_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* What AUTH sends: slices of the file; user_len 0 for the default user. */
typedef struct {
    const uint8_t *user;
    size_t         user_len;
    const uint8_t *password;
    size_t         password_len;
    size_t         line; /* the line an error is about, 0: the file */
} sg_redis_auth_t;

/*
 * Reads a password file.  Returns NULL when it is acceptable, else a
 * message suitable for an nginx configuration error, about out->line (0:
 * the whole file); out holds nothing then.
 */
const char *sg_redis_auth_parse(const uint8_t *p, size_t len,
                                sg_redis_auth_t *out);

#endif /* SG_REDIS_AUTH_H */

/*
 * Reading the session cookie the way the application behind the proxy will.
 *
 * nginx's $cookie_NAME matches names without regard to case and returns the
 * first match, while applications match case-sensitively, often take the
 * last value, may split pairs on ',' as well as ';', strip quotes, or
 * percent-decode.  A thief who sends "SID=decoy; sid=<stolen>" must not get
 * the decoy judged while the application uses the stolen value, so this
 * component lists every pair that any common application could take for the
 * session cookie, and gives each value in one canonical form.
 *
 * - Pairs are separated by ';'.  Inside a pair's value, a ',' followed by
 *   another NAME=VALUE also starts a pair (old cookie syntax), while the
 *   value of the ';' pair stays whole.
 * - A name is a candidate when it equals the configured name after
 *   percent-decoding and ASCII case folding.  SG_COOKIE_EXACT marks the pair
 *   whose name is byte-for-byte the configured one.
 * - Canonical value: surrounding white space and one pair of double quotes
 *   removed, then percent-decoded, '+' read as a space.  Both the cookie a
 *   request carries and the one a response sets are keyed in this form, so
 *   every spelling an application treats as the same session is the same
 *   session here; spellings it treats as different may collide, which is
 *   harmless.
 *
 * Pure functions over caller-owned buffers; nothing is allocated.
 */

#ifndef SG_COOKIE_H
#define SG_COOKIE_H

#include <stddef.h>

#include "sg_str.h"

#define SG_COOKIE_EXACT 1 /* the name matched byte for byte */

typedef struct {
    sg_str_t value; /* raw, as in the header */
    unsigned flags; /* SG_COOKIE_EXACT */
} sg_cookie_match_t;

/*
 * Appends to out[] (capacity cap, *n entries already there) every candidate
 * pair of one Cookie header value.  Returns the number of candidates found
 * in this header, which may exceed what fitted: *n stops at cap.
 */
size_t sg_cookie_find(const char *header, size_t len, sg_str_t name,
                      sg_cookie_match_t *out, size_t cap, size_t *n);

/*
 * Writes the canonical form of a raw value into out (at least len bytes:
 * the canonical form is never longer) and returns its length.
 */
size_t sg_cookie_canonical(const char *value, size_t len, char *out);

/*
 * Reads a Set-Cookie header value: when it sets the cookie named exactly
 * name, *value is its raw value and the return is 1, or 2 when it deletes
 * the cookie (an empty value, Max-Age=0 or negative); 0 when it is about
 * another cookie.
 */
int sg_cookie_set(const char *header, size_t len, sg_str_t name,
                  sg_str_t *value);

/*
 * The attributes a deletion of the cookie must repeat for a browser to drop
 * it ("; Path=/app; Domain=example.com; Secure"), from the Set-Cookie that
 * issued it.  Only printable characters other than ';' and ',' are kept.
 * Writes a NUL; returns the length, or -1 when cap is too small (out is then
 * "").
 */
int sg_cookie_delete_attrs(const char *header, size_t len, char *out,
                           size_t cap);

#endif /* SG_COOKIE_H */

/*
 * sg_replay_h2spec: how a client profile opens an HTTP/2 connection, in
 * the text forms profiles are written in.
 *   settings  "1:65536;2:0;4:6291456" (id:value in the order sent, as in
 *             the Akamai HTTP/2 fingerprint; "" for an empty SETTINGS)
 *   priority  "256:1:0" (weight 1..256, exclusive 0|1, stream depended
 *             on) for the HEADERS frame, or "0" for none
 *   pseudo    "m,a,s,p" (:method :authority :scheme :path, any order)
 * Pure: no nghttp2 here.
 */

#ifndef SG_REPLAY_H2SPEC_H
#define SG_REPLAY_H2SPEC_H

#include <stddef.h>
#include <stdint.h>

int sg_h2spec_settings(const char *s, uint16_t *ids, uint32_t *values,
                       size_t max, size_t *n);
int sg_h2spec_priority(const char *s, uint16_t *weight, int *exclusive,
                       uint32_t *depends_on);
/* out: the four letters, NUL-terminated ("masp") */
int sg_h2spec_pseudo(const char *s, char out[5]);

#endif /* SG_REPLAY_H2SPEC_H */

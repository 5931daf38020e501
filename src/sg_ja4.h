/*
 * sg_ja4: a JA4 fingerprint handed to us as text, by a TLS-terminating edge
 * (a CDN or a load balancer) that saw the client's ClientHello, and the
 * signature a session is bound to behind such an edge.
 *
 * sg_ja4_valid() accepts exactly the hashed form FoxIO's JA4 spec defines
 * and sg_tls_fp computes, 36 characters:
 *
 *     [tq] [0-9]{2} [di] [0-9]{2} [0-9]{2} [0-9A-Za-z]{2}
 *     _ [0-9a-f]{12} _ [0-9a-f]{12}
 *
 * protocol (TCP or QUIC), TLS version, SNI, cipher and extension counts,
 * ALPN's first and last characters (sg_tls_fp keeps letters' case), then the
 * cipher and the extension hashes.  Nothing else: no blanks, no upper-case
 * hex, no raw (_r) or original-order (_o) form, no DTLS.
 *
 * sg_ja4_edge_sig() writes the edge signature, "e1_" followed by the parts
 * of the JA4 one client keeps from connection to connection: protocol,
 * version, cipher count and cipher hash, e.g. "e1_t1315_8daaf6152771" for
 * "t13d1516h2_8daaf6152771_e5627efa2ab1".  The extension count and hash
 * change when a client resumes a TLS 1.3 session (pre_shared_key) and SNI
 * and ALPN depend on the request, the way sg_tls_fp's stable signature
 * leaves them out.  The "e1_" prefix keeps it apart from every stable
 * signature ("s1_") a direct connection gives.
 *
 * Pure functions; no allocation.
 */

#ifndef SG_JA4_H
#define SG_JA4_H

#include <stddef.h>

/* A JA4 without the NUL; an edge signature's buffer, NUL included. */
#define SG_JA4_LEN           36
#define SG_JA4_EDGE_SIG_SIZE 22

/* 1 if p[0 .. len-1] is a JA4 fingerprint, else 0. */
int sg_ja4_valid(const char *p, size_t len);

/*
 * Writes the edge signature of a valid JA4 into buf, NUL-terminated, and
 * returns its length (SG_JA4_EDGE_SIG_SIZE - 1); -1 for an invalid JA4 or
 * a buffer shorter than SG_JA4_EDGE_SIG_SIZE (buf is then "" if cap > 0).
 */
int sg_ja4_edge_sig(const char *ja4, size_t len, char *buf, size_t cap);

#endif /* SG_JA4_H */

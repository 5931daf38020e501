/*
 * The I/O half of the PROXY protocol: picks the source port (the real one
 * of the socket, as a proxy in front would report the client's) and writes
 * the header the core encodes before any TLS byte.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sg_proxy_proto.h"
#include "tls_client.h"


int
sg_proxy_send(int fd, int version, const char *client_ip, const sg_target_t *t,
              char *err, size_t err_len)
{
    struct sockaddr_storage local;
    socklen_t               len = sizeof(local);
    sg_pp_endpoint_t        src;
    uint8_t                 buf[SG_PP_V1_MAX + SG_PP_V2_MAX];
    int                     n;
    ssize_t                 w;
    size_t                  off = 0;

    if (sg_pp_parse_addr(client_ip, &src) != 0) {
        snprintf(err, err_len, "bad client address \"%s\"", client_ip);
        return -1;
    }

    src.port = 0;
    if (getsockname(fd, (struct sockaddr *) &local, &len) == 0) {
        src.port = local.ss_family == AF_INET6
                       ? ntohs(((struct sockaddr_in6 *) &local)->sin6_port)
                       : ntohs(((struct sockaddr_in *) &local)->sin_port);
    }

    n = version == 1 ? sg_pp_encode_v1(&src, &t->dst, (char *) buf, sizeof(buf))
                     : sg_pp_encode_v2(&src, &t->dst, buf, sizeof(buf));
    if (n < 0) {
        snprintf(err, err_len, "PROXY header does not fit");
        return -1;
    }

    while (off < (size_t) n) {
        w = write(fd, buf + off, (size_t) n - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            snprintf(err, err_len, "writing the PROXY header: %s",
                     strerror(errno));
            return -1;
        }
        off += (size_t) w;
    }

    return 0;
}

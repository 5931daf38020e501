/*
 * idle-tls: holds many TLS connections open and idle, to measure what a
 * server keeps per connection after the handshake.
 *
 *   idle-tls [-c COUNT] [-s BYTES] [-r PATH [-H 'Name: value']] HOST PORT
 *
 * Opens COUNT connections (default 100) one after the other, completes the
 * handshake on each and, with -r, sends one keep-alive HTTP/1.1 request for
 * PATH and reads its response (so that a server that computes anything on
 * first use has done so), with the header given by -H if any.  -s pads each
 * ClientHello with an extension of BYTES bytes (type 0x7000), as a client
 * trying to pin memory would.  Then it prints "ready N" (N connections open)
 * and waits until its standard input closes, and closes them all.  Exit status
 * 0 when every connection was made, 1 otherwise.
 */

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static size_t         pad_bytes;
static unsigned char *pad_body;


static int
add_pad(SSL *ssl, unsigned int type, unsigned int context,
        const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
        int *al, void *arg)
{
    (void) ssl;
    (void) type;
    (void) context;
    (void) x;
    (void) chainidx;
    (void) al;
    (void) arg;

    *out = pad_body;
    *outlen = pad_bytes;

    return 1;
}


static int
connect_to(const struct addrinfo *res)
{
    int                    fd;
    const struct addrinfo *ai;

    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            return fd;
        }

        if (fd >= 0) {
            close(fd);
        }
    }

    return -1;
}


/* Reads one response: the headers, then Content-Length bytes of body. */
static int
read_response(SSL *ssl)
{
    int    n;
    char   buf[4096], *end, *cl;
    size_t have = 0, need = 0, head = 0;

    for (;;) {
        n = SSL_read(ssl, buf + have, (int) (sizeof(buf) - 1 - have));
        if (n <= 0) {
            return -1;
        }

        have += (size_t) n;
        buf[have] = '\0';

        if (head == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            head = (size_t) (end - buf) + 4;
            cl = strstr(buf, "Content-Length: ");
            need = cl ? (size_t) atol(cl + 16) : 0;
        }

        if (head && have >= head + need) {
            return 0;
        }

        if (have == sizeof(buf) - 1) {
            return -1;
        }
    }
}


int
main(int argc, char **argv)
{
    int             opt, fd, i, count = 100, made = 0;
    int            *fds;
    char            req[1024], c;
    SSL           **ssls;
    SSL_CTX        *ctx;
    const char     *path = NULL, *header = NULL;
    struct rlimit   rl;
    struct addrinfo hints, *res;

    while ((opt = getopt(argc, argv, "c:s:r:H:")) != -1) {
        switch (opt) {
        case 'c':
            count = atoi(optarg);
            break;
        case 's':
            pad_bytes = (size_t) atol(optarg);
            break;
        case 'r':
            path = optarg;
            break;
        case 'H':
            header = optarg;
            break;
        default:
            goto usage;
        }
    }

    if (argc - optind != 2 || count < 1 || pad_bytes > 65535) {
        goto usage;
    }

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(argv[optind], argv[optind + 1], &hints, &res) != 0) {
        fprintf(stderr, "idle-tls: cannot resolve %s\n", argv[optind]);
        return 1;
    }

    pad_body = calloc(1, pad_bytes ? pad_bytes : 1);
    fds = calloc((size_t) count, sizeof(int));
    ssls = calloc((size_t) count, sizeof(SSL *));
    ctx = SSL_CTX_new(TLS_client_method());

    if (pad_body == NULL || fds == NULL || ssls == NULL || ctx == NULL) {
        return 1;
    }

    if (pad_bytes &&
        SSL_CTX_add_custom_ext(ctx, 0x7000, SSL_EXT_CLIENT_HELLO, add_pad, NULL,
                               NULL, NULL, NULL) != 1) {
        fprintf(stderr, "idle-tls: cannot add the padding extension\n");
        return 1;
    }

    /* no session tickets: every connection makes a full handshake */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%s%s\r\n",
             path ? path : "/", header ? header : "", header ? "\r\n" : "");

    for (i = 0; i < count; i++) {
        fd = connect_to(res);
        if (fd < 0) {
            fprintf(stderr, "idle-tls: connection %d: cannot connect\n", i);
            break;
        }

        ssls[i] = SSL_new(ctx);
        fds[i] = fd;
        SSL_set_fd(ssls[i], fd);
        SSL_set_tlsext_host_name(ssls[i], "localhost");

        if (SSL_connect(ssls[i]) != 1) {
            fprintf(stderr, "idle-tls: connection %d: handshake failed\n", i);
            ERR_print_errors_fp(stderr);
            break;
        }

        if (path &&
            (SSL_write(ssls[i], req, (int) strlen(req)) != (int) strlen(req) ||
             read_response(ssls[i]) != 0)) {
            fprintf(stderr, "idle-tls: connection %d: no response\n", i);
            break;
        }

        made++;
    }

    freeaddrinfo(res);
    printf("ready %d\n", made);
    fflush(stdout);

    while (read(0, &c, 1) > 0) {
        /* until standard input closes */
    }

    for (i = 0; i < count; i++) {
        if (ssls[i] != NULL) {
            SSL_free(ssls[i]);
            close(fds[i]);
        }
    }

    SSL_CTX_free(ctx);
    free(ssls);
    free(fds);
    free(pad_body);

    return made == count ? 0 : 1;

usage:

    fprintf(stderr, "usage: idle-tls [-c COUNT] [-s BYTES] "
                    "[-r PATH [-H 'Name: value']] HOST PORT\n");

    return 2;
}

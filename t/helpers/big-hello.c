/*
 * big-hello: an HTTPS client whose ClientHello carries extra extensions, to
 * test what the module does with hellos larger or longer than its parser
 * keeps.  OpenSSL's custom-extension API adds them; the server ignores
 * extension types it does not know.
 *
 *   big-hello [-n COUNT] [-s BYTES] [-C CIPHERS] [-H 'Name: value']...
 *             HOST PORT PATH
 *
 * -n adds COUNT extensions of types 0x7000, 0x7001, ... (default 0), each
 * with BYTES of body (-s, default 0).  -C sets the TLS 1.2 cipher list
 * (OpenSSL's syntax, e.g. 'ALL:@SECLEVEL=0' for every cipher it has).  The
 * request is GET PATH over HTTP/1.1; the response is written to standard output
 * as received. Exit status 0 when a response arrived, 1 otherwise.
 */

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_HEADERS 16

static size_t         ext_bytes;
static unsigned char *ext_body;


static int
add_ext(SSL *ssl, unsigned int type, unsigned int context,
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

    *out = ext_body;
    *outlen = ext_bytes;

    return 1;
}


static int
connect_to(const char *host, const char *port)
{
    int             fd = -1;
    struct addrinfo hints, *res, *ai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(host, port, &hints, &res) != 0) {
        return -1;
    }

    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }

        if (fd >= 0) {
            close(fd);
            fd = -1;
        }
    }

    freeaddrinfo(res);

    return fd;
}


int
main(int argc, char **argv)
{
    int         opt, fd, n, i, count = 0, nheaders = 0;
    char        req[8192], buf[4096];
    size_t      len;
    SSL        *ssl;
    SSL_CTX    *ctx;
    const char *headers[MAX_HEADERS], *ciphers = NULL;

    while ((opt = getopt(argc, argv, "n:s:C:H:")) != -1) {
        switch (opt) {
        case 'n':
            count = atoi(optarg);
            break;
        case 's':
            ext_bytes = (size_t) atol(optarg);
            break;
        case 'C':
            ciphers = optarg;
            break;
        case 'H':
            if (nheaders < MAX_HEADERS) {
                headers[nheaders++] = optarg;
            }
            break;
        default:
            goto usage;
        }
    }

    if (argc - optind != 3 || count < 0 || ext_bytes > 65535) {
        goto usage;
    }

    ext_body = calloc(1, ext_bytes ? ext_bytes : 1);
    ctx = SSL_CTX_new(TLS_client_method());

    if (ext_body == NULL || ctx == NULL) {
        return 1;
    }

    if (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
        fprintf(stderr, "big-hello: bad cipher list %s\n", ciphers);
        return 1;
    }

    for (i = 0; i < count; i++) {
        if (SSL_CTX_add_custom_ext(ctx, 0x7000 + (unsigned) i,
                                   SSL_EXT_CLIENT_HELLO, add_ext, NULL, NULL,
                                   NULL, NULL) != 1) {
            fprintf(stderr, "big-hello: cannot add extension %d\n", i);
            return 1;
        }
    }

    fd = connect_to(argv[optind], argv[optind + 1]);
    if (fd < 0) {
        fprintf(stderr, "big-hello: cannot connect\n");
        return 1;
    }

    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");

    if (SSL_connect(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }

    len = (size_t) snprintf(req, sizeof(req),
                            "GET %s HTTP/1.1\r\nHost: localhost\r\n"
                            "Connection: close\r\n",
                            argv[optind + 2]);

    for (i = 0; i < nheaders && len < sizeof(req); i++) {
        len += (size_t) snprintf(req + len, sizeof(req) - len, "%s\r\n",
                                 headers[i]);
    }

    if (len + 2 >= sizeof(req)) {
        return 1;
    }

    memcpy(req + len, "\r\n", 2);
    len += 2;

    if (SSL_write(ssl, req, (int) len) != (int) len) {
        return 1;
    }

    n = 0;

    while ((i = SSL_read(ssl, buf, sizeof(buf))) > 0) {
        fwrite(buf, 1, (size_t) i, stdout);
        n += i;
    }

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    free(ext_body);

    return n > 0 ? 0 : 1;

usage:

    fprintf(stderr, "usage: big-hello [-n COUNT] [-s BYTES] [-C CIPHERS] "
                    "[-H 'Name: value']... HOST PORT PATH\n");

    return 2;
}

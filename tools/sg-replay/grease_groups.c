#include "grease_groups.h"

#include <stdint.h>
#include <stdio.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>

#include "sg_replay_tlsext.h"


#define SG_GG_ALG "SG-GREASE"

/* the key management OpenSSL requires behind a group; never used: no key
 * of a TLS 1.2-only group is made for a TLS 1.3 hello, and no server
 * picks a GREASE value */
static int sg_gg_key;


static void *
sg_gg_new(void *provctx)
{
    (void) provctx;
    return &sg_gg_key;
}


static void
sg_gg_free(void *key)
{
    (void) key;
}


static int
sg_gg_has(const void *key, int selection)
{
    (void) key;
    (void) selection;
    return 0;
}


static const OSSL_DISPATCH sg_gg_keymgmt[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void)) sg_gg_new},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void)) sg_gg_free},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void)) sg_gg_has},
    {0, NULL},
};

static const OSSL_ALGORITHM sg_gg_keymgmts[] = {
    {SG_GG_ALG, "provider=sg-grease", sg_gg_keymgmt, NULL},
    {NULL, NULL, NULL, NULL},
};


static const OSSL_ALGORITHM *
sg_gg_query(void *provctx, int operation_id, int *no_cache)
{
    (void) provctx;

    *no_cache = 0;
    return operation_id == OSSL_OP_KEYMGMT ? sg_gg_keymgmts : NULL;
}


static int
sg_gg_capabilities(void *provctx, const char *capability, OSSL_CALLBACK *cb,
                   void *arg)
{
    char         name[16];
    unsigned int id, bits = 128, kem = 0, i;
    int          min_tls = TLS1_VERSION, max_tls = TLS1_2_VERSION, no = -1;
    OSSL_PARAM   params[11];

    (void) provctx;

    if (OPENSSL_strcasecmp(capability, "TLS-GROUP") != 0) {
        return 1;
    }

    for (i = 0; i < 16; i++) {
        id = sg_tlsext_grease(i);
        snprintf(name, sizeof(name), "GREASE-%04x", id);

        params[0] = OSSL_PARAM_construct_utf8_string(
            OSSL_CAPABILITY_TLS_GROUP_NAME, name, 0);
        params[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_CAPABILITY_TLS_GROUP_NAME_INTERNAL, name, 0);
        params[2] =
            OSSL_PARAM_construct_uint(OSSL_CAPABILITY_TLS_GROUP_ID, &id);
        params[3] = OSSL_PARAM_construct_utf8_string(
            OSSL_CAPABILITY_TLS_GROUP_ALG, (char *) SG_GG_ALG, 0);
        params[4] = OSSL_PARAM_construct_uint(
            OSSL_CAPABILITY_TLS_GROUP_SECURITY_BITS, &bits);
        params[5] =
            OSSL_PARAM_construct_uint(OSSL_CAPABILITY_TLS_GROUP_IS_KEM, &kem);
        params[6] = OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_GROUP_MIN_TLS,
                                             &min_tls);
        params[7] = OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_GROUP_MAX_TLS,
                                             &max_tls);
        params[8] =
            OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_GROUP_MIN_DTLS, &no);
        params[9] =
            OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_GROUP_MAX_DTLS, &no);
        params[10] = OSSL_PARAM_construct_end();

        if (!cb(params, arg)) {
            return 0;
        }
    }

    return 1;
}


static const OSSL_DISPATCH sg_gg_provider[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void)) sg_gg_query},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void)) sg_gg_capabilities},
    {0, NULL},
};


static int
sg_gg_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
           const OSSL_DISPATCH **out, void **provctx)
{
    (void) handle;
    (void) in;

    *out = sg_gg_provider;
    *provctx = NULL;
    return 1;
}


int
sg_grease_groups_load(char *err, size_t err_len)
{
    static int loaded;

    if (loaded) {
        return 0;
    }

    if (!OSSL_PROVIDER_add_builtin(NULL, "sg-grease", sg_gg_init) ||
        OSSL_PROVIDER_load(NULL, "default") == NULL ||
        OSSL_PROVIDER_load(NULL, "sg-grease") == NULL) {
        ERR_clear_error();
        snprintf(err, err_len, "cannot load the GREASE groups provider");
        return -1;
    }

    loaded = 1;
    return 0;
}

/*
 * sg_client_claim: see sg_client_claim.h for the contract.
 */

#include "sg_client_claim.h"

#include <stddef.h>
#include <string.h>

#define SG_EXT_ENCRYPT_THEN_MAC  0x0016
#define SG_EXT_RECORD_SIZE_LIMIT 0x001c


static int
sg_any_grease(const uint16_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (sg_clienthello_is_grease(v[i])) {
            return 1;
        }
    }

    return 0;
}


/* Whether the ALPN list (2-byte length already removed) names "h2". */
static int
sg_alpn_has_h2(const uint8_t *p, size_t len)
{
    size_t i = 0, l;

    while (i < len) {
        l = p[i++];

        if (l > len - i) {
            return 0;
        }

        if (l == 2 && p[i] == 'h' && p[i + 1] == '2') {
            return 1;
        }

        i += l;
    }

    return 0;
}


void
sg_client_facts(const sg_clienthello_t *ch, sg_client_facts_t *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));

    if (ch == NULL) {
        return;
    }

    out->flags = SG_HELLO_PARSED;

    if (sg_any_grease(ch->ciphers, ch->n_ciphers) ||
        sg_any_grease(ch->exts, ch->n_exts) ||
        sg_any_grease(ch->groups, ch->n_groups) ||
        sg_any_grease(ch->versions, ch->n_versions)) {
        out->flags |= SG_HELLO_GREASE;
    }

    if (ch->has_alpn && ch->alpn_list != NULL &&
        sg_alpn_has_h2(ch->alpn_list, ch->alpn_list_len)) {
        out->flags |= SG_HELLO_ALPN_H2;
    }

    for (i = 0; i < ch->n_versions; i++) {
        if (ch->versions[i] == 0x0304) {
            out->flags |= SG_HELLO_TLS13;
        }
    }

    for (i = 0; i < ch->n_exts; i++) {
        if (ch->exts[i] == SG_EXT_ENCRYPT_THEN_MAC) {
            out->flags |= SG_HELLO_ETM;

        } else if (ch->exts[i] == SG_EXT_RECORD_SIZE_LIMIT) {
            out->flags |= SG_HELLO_RECORD_LIMIT;
        }
    }
}


sg_client_stack_e
sg_client_stack(const sg_device_t *d)
{
    if (d == NULL) {
        return SG_STACK_NONE;
    }

    switch (d->family) {
    case SG_FAMILY_CHROME:
    case SG_FAMILY_EDGE:
    case SG_FAMILY_OPERA:
    case SG_FAMILY_SAMSUNG:
    case SG_FAMILY_FIREFOX:
        /* On iOS every browser is WebKit, down to its TLS stack. */
        if (d->os == SG_OS_IOS) {
            return SG_STACK_APPLE;
        }

        return d->family == SG_FAMILY_FIREFOX ? SG_STACK_GECKO
                                              : SG_STACK_CHROMIUM;

    case SG_FAMILY_SAFARI:
        return SG_STACK_APPLE;

    default:
        return SG_STACK_NONE;
    }
}


unsigned
sg_client_claim_check(const sg_device_t *d, const sg_client_facts_t *facts,
                      int websocket)
{
    sg_client_stack_e stack;
    uint32_t          f;
    unsigned          broken = 0;
    uint32_t          tls13_from = 0;

    stack = sg_client_stack(d);

    if (stack == SG_STACK_NONE || facts == NULL ||
        !(facts->flags & SG_HELLO_PARSED)) {
        return 0;
    }

    f = facts->flags;

    if (!websocket && !(f & SG_HELLO_ALPN_H2)) {
        broken |= SG_CLAIM_NO_H2;
    }

    if (f & SG_HELLO_ETM) {
        broken |= SG_CLAIM_LIBRARY_EXT;
    }

    switch (stack) {
    case SG_STACK_CHROMIUM:
        if (!(f & SG_HELLO_GREASE)) {
            broken |= SG_CLAIM_NO_GREASE;
        }

        tls13_from = SG_CLAIM_CHROMIUM_TLS13;
        break;

    case SG_STACK_APPLE:
        /* No capture proves what Apple's stack always sends (the one
         * Apple hello in the reference data has no GREASE): only the
         * rules every browser keeps apply.  On iOS a Chrome or Firefox
         * version is the app's, not the system's TLS: only Safari's own
         * says when 1.3 came. */
        if (d->family == SG_FAMILY_SAFARI) {
            tls13_from = SG_CLAIM_SAFARI_TLS13;
        }

        break;

    case SG_STACK_GECKO:
        tls13_from = SG_CLAIM_GECKO_TLS13;

        if (d->major >= SG_CLAIM_GECKO_LIMIT && !(f & SG_HELLO_RECORD_LIMIT)) {
            broken |= SG_CLAIM_NO_RECORD_LIMIT;
        }

        break;

    default:
        break;
    }

    if (tls13_from != 0 && d->major >= tls13_from && !(f & SG_HELLO_TLS13)) {
        broken |= SG_CLAIM_NO_TLS13;
    }

    return broken;
}

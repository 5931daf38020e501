/*
 * libFuzzer target: the device fingerprint.  The input is header values
 * separated by '\n': User-Agent, sec-ch-ua, sec-ch-ua-platform,
 * sec-ch-ua-mobile, Accept-Language, Accept-Encoding, then header names in
 * wire order (HTTP/1.1); with six values or fewer there is no order
 * (HTTP/2).  The parsed device must be in range, encode to printable text
 * that decodes to the same device, and compare equal to itself.  The whole
 * input is also read as a stored device: what decodes must encode back to
 * exactly the input.
 */

#include <stdint.h>
#include <string.h>

#include "sg_device.h"
#include "sg_fuzz.h"

#define SG_FUZZ_NAMES 40


static int
sg_fuzz_device_equal(const sg_device_t *a, const sg_device_t *b)
{
    return a->family == b->family && a->os == b->os && a->major == b->major &&
           a->mobile == b->mobile && a->encodings == b->encodings &&
           a->order_len == b->order_len &&
           memcmp(a->order, b->order, a->order_len) == 0 &&
           strcmp(a->lang, b->lang) == 0;
}


static void
sg_fuzz_device_checks(const sg_device_t *d)
{
    char             enc[SG_DEVICE_ENCODED_MAX], again[SG_DEVICE_ENCODED_MAX];
    char             hash[SG_DEVICE_HASH_LEN + 1];
    sg_device_t      back;
    sg_device_diff_t diff;
    int              n, m, i;

    sg_fuzz_check(d->family < SG_FAMILY_COUNT && d->os < SG_OS_COUNT);
    sg_fuzz_check(d->major <= SG_DEVICE_MAJOR_MAX && d->mobile <= 1);
    sg_fuzz_check((d->encodings & ~SG_ENC_ALL) == 0);
    sg_fuzz_check(d->order_len <= SG_DEVICE_ORDER_MAX);
    sg_fuzz_check(memchr(d->lang, '\0', sizeof(d->lang)) != NULL);
    sg_fuzz_check(sg_family_name(d->family) != NULL);
    sg_fuzz_check(sg_os_name(d->os) != NULL);

    /* a lower-case primary subtag, or "*" */
    for (i = 0; d->lang[i] != '\0' && strcmp(d->lang, "*") != 0; i++) {
        sg_fuzz_check(d->lang[i] >= 'a' && d->lang[i] <= 'z');
    }

    n = sg_device_hash(d, hash, sizeof(hash));
    sg_fuzz_check(n == SG_DEVICE_HASH_LEN && strlen(hash) == (size_t) n);
    sg_fuzz_check(sg_device_hash(d, hash, SG_DEVICE_HASH_LEN) == -1);

    n = sg_device_encode(d, enc, sizeof(enc));
    sg_fuzz_check(n > 0 && strlen(enc) == (size_t) n);

    for (i = 0; i < n; i++) {
        sg_fuzz_check(enc[i] > 0x20 && enc[i] < 0x7f && enc[i] != '|' &&
                      enc[i] != '"');
    }

    /* a buffer one byte short is refused */
    sg_fuzz_check(sg_device_encode(d, again, (size_t) n) == -1);

    sg_fuzz_check(sg_device_decode(enc, (size_t) n, &back) == 0);
    sg_fuzz_check(sg_fuzz_device_equal(d, &back));
    m = sg_device_encode(&back, again, sizeof(again));
    sg_fuzz_check(m == n && memcmp(enc, again, (size_t) n + 1) == 0);

    diff = sg_device_compare(d, &back);
    sg_fuzz_check(diff.changed == 0 && diff.significance == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_fuzz_t         f;
    sg_device_input_t in;
    sg_device_t       d, stored;
    sg_str_t          names[SG_FUZZ_NAMES];
    sg_str_t         *fields[6];
    size_t            i, n = 0;
    char             *text, enc[SG_DEVICE_ENCODED_MAX];
    int               len;

    memset(&in, 0, sizeof(in));
    fields[0] = &in.user_agent;
    fields[1] = &in.ch_ua;
    fields[2] = &in.ch_ua_platform;
    fields[3] = &in.ch_ua_mobile;
    fields[4] = &in.accept_language;
    fields[5] = &in.accept_encoding;

    sg_fuzz_init(&f, data, size);

    for (i = 0; i < 6 && sg_fuzz_more(&f); i++) {
        fields[i]->data = sg_fuzz_line(&f, &fields[i]->len);
    }

    while (n < SG_FUZZ_NAMES && sg_fuzz_more(&f)) {
        names[n].data = sg_fuzz_line(&f, &names[n].len);
        n++;
    }

    in.header_names = n > 0 ? names : NULL;
    in.n_header_names = n;

    {
        static const uint8_t seed[SG_FOLD_SEED_LEN] = {1};

        (void) sg_device_input_sig(&in, seed);
    }
    sg_fuzz_check(sg_device_parse(&in, &d) == 0);
    sg_fuzz_check(sg_device_parse(NULL, &d) == -1);
    sg_fuzz_check(sg_device_parse(&in, &d) == 0);
    sg_fuzz_device_checks(&d);

    /* the whole input as a stored device */
    text = sg_fuzz_copy(&f, data, size);

    if (sg_device_decode(text, size, &stored) == 0) {
        sg_fuzz_device_checks(&stored);
        len = sg_device_encode(&stored, enc, sizeof(enc));
        sg_fuzz_check(len >= 0 && (size_t) len == size &&
                      memcmp(enc, data, size) == 0);
        (void) sg_device_compare(&stored, &d);
        (void) sg_device_compare(&d, &stored);
    }

    sg_fuzz_done(&f);

    return 0;
}

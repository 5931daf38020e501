#include "sg_device.h"

#include <string.h>


typedef struct {
    const char *text;
    size_t      len;
    sg_family_e family;
} sg_device_token_t;

#define sg_token(s, f)          \
    {                           \
        (s), sizeof(s) - 1, (f) \
    }


static const char *const sg_family_names[SG_FAMILY_COUNT] = {
    "none",    "other",  "chrome",          "edge",
    "firefox", "safari", "opera",           "samsung",
    "curl",    "wget",   "python-requests", "python-urllib",
    "go-http", "java",   "okhttp",          "node",
    "bot",
};

static const char *const sg_os_names[SG_OS_COUNT] = {
    "none", "other", "windows", "macos", "linux", "android", "ios", "chromeos",
};

/*
 * HTTP libraries say who they are at the very start of the User-Agent, and
 * the number after the slash is their major version.
 */
static const sg_device_token_t sg_tool_prefixes[] = {
    sg_token("curl/", SG_FAMILY_CURL),
    sg_token("wget/", SG_FAMILY_WGET),
    sg_token("python-requests/", SG_FAMILY_PYTHON_REQUESTS),
    sg_token("python-urllib/", SG_FAMILY_PYTHON_URLLIB),
    sg_token("go-http-client/", SG_FAMILY_GO_HTTP),
    sg_token("java/", SG_FAMILY_JAVA),
    sg_token("apache-httpclient/", SG_FAMILY_JAVA),
    sg_token("okhttp/", SG_FAMILY_OKHTTP),
    sg_token("node-fetch/", SG_FAMILY_NODE),
    sg_token("axios/", SG_FAMILY_NODE),
    sg_token("undici", SG_FAMILY_NODE),
};

/*
 * Crawlers put "bot/", "spider" or a "+http" contact link in their
 * User-Agent; a bare "bot" would also match phone models such as "CUBOT".
 */
static const char *const sg_bot_markers[] = {
    "bot/",
    "+http",
    "spider",
    "headlesschrome",
};

/*
 * Order matters: Chromium-based browsers also carry "Chrome/", and every
 * WebKit browser on iOS carries "Safari/".  The number after the token is
 * the browser's major version.
 */
static const sg_device_token_t sg_browser_tokens[] = {
    sg_token("SamsungBrowser/", SG_FAMILY_SAMSUNG),
    sg_token("Edg/", SG_FAMILY_EDGE),
    sg_token("EdgA/", SG_FAMILY_EDGE),
    sg_token("EdgiOS/", SG_FAMILY_EDGE),
    sg_token("Edge/", SG_FAMILY_EDGE),
    sg_token("OPR/", SG_FAMILY_OPERA),
    sg_token("CriOS/", SG_FAMILY_CHROME),
    sg_token("FxiOS/", SG_FAMILY_FIREFOX),
    sg_token("Firefox/", SG_FAMILY_FIREFOX),
    sg_token("Chrome/", SG_FAMILY_CHROME),
};

/* sec-ch-ua brands that name a family; "Chromium" alone names none. */
static const sg_device_token_t sg_brands[] = {
    sg_token("Google Chrome", SG_FAMILY_CHROME),
    sg_token("Microsoft Edge", SG_FAMILY_EDGE),
    sg_token("Opera", SG_FAMILY_OPERA),
    sg_token("Opera GX", SG_FAMILY_OPERA),
    sg_token("Samsung Internet", SG_FAMILY_SAMSUNG),
    sg_token("HeadlessChrome", SG_FAMILY_BOT),
};

typedef struct {
    const char *text;
    size_t      len;
    sg_os_e     os;
} sg_device_platform_t;

#define sg_platform(s, o)       \
    {                           \
        (s), sizeof(s) - 1, (o) \
    }

static const sg_device_platform_t sg_platforms[] = {
    sg_platform("Windows", SG_OS_WINDOWS),
    sg_platform("macOS", SG_OS_MACOS),
    sg_platform("Linux", SG_OS_LINUX),
    sg_platform("Android", SG_OS_ANDROID),
    sg_platform("Chrome OS", SG_OS_CHROMEOS),
    sg_platform("iOS", SG_OS_IOS),
};

/*
 * Header names whose order is tracked; the id of a name is its index + 1.
 * Ids are stored in Redis: append, never reorder.  Left out on purpose:
 * sec-ch-ua* (Chrome places them differently in navigations and fetches),
 * and Origin, Cache-Control, Pragma, Content-* (where they go depends on the
 * kind of request, not on the client).
 */
static const char *const sg_order_names[SG_DEVICE_ORDER_MAX] = {
    "host",
    "connection",
    "user-agent",
    "accept",
    "accept-language",
    "accept-encoding",
    "referer",
    "cookie",
    "upgrade-insecure-requests",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-user",
    "sec-fetch-dest",
    "dnt",
    "te",
    "priority",
};

/*
 * The subset that a browser sends on every request carrying a session
 * cookie.  Only these enter the device hash, so that a Referer present on one
 * request and absent on the next does not give the same browser a new id.
 */
static const uint8_t sg_order_core[SG_DEVICE_ORDER_MAX] = {
    1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
};


static int
sg_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}


static int
sg_is_ows(int c)
{
    return c == ' ' || c == '\t';
}


static int
sg_ci_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;

    if (alen != blen) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        if (sg_lower((unsigned char) a[i]) != sg_lower((unsigned char) b[i])) {
            return 0;
        }
    }

    return 1;
}


/* Returns the offset of needle in hay, or -1; ci selects case folding. */
static long
sg_find(const char *hay, size_t n, const char *needle, size_t m, int ci)
{
    size_t i, j;

    if (m == 0 || m > n) {
        return -1;
    }

    for (i = 0; i + m <= n; i++) {
        for (j = 0; j < m; j++) {
            int a = (unsigned char) hay[i + j];
            int b = (unsigned char) needle[j];

            if (ci) {
                a = sg_lower(a);
                b = sg_lower(b);
            }

            if (a != b) {
                break;
            }
        }

        if (j == m) {
            return (long) i;
        }
    }

    return -1;
}


static int
sg_has(const char *hay, size_t n, const char *needle)
{
    return sg_find(hay, n, needle, strlen(needle), 0) >= 0;
}


/* Leading decimal digits of p, clamped so that no input can overflow. */
static uint32_t
sg_leading_number(const char *p, size_t len)
{
    uint32_t v = 0;
    size_t   i;

    for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        v = v * 10 + (uint32_t) (p[i] - '0');

        if (v > SG_DEVICE_MAJOR_MAX) {
            return SG_DEVICE_MAJOR_MAX;
        }
    }

    return v;
}


/* The major version written right after token, or 0. */
static uint32_t
sg_version_after(const char *p, size_t len, const char *token)
{
    size_t tlen = strlen(token);
    long   at = sg_find(p, len, token, tlen, 0);

    if (at < 0) {
        return 0;
    }

    return sg_leading_number(p + at + tlen, len - (size_t) at - tlen);
}


static sg_os_e
sg_ua_os(const char *p, size_t len)
{
    /* iOS and Android UAs also say "like Mac OS X" and "Linux". */
    /* iPod touch says "iPhone OS" too. */
    if (sg_has(p, len, "iPhone") || sg_has(p, len, "iPad")) {
        return SG_OS_IOS;
    }

    if (sg_has(p, len, "Android")) {
        return SG_OS_ANDROID;
    }

    if (sg_has(p, len, "CrOS")) {
        return SG_OS_CHROMEOS;
    }

    if (sg_has(p, len, "Windows")) {
        return SG_OS_WINDOWS;
    }

    if (sg_has(p, len, "Macintosh")) {
        return SG_OS_MACOS;
    }

    /* X11 alone may be a BSD. */
    if (sg_has(p, len, "Linux")) {
        return SG_OS_LINUX;
    }

    return SG_OS_OTHER;
}


static void
sg_parse_ua(const char *p, size_t len, sg_device_t *d)
{
    size_t i, n;

    if (len == 0) {
        d->family = SG_FAMILY_NONE;
        d->os = SG_OS_NONE;
        return;
    }

    d->family = SG_FAMILY_OTHER;
    d->os = SG_OS_OTHER;

    for (i = 0; i < sizeof(sg_tool_prefixes) / sizeof(sg_tool_prefixes[0]);
         i++) {
        const sg_device_token_t *t = &sg_tool_prefixes[i];

        if (len >= t->len && sg_ci_equal(p, t->len, t->text, t->len)) {
            d->family = t->family;
            d->major = sg_leading_number(p + t->len, len - t->len);
            return;
        }
    }

    /* Node's built-in fetch() sends exactly "node". */
    if (sg_ci_equal(p, len, "node", 4)) {
        d->family = SG_FAMILY_NODE;
        return;
    }

    for (i = 0; i < sizeof(sg_bot_markers) / sizeof(sg_bot_markers[0]); i++) {
        n = strlen(sg_bot_markers[i]);

        if (sg_find(p, len, sg_bot_markers[i], n, 1) >= 0) {
            d->family = SG_FAMILY_BOT;
            return;
        }
    }

    d->os = sg_ua_os(p, len);

    /* Phones say "Mobile"; iPad Safari does too, but it is a tablet. */
    d->mobile = sg_has(p, len, "Mobile") && !sg_has(p, len, "iPad");

    for (i = 0; i < sizeof(sg_browser_tokens) / sizeof(sg_browser_tokens[0]);
         i++) {
        const sg_device_token_t *t = &sg_browser_tokens[i];

        if (sg_has(p, len, t->text)) {
            d->family = t->family;
            d->major = sg_version_after(p, len, t->text);
            return;
        }
    }

    if (sg_has(p, len, "AppleWebKit/") &&
        (d->os == SG_OS_IOS || d->os == SG_OS_MACOS)) {
        /* In-app web views lack "Version/" and keep major 0. */
        d->family = SG_FAMILY_SAFARI;
        d->major = sg_version_after(p, len, "Version/");
    }
}


/*
 * Reads one structured-field string ("...") at *pos.  Escapes are kept in
 * the returned slice: no brand or platform we recognise contains one, so an
 * escaped name simply stays unrecognised.  Returns 0 or -1.
 */
static int
sg_sf_string(const char *p, size_t len, size_t *pos, sg_str_t *out)
{
    size_t i = *pos;

    if (i >= len || p[i] != '"') {
        return -1;
    }

    out->data = p + ++i;

    while (i < len && p[i] != '"') {
        if (p[i] == '\\') {
            i++;
        }

        if (i < len && ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)) {
            return -1;
        }

        i++;
    }

    if (i >= len) {
        return -1;
    }

    out->len = (size_t) (p + i - out->data);
    *pos = i + 1;

    return 0;
}


/*
 * Finds the family a sec-ch-ua list names, and its "v" version.  Returns -1
 * on malformed input: then none of the hints are believed.
 */
static int
sg_parse_brands(const char *p, size_t len, sg_family_e *family, uint32_t *major)
{
    size_t   pos = 0, i;
    sg_str_t brand, key, val;

    *family = SG_FAMILY_NONE;
    *major = 0;

    for (;;) {
        sg_family_e f = SG_FAMILY_NONE;
        uint32_t    v = 0;

        while (pos < len && sg_is_ows(p[pos])) {
            pos++;
        }

        if (pos == len) {
            return 0;
        }

        if (sg_sf_string(p, len, &pos, &brand) != 0) {
            return -1;
        }

        while (pos < len && p[pos] == ';') {
            pos++;
            key.data = p + pos;

            while (pos < len &&
                   ((p[pos] >= 'a' && p[pos] <= 'z') ||
                    (p[pos] >= '0' && p[pos] <= '9') || p[pos] == '_' ||
                    p[pos] == '-' || p[pos] == '.' || p[pos] == '*')) {
                pos++;
            }

            key.len = (size_t) (p + pos - key.data);

            if (key.len == 0) {
                return -1;
            }

            if (pos < len && p[pos] == '=') {
                pos++;

                if (pos < len && p[pos] == '"') {
                    if (sg_sf_string(p, len, &pos, &val) != 0) {
                        return -1;
                    }

                } else {
                    val.data = p + pos;

                    while (pos < len && p[pos] != ';' && p[pos] != ',' &&
                           !sg_is_ows(p[pos])) {
                        pos++;
                    }

                    val.len = (size_t) (p + pos - val.data);
                }

                if (key.len == 1 && key.data[0] == 'v') {
                    v = sg_leading_number(val.data, val.len);
                }
            }
        }

        /*
         * Only exact known names count, so GREASE brands ("Not A;Brand",
         * "Not/A)Brand", ...) and unknown ones such as "Brave" fall through.
         */
        for (i = 0; i < sizeof(sg_brands) / sizeof(sg_brands[0]); i++) {
            if (brand.len == sg_brands[i].len &&
                memcmp(brand.data, sg_brands[i].text, brand.len) == 0) {
                f = sg_brands[i].family;
            }
        }

        if (f != SG_FAMILY_NONE && *family == SG_FAMILY_NONE) {
            *family = f;
            *major = v;
        }

        while (pos < len && sg_is_ows(p[pos])) {
            pos++;
        }

        if (pos == len) {
            return 0;
        }

        if (p[pos] != ',') {
            return -1;
        }

        pos++;
    }
}


static sg_str_t
sg_trim(const char *p, size_t len)
{
    sg_str_t s;

    while (len > 0 && sg_is_ows(p[0])) {
        p++;
        len--;
    }

    while (len > 0 && sg_is_ows(p[len - 1])) {
        len--;
    }

    s.data = p;
    s.len = len;

    return s;
}


/*
 * Client hints are more precise than the frozen parts of Chromium's reduced
 * User-Agent (Android "K", macOS "10_15_7"), and "request desktop site"
 * changes the UA but not the hints.  They only refine browsers: a tool or a
 * bot sending them is not believed.
 */
static void
sg_apply_hints(const sg_device_input_t *in, sg_device_t *d)
{
    sg_family_e family;
    uint32_t    major;
    sg_str_t    s, plat;
    size_t      i, pos;

    if (sg_family_is_tool(d->family)) {
        return;
    }

    if (in->ch_ua.len > 0 &&
        sg_parse_brands(in->ch_ua.data, in->ch_ua.len, &family, &major) == 0 &&
        family != SG_FAMILY_NONE) {
        d->family = family;
        d->major = major;

        if (family == SG_FAMILY_BOT) {
            d->os = SG_OS_OTHER;
            d->mobile = 0;
            return;
        }
    }

    s = sg_trim(in->ch_ua_platform.data, in->ch_ua_platform.len);
    pos = 0;

    if (s.len > 0 && sg_sf_string(s.data, s.len, &pos, &plat) == 0 &&
        pos == s.len) {
        for (i = 0; i < sizeof(sg_platforms) / sizeof(sg_platforms[0]); i++) {
            if (plat.len == sg_platforms[i].len &&
                memcmp(plat.data, sg_platforms[i].text, plat.len) == 0) {
                d->os = sg_platforms[i].os;
            }
        }
    }

    s = sg_trim(in->ch_ua_mobile.data, in->ch_ua_mobile.len);

    if (s.len == 2 && s.data[0] == '?' &&
        (s.data[1] == '0' || s.data[1] == '1')) {
        d->mobile = (uint8_t) (s.data[1] - '0');
    }
}


/*
 * The primary subtag of the first non-empty Accept-Language element.  An
 * element that is not a plausible tag leaves the language unknown rather
 * than guessing.
 */
static void
sg_parse_lang(const char *p, size_t len, char *lang)
{
    size_t   i, start, n;
    sg_str_t e;

    lang[0] = '\0';
    start = 0;

    if (len == 0) {
        return;
    }

    for (i = 0; i <= len; i++) {
        if (i < len && p[i] != ',') {
            continue;
        }

        e = sg_trim(p + start, i - start);
        start = i + 1;

        for (n = 0; n < e.len && e.data[n] != ';'; n++) {
            /* the element without its q-value */
        }

        e = sg_trim(e.data, n);

        if (e.len == 0) {
            continue;
        }

        if (e.len == 1 && e.data[0] == '*') {
            lang[0] = '*';
            lang[1] = '\0';
            return;
        }

        for (n = 0; n < e.len && e.data[n] != '-' && e.data[n] != '_'; n++) {
            int c = sg_lower((unsigned char) e.data[n]);

            if (c < 'a' || c > 'z' || n == SG_DEVICE_LANG_MAX) {
                lang[0] = '\0';
                return;
            }

            lang[n] = (char) c;
        }

        lang[n] = '\0';
        return;
    }
}


static uint8_t
sg_parse_encodings(const char *p, size_t len)
{
    static const struct {
        const char *name;
        uint8_t     bit;
    } codings[] = {
        {"gzip", SG_ENC_GZIP},         {"x-gzip", SG_ENC_GZIP},
        {"deflate", SG_ENC_DEFLATE},   {"br", SG_ENC_BR},
        {"zstd", SG_ENC_ZSTD},         {"identity", SG_ENC_IDENTITY},
        {"compress", SG_ENC_COMPRESS}, {"x-compress", SG_ENC_COMPRESS},
    };

    uint8_t  mask = 0, bit;
    size_t   i, j, n, start = 0;
    sg_str_t e;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i <= len; i++) {
        if (i < len && p[i] != ',') {
            continue;
        }

        e = sg_trim(p + start, i - start);
        start = i + 1;

        for (n = 0; n < e.len && e.data[n] != ';'; n++) {
            /* the coding without its q-value */
        }

        e = sg_trim(e.data, n);

        if (e.len == 0) {
            continue;
        }

        bit = SG_ENC_OTHER;

        for (j = 0; j < sizeof(codings) / sizeof(codings[0]); j++) {
            if (sg_ci_equal(e.data, e.len, codings[j].name,
                            strlen(codings[j].name))) {
                bit = codings[j].bit;
                break;
            }
        }

        mask |= bit;
    }

    return mask;
}


static void
sg_parse_order(const sg_str_t *names, size_t n, sg_device_t *d)
{
    uint8_t seen[SG_DEVICE_ORDER_MAX + 1];
    size_t  i, j;

    memset(seen, 0, sizeof(seen));

    for (i = 0; i < n; i++) {
        for (j = 0; j < SG_DEVICE_ORDER_MAX; j++) {
            if (sg_ci_equal(names[i].data, names[i].len, sg_order_names[j],
                            strlen(sg_order_names[j]))) {
                break;
            }
        }

        if (j == SG_DEVICE_ORDER_MAX || seen[j + 1]) {
            continue;
        }

        seen[j + 1] = 1;
        d->order[d->order_len++] = (uint8_t) (j + 1);
    }
}


static int
sg_is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}


/* Whether the form so far, out[0..n), has the word w (any case). */
static int
sg_client_has_word(const char *out, size_t n, const char *w, size_t wlen)
{
    size_t i = 0, end;

    while (i < n) {
        end = i;

        while (end < n && out[end] != '-') {
            end++;
        }

        if (sg_ci_equal(out + i, end - i, w, wlen)) {
            return 1;
        }

        i = end + 1;
    }

    return 0;
}


/* The words of an unrecognised User-Agent (see sg_device_t.client). */
static void
sg_client_words(const char *p, size_t len, char *out)
{
    size_t i = 0, start, k, n = 0;
    int    digit;

    out[0] = '\0';

    while (i < len) {
        if (!sg_is_alnum((unsigned char) p[i])) {
            i++;
            continue;
        }

        start = i;
        digit = 0;

        while (i < len && sg_is_alnum((unsigned char) p[i])) {
            digit |= p[i] >= '0' && p[i] <= '9';
            i++;
        }

        if (digit || sg_client_has_word(out, n, p + start, i - start)) {
            continue;
        }

        /* a word that does not fit ends the form: the bound is a prefix */
        if (n + (n > 0) + (i - start) > SG_DEVICE_CLIENT_MAX) {
            break;
        }

        if (n > 0) {
            out[n++] = '-';
        }

        for (k = start; k < i; k++) {
            out[n++] = (char) sg_lower((unsigned char) p[k]);
        }
    }

    out[n] = '\0';
}


int
sg_device_parse(const sg_device_input_t *in, sg_device_t *out)
{
    if (in == NULL || out == NULL) {
        return -1;
    }

    memset(out, 0, sizeof(*out));

    sg_parse_ua(in->user_agent.data, in->user_agent.len, out);
    sg_apply_hints(in, out);

    if (out->family == SG_FAMILY_OTHER) {
        sg_client_words(in->user_agent.data, in->user_agent.len, out->client);
    }
    sg_parse_lang(in->accept_language.data, in->accept_language.len, out->lang);
    out->encodings =
        sg_parse_encodings(in->accept_encoding.data, in->accept_encoding.len);

    if (in->header_names != NULL) {
        sg_parse_order(in->header_names, in->n_header_names, out);
    }

    return 0;
}


int
sg_family_is_tool(sg_family_e family)
{
    return family >= SG_FAMILY_CURL && family <= SG_FAMILY_BOT;
}


const char *
sg_family_name(sg_family_e family)
{
    if ((unsigned) family >= SG_FAMILY_COUNT) {
        return NULL;
    }

    return sg_family_names[family];
}


const char *
sg_os_name(sg_os_e os)
{
    if ((unsigned) os >= SG_OS_COUNT) {
        return NULL;
    }

    return sg_os_names[os];
}


/*
 * 1 when every pair of headers that both requests sent came in the same
 * relative order.  A header only one of them sent says nothing about order.
 */
static int
sg_order_consistent(const sg_device_t *a, const sg_device_t *b)
{
    uint8_t pos[SG_DEVICE_ORDER_MAX + 1];
    size_t  i;
    int     last = 0;

    memset(pos, 0, sizeof(pos));

    for (i = 0; i < a->order_len; i++) {
        pos[a->order[i]] = (uint8_t) (i + 1);
    }

    for (i = 0; i < b->order_len; i++) {
        int p = pos[b->order[i]];

        if (p == 0) {
            continue;
        }

        if (p < last) {
            return 0;
        }

        last = p;
    }

    return 1;
}


sg_device_diff_t
sg_device_compare(const sg_device_t *bound, const sg_device_t *seen)
{
    sg_device_diff_t r = {0, 0};
    uint32_t         sig[6];
    size_t           n = 0, i, strongest = 0;
    uint32_t         total;

    if (bound == NULL || seen == NULL) {
        r.changed = SG_DEV_CHG_FAMILY;
        r.significance = 100;
        return r;
    }

    if (bound->family != seen->family) {
        r.changed |= SG_DEV_CHG_FAMILY;
        sig[n++] = (sg_family_is_tool(bound->family) ||
                    sg_family_is_tool(seen->family))
                       ? SG_DEV_SIG_FAMILY_TOOL
                       : SG_DEV_SIG_FAMILY;

    } else if (bound->client[0] != '\0' && seen->client[0] != '\0' &&
               strcmp(bound->client, seen->client) != 0) {
        /* Two unrecognised clients: another program, not an update. */
        r.changed |= SG_DEV_CHG_FAMILY;
        sig[n++] = SG_DEV_SIG_FAMILY;

    } else if (bound->major != 0 && seen->major != 0) {
        /* Versions of different families are not comparable. */
        if (seen->major < bound->major) {
            r.changed |= SG_DEV_CHG_MAJOR_DOWN;
            sig[n++] = SG_DEV_SIG_MAJOR_DOWN;

        } else if (seen->major > bound->major + 2) {
            r.changed |= SG_DEV_CHG_MAJOR_JUMP;
            sig[n++] = SG_DEV_SIG_MAJOR_JUMP;

        } else if (seen->major > bound->major) {
            r.changed |= SG_DEV_CHG_MAJOR_UP_SMALL;
        }
    }

    if (bound->os != seen->os) {
        r.changed |= SG_DEV_CHG_OS;
        sig[n++] = SG_DEV_SIG_OS;
    }

    if (bound->mobile != seen->mobile) {
        r.changed |= SG_DEV_CHG_MOBILE;
        sig[n++] = SG_DEV_SIG_MOBILE;
    }

    if (bound->encodings != seen->encodings) {
        r.changed |= SG_DEV_CHG_ENCODING;
        sig[n++] = SG_DEV_SIG_ENCODING;
    }

    /* HTTP/2 requests carry no order: only two HTTP/1.1 ones are compared. */
    if (bound->order_len > 0 && seen->order_len > 0 &&
        !sg_order_consistent(bound, seen)) {
        r.changed |= SG_DEV_CHG_ORDER;
        sig[n++] = SG_DEV_SIG_ORDER;
    }

    if (strcmp(bound->lang, seen->lang) != 0) {
        r.changed |= SG_DEV_CHG_LANG;
    }

    if (n == 0) {
        return r;
    }

    for (i = 1; i < n; i++) {
        if (sig[i] > sig[strongest]) {
            strongest = i;
        }
    }

    total = sig[strongest] + (uint32_t) (n - 1) * SG_DEV_SIG_EXTRA;
    r.significance = total > 100 ? 100 : total;

    return r;
}


static void
sg_fnv1a(uint64_t *h, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t         i;

    for (i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= 0x100000001b3ULL;
    }
}


/* What sg_client_words() can write: words of [a-z] joined by single '-'. */
static int
sg_client_valid(const char *p, size_t len, size_t cap)
{
    size_t i;

    if (len >= cap || (len > 0 && (p[0] == '-' || p[len - 1] == '-'))) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (p[i] == '-' ? p[i + 1] == '-' : (p[i] < 'a' || p[i] > 'z')) {
            return 0;
        }
    }

    return 1;
}


static int
sg_device_valid(const sg_device_t *d)
{
    size_t i;

    if ((unsigned) d->family >= SG_FAMILY_COUNT ||
        (unsigned) d->os >= SG_OS_COUNT || d->major > SG_DEVICE_MAJOR_MAX ||
        d->mobile > 1 || (d->encodings & ~SG_ENC_ALL) != 0 ||
        d->order_len > SG_DEVICE_ORDER_MAX ||
        memchr(d->lang, '\0', sizeof(d->lang)) == NULL ||
        memchr(d->client, '\0', sizeof(d->client)) == NULL ||
        !sg_client_valid(d->client, strlen(d->client), sizeof(d->client)) ||
        (d->client[0] != '\0' && d->family != SG_FAMILY_OTHER)) {
        return 0;
    }

    for (i = 0; i < d->order_len; i++) {
        if (d->order[i] == 0 || d->order[i] > SG_DEVICE_ORDER_MAX) {
            return 0;
        }
    }

    return 1;
}


int
sg_device_hash(const sg_device_t *d, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t          h = 0xcbf29ce484222325ULL;
    uint8_t           b[4];
    const char       *s;
    size_t            i;

    if (d == NULL || buf == NULL || cap < SG_DEVICE_HASH_LEN + 1 ||
        !sg_device_valid(d)) {
        return -1;
    }

    /*
     * Names rather than enum values, and a fixed byte order, so that the id
     * a user saw in a log stays the same across builds and machines.
     */
    s = sg_family_names[d->family];
    sg_fnv1a(&h, s, strlen(s) + 1);

    b[0] = (uint8_t) (d->major >> 24);
    b[1] = (uint8_t) (d->major >> 16);
    b[2] = (uint8_t) (d->major >> 8);
    b[3] = (uint8_t) d->major;
    sg_fnv1a(&h, b, 4);

    s = sg_os_names[d->os];
    sg_fnv1a(&h, s, strlen(s) + 1);
    sg_fnv1a(&h, &d->mobile, 1);
    sg_fnv1a(&h, d->lang, strlen(d->lang) + 1);
    sg_fnv1a(&h, &d->encodings, 1);

    for (i = 0; i < d->order_len; i++) {
        if (sg_order_core[d->order[i] - 1]) {
            sg_fnv1a(&h, &d->order[i], 1);
        }
    }

    /* Only where there is one, so that known clients keep their ids. */
    if (d->client[0] != '\0') {
        sg_fnv1a(&h, d->client, strlen(d->client) + 1);
    }

    /* The high bits of FNV-1a are the better mixed ones. */
    for (i = 0; i < SG_DEVICE_HASH_LEN; i++) {
        buf[i] = hex[(h >> (60 - 4 * i)) & 0x0f];
    }

    buf[SG_DEVICE_HASH_LEN] = '\0';

    return SG_DEVICE_HASH_LEN;
}


/*
 * Layout: "d1:<family>:<major>:<os>:<mobile>:<lang|->:<enc hex2>:<ids|->",
 * ids being two lower-case hex digits each, then ":<client>" for an
 * unrecognised client that has one (records written before it existed have
 * eight fields, and still read).  "d1" lets a later format be told
 * apart from this one.
 */
int
sg_device_encode(const sg_device_t *d, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char              tmp[SG_DEVICE_ENCODED_MAX];
    char              num[12];
    size_t            n = 0, i, k;
    uint32_t          v;
    const char       *parts[2];

    if (d == NULL || buf == NULL || !sg_device_valid(d)) {
        return -1;
    }

#define sg_put(s)                 \
    do {                          \
        size_t l_ = strlen(s);    \
        memcpy(tmp + n, (s), l_); \
        n += l_;                  \
    } while (0)

    k = sizeof(num);
    num[--k] = '\0';
    v = d->major;

    do {
        num[--k] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    parts[0] = sg_family_names[d->family];
    parts[1] = sg_os_names[d->os];

    sg_put("d1:");
    sg_put(parts[0]);
    sg_put(":");
    sg_put(num + k);
    sg_put(":");
    sg_put(parts[1]);
    sg_put(d->mobile ? ":1:" : ":0:");
    sg_put(d->lang[0] ? d->lang : "-");
    sg_put(":");
    tmp[n++] = hex[d->encodings >> 4];
    tmp[n++] = hex[d->encodings & 0x0f];
    tmp[n++] = ':';

    if (d->order_len == 0) {
        tmp[n++] = '-';
    }

    for (i = 0; i < d->order_len; i++) {
        tmp[n++] = hex[d->order[i] >> 4];
        tmp[n++] = hex[d->order[i] & 0x0f];
    }

    if (d->client[0] != '\0') {
        sg_put(":");
        sg_put(d->client);
    }

#undef sg_put

    if (n + 1 > cap) {
        return -1;
    }

    memcpy(buf, tmp, n);
    buf[n] = '\0';

    return (int) n;
}


/*
 * Splits p into at most n ':'-separated fields.  Returns how many, or -1
 * when there are more.
 */
static int
sg_split_fields(const char *p, size_t len, sg_str_t *f, size_t n)
{
    size_t i, k = 0, start = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && p[i] != ':') {
            continue;
        }

        if (k == n) {
            return -1;
        }

        f[k].data = p + start;
        f[k].len = i - start;
        k++;
        start = i + 1;
    }

    return (int) k;
}


static int
sg_hex_byte(const char *p)
{
    int hi = sg_hex_digit_lower((unsigned char) p[0]);
    int lo = sg_hex_digit_lower((unsigned char) p[1]);

    return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}


int
sg_device_decode(const char *p, size_t len, sg_device_t *out)
{
    sg_str_t    f[9];
    sg_device_t d;
    uint8_t     seen[SG_DEVICE_ORDER_MAX + 1];
    size_t      i;
    int         b, nf;

    if (p == NULL || out == NULL) {
        return -1;
    }

    nf = sg_split_fields(p, len, f, 9);
    if (nf != 8 && nf != 9) {
        return -1;
    }

    memset(&d, 0, sizeof(d));

    if (f[0].len != 2 || memcmp(f[0].data, "d1", 2) != 0) {
        return -1;
    }

    d.family = SG_FAMILY_COUNT;

    for (i = 0; i < SG_FAMILY_COUNT; i++) {
        if (f[1].len == strlen(sg_family_names[i]) &&
            memcmp(f[1].data, sg_family_names[i], f[1].len) == 0) {
            d.family = (sg_family_e) i;
        }
    }

    if (d.family == SG_FAMILY_COUNT) {
        return -1;
    }

    /* Canonical decimal only: no sign, no leading zero, within range. */
    if (f[2].len == 0 || f[2].len > 5 ||
        (f[2].len > 1 && f[2].data[0] == '0')) {
        return -1;
    }

    for (i = 0; i < f[2].len; i++) {
        if (f[2].data[i] < '0' || f[2].data[i] > '9') {
            return -1;
        }

        d.major = d.major * 10 + (uint32_t) (f[2].data[i] - '0');
    }

    d.os = SG_OS_COUNT;

    for (i = 0; i < SG_OS_COUNT; i++) {
        if (f[3].len == strlen(sg_os_names[i]) &&
            memcmp(f[3].data, sg_os_names[i], f[3].len) == 0) {
            d.os = (sg_os_e) i;
        }
    }

    if (d.os == SG_OS_COUNT) {
        return -1;
    }

    if (f[4].len != 1 || (f[4].data[0] != '0' && f[4].data[0] != '1')) {
        return -1;
    }

    d.mobile = (uint8_t) (f[4].data[0] - '0');

    if (f[5].len == 1 && f[5].data[0] == '-') {
        d.lang[0] = '\0';

    } else if (f[5].len == 1 && f[5].data[0] == '*') {
        d.lang[0] = '*';

    } else {
        if (f[5].len == 0 || f[5].len > SG_DEVICE_LANG_MAX) {
            return -1;
        }

        for (i = 0; i < f[5].len; i++) {
            if (f[5].data[i] < 'a' || f[5].data[i] > 'z') {
                return -1;
            }

            d.lang[i] = f[5].data[i];
        }
    }

    if (f[6].len != 2 || (b = sg_hex_byte(f[6].data)) < 0 ||
        (b & ~SG_ENC_ALL) != 0) {
        return -1;
    }

    d.encodings = (uint8_t) b;

    if (!(f[7].len == 1 && f[7].data[0] == '-')) {
        if (f[7].len == 0 || f[7].len % 2 != 0 ||
            f[7].len > 2 * SG_DEVICE_ORDER_MAX) {
            return -1;
        }

        memset(seen, 0, sizeof(seen));

        for (i = 0; i < f[7].len; i += 2) {
            b = sg_hex_byte(f[7].data + i);

            if (b < 1 || b > SG_DEVICE_ORDER_MAX || seen[b]) {
                return -1;
            }

            seen[b] = 1;
            d.order[d.order_len++] = (uint8_t) b;
        }
    }

    if (nf == 9) {
        if (f[8].len == 0 || d.family != SG_FAMILY_OTHER ||
            !sg_client_valid(f[8].data, f[8].len, sizeof(d.client))) {
            return -1;
        }

        memcpy(d.client, f[8].data, f[8].len);
    }

    *out = d;

    return 0;
}


uint64_t
sg_device_input_sig(const sg_device_input_t *in,
                    const uint8_t            seed[SG_FOLD_SEED_LEN])
{
    sg_fold_t f;
    size_t    i;

    sg_fold_init(&f, seed);
    sg_fold_field(&f, in->user_agent.data, in->user_agent.len);
    sg_fold_field(&f, in->ch_ua.data, in->ch_ua.len);
    sg_fold_field(&f, in->ch_ua_platform.data, in->ch_ua_platform.len);
    sg_fold_field(&f, in->ch_ua_mobile.data, in->ch_ua_mobile.len);
    sg_fold_field(&f, in->accept_language.data, in->accept_language.len);
    sg_fold_field(&f, in->accept_encoding.data, in->accept_encoding.len);
    sg_fold_u64(&f, in->n_header_names);

    for (i = 0; i < in->n_header_names; i++) {
        sg_fold_field(&f, in->header_names[i].data, in->header_names[i].len);
    }

    return sg_fold_final(&f);
}

/*
 * Linked into the sanitizer build of nginx (scripts/test-asan): UBSan's
 * options, fixed at build time.  UBSan reads UBSAN_OPTIONS only at its
 * first report, from /proc/self/environ, which nginx has overwritten with
 * its process titles by then (and its workers' environment is emptied), so
 * the variable never reaches it; this hook does.
 */

const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
    return SG_UBSAN_OPTIONS;
}

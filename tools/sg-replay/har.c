#include "har.h"

#include <stdio.h>
#include <string.h>

#include "sg_json.h"


int
sg_har_run(const char *path, const sg_replay_har_opts_t *opts)
{
    FILE                 *f;
    sg_json_buf_t         in = {0}, out = {0};
    sg_json_t            *doc;
    sg_json_error_t       jerr;
    sg_replay_har_stats_t st;
    char                  chunk[65536], err[256];
    size_t                n;
    int                   rc = 2;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "sg-replay: %s: cannot open\n", path);
        return 2;
    }

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        sg_json_buf_add(&in, chunk, n);
    }

    if (f != stdin) {
        fclose(f);
    }

    if (in.oom || in.data == NULL) {
        fprintf(stderr, "sg-replay: %s: empty or too large\n", path);
        goto done;
    }

    /* browsers write a UTF-8 byte order mark now and then */
    n = in.len >= 3 && memcmp(in.data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    if (sg_json_parse(in.data + n, in.len - n, &doc, &jerr) != 0) {
        fprintf(stderr, "sg-replay: %s: byte %zu: %s\n", path, jerr.offset + n,
                jerr.msg);
        goto done;
    }

    if (sg_replay_har_convert(doc, opts, &out, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "sg-replay: %s: %s\n", path, err);
        sg_json_free(doc);
        goto done;
    }

    sg_json_free(doc);

    if (out.data != NULL) {
        fputs(out.data, stdout);
    }

    fprintf(stderr,
            "sg-replay: %zu HAR entries: %zu scenario lines, %zu skipped, "
            "%zu sessions\n",
            st.entries, st.written, st.skipped, st.sessions);
    rc = fflush(stdout) == 0 ? 0 : 2;

done:
    sg_json_buf_free(&in);
    sg_json_buf_free(&out);
    return rc;
}

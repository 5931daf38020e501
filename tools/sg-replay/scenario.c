#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_json.h"


/* A text field: a string without NUL, CR or LF (they end up in requests). */
static int
sg_step_str(const sg_json_t *v, char **out)
{
    if (v->type != SG_JSON_STRING || strlen(v->str) != v->str_len ||
        strpbrk(v->str, "\r\n") != NULL) {
        return -1;
    }

    *out = strdup(v->str);
    return *out != NULL ? 0 : -1;
}


static int
sg_step_headers(const sg_json_t *v, sg_step_t *s)
{
    const sg_json_t *h;
    size_t           i = 0;

    if (v->type != SG_JSON_OBJECT) {
        return -1;
    }

    s->headers = calloc(v->n ? v->n : 1, sizeof(sg_header_t));
    if (s->headers == NULL) {
        return -1;
    }

    for (h = v->child; h; h = h->next, i++) {
        if (h->key_len == 0 || strlen(h->key) != h->key_len ||
            strpbrk(h->key, ": \t\r\n") != NULL) {
            return -1;
        }

        s->headers[i].name = strdup(h->key);
        s->n_headers++;

        if (s->headers[i].name == NULL) {
            return -1;
        }

        if (h->type != SG_JSON_NULL &&
            sg_step_str(h, &s->headers[i].value) != 0) {
            return -1;
        }
    }

    return 0;
}


static void
sg_step_free(sg_step_t *s)
{
    size_t i;

    free(s->client);
    free(s->ip);
    free(s->session);
    free(s->user);
    free(s->method);
    free(s->path);
    free(s->body);
    free(s->note);

    for (i = 0; i < s->n_headers; i++) {
        free(s->headers[i].name);
        free(s->headers[i].value);
    }

    free(s->headers);
}


/* Fills s from one parsed line; returns NULL or the reason it is bad. */
static const char *
sg_step_from_json(const sg_json_t *o, sg_step_t *s, const char **bad_key)
{
    const sg_json_t *v;
    int              code;

    if (o->type != SG_JSON_OBJECT) {
        return "a line must be a JSON object";
    }

    for (v = o->child; v; v = v->next) {
        const char *k = v->key;

        if (strcmp(k, "t") == 0) {
            if (v->type != SG_JSON_NUMBER || v->number < 0) {
                return "\"t\" must be a number of seconds >= 0";
            }
            s->t = v->number;
        } else if (strcmp(k, "client") == 0) {
            if (sg_step_str(v, &s->client) != 0) {
                return "\"client\" must be a string";
            }
        } else if (strcmp(k, "ip") == 0) {
            if (sg_step_str(v, &s->ip) != 0) {
                return "\"ip\" must be a string";
            }
        } else if (strcmp(k, "session") == 0) {
            if (sg_step_str(v, &s->session) != 0 || s->session[0] == '\0') {
                return "\"session\" must be a non-empty string";
            }
        } else if (strcmp(k, "user") == 0) {
            if (sg_step_str(v, &s->user) != 0) {
                return "\"user\" must be a string";
            }
        } else if (strcmp(k, "method") == 0) {
            if (sg_step_str(v, &s->method) != 0 || s->method[0] == '\0' ||
                strpbrk(s->method, " \t") != NULL) {
                return "\"method\" must be a token";
            }
        } else if (strcmp(k, "path") == 0) {
            if (sg_step_str(v, &s->path) != 0 || s->path[0] != '/' ||
                strpbrk(s->path, " \t") != NULL) {
                return "\"path\" must start with / and have no spaces";
            }
        } else if (strcmp(k, "body") == 0) {
            if (v->type != SG_JSON_STRING || strlen(v->str) != v->str_len) {
                return "\"body\" must be a string";
            }
            s->body = strdup(v->str);
            if (s->body == NULL) {
                return "out of memory";
            }
        } else if (strcmp(k, "note") == 0) {
            if (sg_step_str(v, &s->note) != 0) {
                return "\"note\" must be a one-line string";
            }
        } else if (strcmp(k, "login") == 0) {
            if (v->type != SG_JSON_TRUE && v->type != SG_JSON_FALSE) {
                return "\"login\" must be true or false";
            }
            s->login = v->type == SG_JSON_TRUE;
        } else if (strcmp(k, "expect") == 0) {
            code =
                v->type == SG_JSON_STRING ? sg_replay_expect_parse(v->str) : -1;
            if (code < 0) {
                return "\"expect\" must be ok, new, tag, block, pass, alert "
                       "or none";
            }
            s->expect = (sg_replay_expect_t) code;
        } else if (strcmp(k, "label") == 0) {
            code =
                v->type == SG_JSON_STRING ? sg_replay_label_parse(v->str) : -1;
            if (code < 0) {
                return "\"label\" must be benign or attack";
            }
            s->label = (sg_replay_label_t) code;
        } else if (strcmp(k, "headers") == 0) {
            if (sg_step_headers(v, s) != 0) {
                return "\"headers\" must be an object of one-line strings "
                       "(or null to remove)";
            }
        } else {
            *bad_key = k;
            return "unknown field";
        }
    }

    if (s->login && s->session == NULL) {
        return "a login needs a \"session\" label to keep its cookie under";
    }

    return NULL;
}


static int
sg_scenario_line(sg_scenario_t *sc, const char *line, size_t len, size_t lineno,
                 double *last_t, char *err, size_t err_len, const char *path)
{
    sg_json_t      *o;
    sg_json_error_t jerr;
    sg_step_t      *steps, *s;
    const char     *why, *bad = NULL;

    if (sg_json_parse(line, len, &o, &jerr) != 0) {
        snprintf(err, err_len, "%s:%zu: column %zu: %s", path, lineno,
                 jerr.offset + 1, jerr.msg);
        return -1;
    }

    steps = realloc(sc->steps, (sc->n + 1) * sizeof(sg_step_t));
    if (steps == NULL) {
        sg_json_free(o);
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    sc->steps = steps;
    s = &sc->steps[sc->n++];
    memset(s, 0, sizeof(*s));
    s->line = lineno;
    s->t = *last_t;

    why = sg_step_from_json(o, s, &bad);
    if (why == NULL && s->t < *last_t) {
        why = "\"t\" goes back in time";
    }

    if (why != NULL) {
        snprintf(err, err_len, "%s:%zu: %s%s%s%s", path, lineno, why,
                 bad ? " \"" : "", bad ? bad : "", bad ? "\"" : "");
        sg_json_free(o);
        return -1;
    }

    *last_t = s->t;
    sg_json_free(o);
    return 0;
}


int
sg_scenario_load(const char *path, sg_scenario_t *sc, char *err, size_t err_len)
{
    FILE   *f;
    char   *line = NULL;
    size_t  cap = 0, lineno = 0, i;
    ssize_t n;
    double  last_t = 0;
    int     rc = 0, blank;

    sc->steps = NULL;
    sc->n = 0;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open", path);
        return -1;
    }

    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            n--;
        }

        blank = 1;
        for (i = 0; i < (size_t) n; i++) {
            if (line[i] != ' ' && line[i] != '\t') {
                blank = 0;
                break;
            }
        }

        if (blank) {
            continue;
        }

        rc = sg_scenario_line(sc, line, (size_t) n, lineno, &last_t, err,
                              err_len, path);
        if (rc != 0) {
            break;
        }
    }

    free(line);
    if (f != stdin) {
        fclose(f);
    }

    if (rc == 0 && sc->n == 0) {
        snprintf(err, err_len, "%s: no requests", path);
        rc = -1;
    }

    if (rc != 0) {
        sg_scenario_free(sc);
    }

    return rc;
}


void
sg_scenario_free(sg_scenario_t *sc)
{
    size_t i;

    for (i = 0; i < sc->n; i++) {
        sg_step_free(&sc->steps[i]);
    }

    free(sc->steps);
    sc->steps = NULL;
    sc->n = 0;
}

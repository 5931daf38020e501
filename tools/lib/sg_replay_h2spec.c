#include "sg_replay_h2spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* A decimal in [0, max] ending at one of stop (or the string's end). */
static int
sg_h2spec_num(const char **p, unsigned long max, const char *stop,
              unsigned long *out)
{
    char *end;

    if (**p < '0' || **p > '9') {
        return -1;
    }

    errno = 0;
    *out = strtoul(*p, &end, 10);
    if (errno != 0 || *out > max || (*end != '\0' && !strchr(stop, *end))) {
        return -1;
    }

    *p = end;
    return 0;
}


int
sg_h2spec_settings(const char *s, uint16_t *ids, uint32_t *values, size_t max,
                   size_t *n)
{
    unsigned long id, v;
    size_t        i;

    *n = 0;

    while (*s != '\0') {
        if (*n == max || sg_h2spec_num(&s, 0xffff, ":", &id) != 0 || id == 0 ||
            *s++ != ':' || sg_h2spec_num(&s, 0xffffffffUL, ";,", &v) != 0) {
            return -1;
        }

        for (i = 0; i < *n; i++) {
            if (ids[i] == id) {
                return -1;
            }
        }

        ids[*n] = (uint16_t) id;
        values[*n] = (uint32_t) v;
        (*n)++;

        if (*s != '\0' && *++s == '\0') {
            return -1;
        }
    }

    return 0;
}


int
sg_h2spec_priority(const char *s, uint16_t *weight, int *exclusive,
                   uint32_t *depends_on)
{
    unsigned long w, x, d;

    if (strcmp(s, "0") == 0 || *s == '\0') {
        *weight = 0;
        *exclusive = 0;
        *depends_on = 0;
        return 0;
    }

    if (sg_h2spec_num(&s, 256, ":", &w) != 0 || w == 0 || *s++ != ':' ||
        sg_h2spec_num(&s, 1, ":", &x) != 0 || *s++ != ':' ||
        sg_h2spec_num(&s, 0x7fffffffUL, "", &d) != 0) {
        return -1;
    }

    *weight = (uint16_t) w;
    *exclusive = (int) x;
    *depends_on = (uint32_t) d;
    return 0;
}


int
sg_h2spec_pseudo(const char *s, char out[5])
{
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strchr("masp", s[0]) == NULL || s[0] == '\0' ||
            memchr(out, s[0], i) != NULL || (i < 3 && s[1] != ',') ||
            (i == 3 && s[1] != '\0')) {
            return -1;
        }
        out[i] = s[0];
        s += i < 3 ? 2 : 1;
    }

    out[4] = '\0';
    return 0;
}

/*
 * --har: reads a HAR export and writes the scenario it converts to (see
 * sg_replay_har.h) on stdout, with what was kept and skipped on stderr.
 */

#ifndef SG_REPLAY_HAR_IO_H
#define SG_REPLAY_HAR_IO_H

#include "sg_replay_har.h"

/* Returns the process exit status. */
int sg_har_run(const char *path, const sg_replay_har_opts_t *opts);

#endif /* SG_REPLAY_HAR_IO_H */

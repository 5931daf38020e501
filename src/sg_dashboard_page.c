/*
 * Generated from dashboard/index.html by scripts/embed-lua; do not edit:
 * change the .lua files and run `make scripts`.
 */

#include "sg_dashboard.h"


/* dashboard/index.html */
const char sg_dashboard_page[] =
    "<!doctype html>\n"
    "<html><head><meta charset=\"utf-8\">\n"
    "<title>session_guard</title></head><body>placeholder</body></html>\n";

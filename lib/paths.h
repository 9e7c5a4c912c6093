/*
 * paths.h - file system paths that more than one role must agree on.  A
 * path one role alone uses stays in that role's own header.
 */
#ifndef BULKHEAD_PATHS_H
#define BULKHEAD_PATHS_H

/* The desktop's and the terminals' font unless the desktop config names
 * another (config/desktop_config.h). */
#define FONT_DEFAULT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

/* xenconsoled logs domain NAME's console to XEN_CONSOLE_DIR/guest-NAME.log
 * (PID 1 starts it so, `ctl console' reads it). */
#define XEN_CONSOLE_DIR "/var/log/xen/console"

#endif

/*
 * compositor.h - the compositor role: `bulkhead compositor', a process of
 * its own, started by PID 1.  It owns the screen (an output), the GUI
 * channels to the domains, the desktop's state and its control socket.
 *
 *   bulkhead compositor [--config DIR] [--headless WxH]
 *
 * One event loop (poll): the domains' channels, the control socket, the
 * output's flip events and a clock tick.  Everything a domain sends is
 * decoded by gui_decode() and then checked against the compositor's state
 * in handle_message(), in one place; any failure drops that domain's
 * channel (logged) and nothing else.  Frames are rendered only where
 * something changed, and only when the output is not still flipping.
 *
 * The domains with `gui = 1' in CONFIG_DIR/domains get a channel each:
 * on Xen the vchan a running domain offers (found by the domid the domain
 * manager gives), and for tests and development a socket GUI_DIR/NAME.sock
 * that stands for the domain (whoever connects there speaks as that
 * domain: dom0's root only).
 */
#ifndef BULKHEAD_COMPOSITOR_H
#define BULKHEAD_COMPOSITOR_H

int compositor_main(int argc, char **argv);

#endif

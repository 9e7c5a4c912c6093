/*
 * demo.h - `bulkhead gui-demo', a GUI protocol client for tests and demos
 * (gui/demo.c says what it does).
 */
#ifndef BULKHEAD_GUI_DEMO_H
#define BULKHEAD_GUI_DEMO_H

int gui_demo_main(int argc, char **argv);

#endif

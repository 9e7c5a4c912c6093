/*
 * test_uevent.c - which kernel uevents are a DRM hotplug, or an input
 * device's (display/uevent.h).
 */
#include "tests/unit/test_helpers.h"

#include "display/uevent.h"

/* A uevent as the kernel sends it: FIELDS, each ended by its NUL. */
#define MSG(fields) (fields), sizeof(fields) - 1

/* virtio-gpu's, when QEMU's window for a head opens or closes. */
static void a_drm_hotplug(void **state)
{
	(void)state;
	assert_true(uevent_is_drm_hotplug(MSG("change@/devices/pci0000:00/0000:00:03.0/virtio0/"
					      "drm/card0\0ACTION=change\0DEVPATH=/devices/"
					      "pci0000:00/0000:00:03.0/virtio0/drm/card0\0"
					      "SUBSYSTEM=drm\0HOTPLUG=1\0DEVNAME=dri/card0\0"
					      "DEVTYPE=drm_minor\0SEQNUM=2021\0MAJOR=226\0"
					      "MINOR=0\0")));
	/* The fields in any order, the last one without its NUL. */
	assert_true(uevent_is_drm_hotplug(MSG("change@/x\0HOTPLUG=1\0SUBSYSTEM=drm")));
}

/* Not a hotplug: another subsystem's change, a DRM device's coming, a
 * field that only begins or ends like the one looked for, the words in
 * the header or across fields, nothing. */
static void not_a_drm_hotplug(void **state)
{
	(void)state;
	assert_false(uevent_is_drm_hotplug(MSG("change@/devices/x/power_supply/BAT0\0"
					       "ACTION=change\0SUBSYSTEM=power_supply\0"
					       "HOTPLUG=1\0")));
	assert_false(uevent_is_drm_hotplug(MSG("add@/devices/x/drm/card0\0ACTION=add\0"
					       "SUBSYSTEM=drm\0DEVNAME=dri/card0\0")));
	assert_false(uevent_is_drm_hotplug(MSG("change@/x\0SUBSYSTEM=drmx\0HOTPLUG=1\0")));
	assert_false(uevent_is_drm_hotplug(MSG("change@/x\0SUBSYSTEM=drm\0HOTPLUG=10\0")));
	assert_false(uevent_is_drm_hotplug(MSG("change@/x\0XSUBSYSTEM=drm\0HOTPLUG=1\0")));
	assert_false(uevent_is_drm_hotplug(MSG("SUBSYSTEM=drm@/x\0HOTPLUG=1\0")));
	assert_false(uevent_is_drm_hotplug(MSG("change@/x\0SUBSYSTEM=dr\0m\0HOTPLUG=1\0")));
	assert_false(uevent_is_drm_hotplug(MSG("")));
	assert_false(uevent_is_drm_hotplug(MSG("\0\0\0")));
}

/* A USB keyboard plugged in: its input device, then its event device
 * (the one with a node: the agent's rescan finds it then). */
static void an_input_device(void **state)
{
	(void)state;
	assert_true(uevent_is_input(MSG("add@/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0/"
					"0003:0627:0001.0001/input/input5\0ACTION=add\0"
					"DEVPATH=/devices/x/input/input5\0SUBSYSTEM=input\0"
					"PRODUCT=3/627/1/110\0NAME=\"QEMU USB Keyboard\"\0SEQNUM=1\0")));
	assert_true(uevent_is_input(MSG("add@/devices/x/input/input5/event3\0ACTION=add\0"
					"SUBSYSTEM=input\0MAJOR=13\0MINOR=67\0"
					"DEVNAME=input/event3\0SEQNUM=2\0")));
	assert_false(uevent_is_input(MSG("add@/devices/x/usb1/1-1\0ACTION=add\0SUBSYSTEM=usb\0"
					 "DEVTYPE=usb_device\0")));
	assert_false(uevent_is_input(MSG("add@/x\0SUBSYSTEM=inputx\0")));
	assert_false(uevent_is_input(MSG("add@/x\0XSUBSYSTEM=input\0")));
	assert_false(uevent_is_input(MSG("SUBSYSTEM=input@/x\0")));
	assert_false(uevent_is_input(MSG("")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_drm_hotplug),
		cmocka_unit_test(not_a_drm_hotplug),
		cmocka_unit_test(an_input_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

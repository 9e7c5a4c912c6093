/*
 * test_uevent.c - which kernel uevents are a DRM hotplug (display/uevent.h).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_drm_hotplug),
		cmocka_unit_test(not_a_drm_hotplug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

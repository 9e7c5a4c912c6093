#include "init/emergency.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/log.h"

pid_t emergency_shell_start(const char *shell)
{
	if (access(shell, X_OK) < 0) {
		log_err("init", "no emergency shell: %s: %s", shell, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_err("init", "cannot start the emergency shell: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		log_err("init", "emergency shell %s started on the console (pid %d)", shell, pid);
		log_event("init", "emergency-shell", "shell=%s pid=%d", shell, pid);
		return pid;
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 1);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	dprintf(STDERR_FILENO, "\nbulkhead: the boot failed (see above). This is an emergency "
		"shell; `bulkhead ctl reboot' or ctrl-alt-del restarts.\n");
	execl(shell, "-sh", (char *)NULL);
	dprintf(STDERR_FILENO, "bulkhead: cannot execute %s: %s\n", shell, strerror(errno));
	_exit(127);
}

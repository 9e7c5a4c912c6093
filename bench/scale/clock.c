/*
 * bench/scale/clock.c - dom0's clock for bench/scale/config/scripts/scale.sh:
 * busybox's date has no sub-second field and /proc/uptime ticks in 10 ms,
 * coarse for a `ctl list' of a few ms.
 *   clock             prints CLOCK_MONOTONIC in seconds, 6 decimals
 *   clock ms CMD...   runs CMD (its stdout to /dev/null), prints its wall
 *                     time in ms, 3 decimals; exits with CMD's status
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		printf("%.6f\n", now());
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "ms") != 0) {
		fprintf(stderr, "usage: clock | clock ms CMD [ARG...]\n");
		return 2;
	}
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("clock: fork");
		return 1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[2], argv + 2);
		perror("clock: exec");
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		;
	printf("%.3f\n", (now() - t0) * 1000);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

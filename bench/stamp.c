/*
 * stamp - the service that bench/pid1.sh restarts.  The first thing it
 * does is read CLOCK_REALTIME; it appends "NANOSECONDS PID\n" to FILE in
 * one write(2), so that a reader never sees half a line, then waits for
 * the signal that ends it.
 * Usage: stamp FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (argc != 2) {
		fprintf(stderr, "usage: stamp FILE\n");
		return 2;
	}
	char line[64];
	int len = snprintf(line, sizeof(line), "%lld %d\n",
			   (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid());
	int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, (size_t)len) != len) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}

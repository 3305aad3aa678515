/* Listening sockets (see listener.h). */
#include "server/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int make_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int bind_socket(const char *addr, uint16_t port, int reuseport, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd, ret;

	if (make_addr(addr, port, &ss, &len)) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return ret;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))) {
		ret = -errno;
		snprintf(err, errlen, "setsockopt: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		ret = -errno;
		if (errno == EADDRINUSE)
			snprintf(err, errlen, "port %u is in use (bind %s:%u: %s)", port, addr, port,
				 strerror(errno));
		else
			snprintf(err, errlen, "bind %s:%u: %s", addr, port, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

int listener_probe(const char *addr, uint16_t port, char *err, size_t errlen)
{
	int fd = bind_socket(addr, port, 0, err, errlen);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int listener_open(const char *addr, uint16_t port, int backlog, char *err, size_t errlen)
{
	int one = 1, ret;
	int fd = bind_socket(addr, port, 1, err, errlen);

	if (fd < 0)
		return fd;
	/* answers go out as one segment per send; do not wait for more */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (listen(fd, backlog)) { /* the kernel caps it at net.core.somaxconn */
		ret = -errno;
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

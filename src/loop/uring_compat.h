/* What liburing 2.3 (Debian 12) lacks and the running kernel has: names and
 * tiny prep helpers, copied in meaning from the kernel UAPI,
 * include/uapi/linux/io_uring.h (Linux 6.11+), not from newer liburing. */
#ifndef UKIT_URING_COMPAT_H
#define UKIT_URING_COMPAT_H

#include <liburing.h>
#include <string.h>
#include <sys/socket.h>

/* sqe->timeout_flags: re-arm after every expiry (Linux 6.4). */
#ifndef IORING_TIMEOUT_MULTISHOT
#define IORING_TIMEOUT_MULTISHOT (1U << 6)
#endif

/* enum io_uring_op: bind(2) and listen(2) on a (direct) socket (Linux 6.11). */
#define UKIT_IORING_OP_BIND 56
#define UKIT_IORING_OP_LISTEN 57

/* enum io_uring_socket_op, the cmd_op of IORING_OP_URING_CMD on a socket (Linux 6.7). */
#define UKIT_SOCKET_URING_OP_SETSOCKOPT 3

/* bind(2) on a direct descriptor: sqe->addr = sockaddr, sqe->addr2 = length. */
static inline void ukit_prep_bind(struct io_uring_sqe *sqe, int fd, const struct sockaddr *sa,
				  socklen_t len)
{
	io_uring_prep_rw(UKIT_IORING_OP_BIND, sqe, fd, sa, 0, len);
}

/* setsockopt(2) on a direct descriptor. In the UAPI SQE, level and optname
 * overlay sqe->addr, optlen overlays sqe->file_index and optval is addr3;
 * cmd_op overlays the low half of sqe->off. liburing 2.3's SQE has none of
 * those names, so write them through the old fields at the same offsets. */
static inline void ukit_prep_setsockopt(struct io_uring_sqe *sqe, int fd, int level, int optname,
					const void *optval, int optlen)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->off = UKIT_SOCKET_URING_OP_SETSOCKOPT;
	sqe->addr = (__u64)(__u32)level | ((__u64)(__u32)optname << 32);
	sqe->file_index = (__u32)optlen;
	sqe->addr3 = (__u64)(uintptr_t)optval;
}

#endif

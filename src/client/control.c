/* The control and metrics endpoints (see control.h). One thread polls the
 * listeners and serves one request per connection, with short socket
 * timeouts so a stalled peer cannot hold it long. Connections are added by
 * raising run->wanted; each ring takes its share on its next tick. */
#include "client/control.h"

#include "client/driver.h"
#include "client/prom.h"
#include "client/report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* --- parsing ------------------------------------------------------------------ */

static const char *find(const char *buf, size_t len, const char *what)
{
	return memmem(buf, len, what, strlen(what));
}

/* The value of header name in head[0..len) (lines after the first), or NULL. */
static const char *header(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = find(head, len, "\r\n"), *end = head + len;

	while (p && p + 2 < end) {
		const char *line = p + 2, *eol = find(line, (size_t)(end - line), "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' && !strncasecmp(line, name, nlen)) {
			const char *v = line + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
				(*vlen)--;
			return v;
		}
		p = eol;
	}
	return NULL;
}

int control_parse_request(const char *buf, size_t len, struct control_request *req,
			  size_t *head_len, const char **why)
{
	const char *end = find(buf, len, "\r\n\r\n"), *sp1, *sp2, *eol, *v;
	size_t hlen, vlen, body = 0;

	memset(req, 0, sizeof(*req));
	*head_len = 0;
	if (!end) {
		if (len >= CONTROL_REQUEST_MAX) {
			*why = "request head too large";
			return CONTROL_BAD;
		}
		return CONTROL_MORE;
	}
	hlen = (size_t)(end - buf) + 4;
	eol = find(buf, hlen, "\r\n");
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || (size_t)(sp1 - buf) >= sizeof(req->method) ||
	    sp2 == sp1 + 1 || sp1[1] != '/' || (size_t)(eol - sp2 - 1) != 8 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7)) {
		*why = "malformed request line";
		return CONTROL_BAD;
	}
	memcpy(req->method, buf, (size_t)(sp1 - buf));
	req->target = sp1 + 1;
	req->target_len = (size_t)(sp2 - sp1 - 1);
	if (header(buf, hlen, "transfer-encoding", &vlen)) {
		*why = "chunked bodies are not supported: send Content-Length";
		return CONTROL_BAD;
	}
	v = header(buf, hlen, "content-length", &vlen);
	if (v) {
		if (!vlen || vlen > 5)
			goto bad_length;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				goto bad_length;
			body = body * 10 + (size_t)(v[i] - '0');
		}
		if (hlen + body > CONTROL_REQUEST_MAX) {
			*why = "request body too large";
			return CONTROL_BAD;
		}
	}
	v = header(buf, hlen, "expect", &vlen);
	req->expect_continue = v && vlen == 12 && !strncasecmp(v, "100-continue", 12);
	*head_len = hlen;
	if (len < hlen + body)
		return CONTROL_MORE;
	req->body = buf + hlen;
	req->body_len = body;
	return CONTROL_DONE;
bad_length:
	*why = "bad Content-Length";
	return CONTROL_BAD;
}

int control_path_is(const struct control_request *req, const char *path)
{
	size_t n = strlen(path);

	return req->target_len >= n && !memcmp(req->target, path, n) &&
	       (req->target_len == n || req->target[n] == '?');
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %-decodes src[0..n) into out (NUL-terminated); -1 if malformed or too long. */
static int decode(const char *src, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c == '%') {
			if (i + 2 >= n || hex(src[i + 1]) < 0 || hex(src[i + 2]) < 0)
				return -1;
			c = (char)(hex(src[i + 1]) << 4 | hex(src[i + 2]));
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap || c == 0)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

int control_parse_add(const char *form, size_t len, struct control_add *add, char *why,
		      size_t whylen)
{
	const char *p = form, *end = form + len;
	int have_url = 0, have_count = 0;

	memset(add, 0, sizeof(*add));
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		const char *stop = amp ? amp : end;
		char key[32], value[sizeof(add->url)];

		if (stop == p) { /* "a=1&&b=2": an empty field */
			p = stop + 1;
			continue;
		}
		eq = memchr(p, '=', (size_t)(stop - p));
		if (!eq || decode(p, (size_t)(eq - p), key, sizeof(key)) ||
		    decode(eq + 1, (size_t)(stop - eq - 1), value, sizeof(value))) {
			snprintf(why, whylen, "malformed form field '%.*s' (expected ws=URL&count=N)",
				 (int)(stop - p > 64 ? 64 : stop - p), p);
			return -1;
		}
		if (!strcmp(key, "ws") || !strcmp(key, "url")) {
			if (have_url++) {
				snprintf(why, whylen, "more than one ws=URL");
				return -1;
			}
			strcpy(add->url, value);
		} else if (!strcmp(key, "count")) {
			char *e;
			unsigned long long n = strtoull(value, &e, 10);
			if (have_count++ || value[0] < '0' || value[0] > '9' || *e || n < 1 ||
			    n > 10000000) {
				snprintf(why, whylen, "count: expected one number from 1 to 10000000, "
					 "got '%.32s'", value);
				return -1;
			}
			add->count = (uint32_t)n;
		} else {
			snprintf(why, whylen, "unknown parameter '%.32s' (expected ws=URL&count=N)",
				 key);
			return -1;
		}
		p = stop + (amp ? 1 : 0);
	}
	if (!have_url) {
		snprintf(why, whylen, "missing ws=URL (expected ws=URL&count=N)");
		return -1;
	}
	if (!have_count) {
		snprintf(why, whylen, "missing count=N (expected ws=URL&count=N)");
		return -1;
	}
	return 0;
}

/* --- the server ------------------------------------------------------------------ */

#define IO_TIMEOUT_S 2

static struct {
	struct client_run *run;
	int fds[2];
	unsigned nfds;
	int stop_fd;
	pthread_t thread;
	int running;
	char host[256];
} ctl = { .fds = { -1, -1 }, .stop_fd = -1 };

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the peer left, or timed out: nothing to do */
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *type, const char *body, size_t len,
		    const char *extra)
{
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found"
			   : status == 405 ? "Method Not Allowed" : "Bad Request";
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n", status, reason, type, len,
			 extra ? extra : "");

	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void respond_text(int fd, int status, const char *line, const char *extra)
{
	char body[512];
	int n = snprintf(body, sizeof(body), "%s\n", line);

	respond(fd, status, "text/plain; charset=utf-8", body,
		n < (int)sizeof(body) ? (size_t)n : sizeof(body) - 1, extra);
}

static struct totals sum_rings(void)
{
	struct totals t;

	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < ctl.run->nrings; i++)
		totals_add(&t, &ctl.run->rings[i].st);
	return t;
}

static const char *mode_name(const struct client_config *cfg)
{
	return cfg->mode == MODE_WS ? "websocket" : cfg->closed_loop ? "throughput" : "scenario";
}

static void clients_json(int fd, uint32_t added)
{
	const struct client_config *cfg = &ctl.run->cfg;
	struct totals t = sum_rings();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		respond_text(fd, 400, "out of memory", NULL);
		return;
	}
	fputs("{\"target\": ", out);
	report_json_string(out, cfg->url);
	fprintf(out, ", \"mode\": \"%s\", \"running\": %s, \"connections\": %u, \"capacity\": %u, "
		"\"added\": %u, \"open\": %" PRIu64 ", \"connecting\": %" PRIu64
		", \"established\": %" PRIu64 ", ", mode_name(cfg),
		atomic_load(&ctl.run->done) ? "false" : "true", atomic_load(&ctl.run->wanted),
		cfg->capacity, added, t.open, t.connecting, t.connects);
	report_json_errors(out, &t);
	fputs("}\n", out);
	fclose(out);
	respond(fd, 200, "application/json", buf, len, NULL);
	free(buf);
}

/* The control API adds connections to the run's own target only: the rings
 * hold one target address. */
static void add_clients(int fd, const struct control_request *req)
{
	struct client_run *run = ctl.run;
	const struct client_config *cfg = &run->cfg;
	const char *q = memchr(req->target, '?', req->target_len);
	struct control_add add;
	struct client_target t;
	char why[2600], form[CONTROL_REQUEST_MAX + 1];
	size_t n = 0;
	uint32_t wanted;

	/* parameters from the query and the body alike */
	if (q) {
		n = (size_t)(req->target + req->target_len - q - 1);
		memcpy(form, q + 1, n);
	}
	if (req->body_len) {
		if (n)
			form[n++] = '&';
		memcpy(form + n, req->body, req->body_len);
		n += req->body_len;
	}
	if (control_parse_add(form, n, &add, why, sizeof(why))) {
		respond_text(fd, 400, why, NULL);
		return;
	}
	if (client_url_parse(add.url, &t, why, sizeof(why))) {
		respond_text(fd, 400, why, NULL);
		return;
	}
	if (t.scheme != cfg->target.scheme || t.ip != cfg->target.ip ||
	    t.port != cfg->target.port || strcmp(t.path, cfg->target.path)) {
		snprintf(why, sizeof(why), "'%.1100s': connections can only be added to this run's "
			 "target, %.1100s", add.url, cfg->url);
		respond_text(fd, 400, why, NULL);
		return;
	}
	wanted = atomic_load(&run->wanted);
	if (atomic_load(&run->done)) {
		respond_text(fd, 400, "the run is over", NULL);
		return;
	}
	if (add.count > cfg->capacity - wanted) {
		snprintf(why, sizeof(why), "count: %u more would make %llu connections, above the "
			 "capacity of %u (--capacity)", add.count,
			 (unsigned long long)wanted + add.count, cfg->capacity);
		respond_text(fd, 400, why, NULL);
		return;
	}
	/* only this thread writes it; the rings read it on their tick */
	atomic_store(&run->wanted, wanted + add.count);
	clients_json(fd, add.count);
}

static void metrics(int fd)
{
	struct client_run *run = ctl.run;
	const struct client_config *cfg = &run->cfg;
	struct totals t = sum_rings();
	struct prom_view v = {
		.host = cfg->metrics_host ? cfg->metrics_host : ctl.host, .url = cfg->url,
		.mode = mode_name(cfg), .ws = cfg->mode == MODE_WS,
		.wanted = atomic_load(&run->wanted), .capacity = cfg->capacity,
		.rings = run->nrings, .running = !atomic_load(&run->done), .t = &t,
		.lat = &run->lat_all, .echo = &run->echo_all,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		respond_text(fd, 400, "out of memory", NULL);
		return;
	}
	pthread_mutex_lock(&run->lat_lock);
	prom_render(out, &v);
	pthread_mutex_unlock(&run->lat_lock);
	fclose(out);
	respond(fd, 200, "text/plain; version=0.0.4", buf, len, NULL);
	free(buf);
}

static void serve(int fd)
{
	static char buf[CONTROL_REQUEST_MAX + 1];
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	struct control_request req;
	size_t len = 0, head_len;
	int continued = 0, r;
	const char *why = NULL;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(fd, buf + len, CONTROL_REQUEST_MAX - len, 0);
		if (n <= 0)
			return; /* gone, or too slow */
		len += (size_t)n;
		r = control_parse_request(buf, len, &req, &head_len, &why);
		if (r != CONTROL_MORE)
			break;
		if (head_len && req.expect_continue && !continued) {
			send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			continued = 1;
		}
		if (len == CONTROL_REQUEST_MAX) {
			r = CONTROL_BAD;
			why = "request too large";
			break;
		}
	}
	if (r == CONTROL_BAD) {
		respond_text(fd, 400, why, NULL);
		return;
	}
	if (control_path_is(&req, "/clients")) {
		if (!strcmp(req.method, "GET"))
			clients_json(fd, 0);
		else if (!strcmp(req.method, "POST"))
			add_clients(fd, &req);
		else
			respond_text(fd, 405, "use GET /clients, or POST /clients with ws=URL&count=N",
				     "Allow: GET, POST\r\n");
	} else if (control_path_is(&req, "/metrics")) {
		if (!strcmp(req.method, "GET"))
			metrics(fd);
		else
			respond_text(fd, 405, "use GET /metrics", "Allow: GET\r\n");
	} else {
		respond_text(fd, 404, "not found: GET /clients, POST /clients (ws=URL&count=N), "
			     "GET /metrics", NULL);
	}
}

static void *control_main(void *arg)
{
	struct pollfd p[3];

	(void)arg;
	for (unsigned i = 0; i < ctl.nfds; i++)
		p[i] = (struct pollfd){ .fd = ctl.fds[i], .events = POLLIN };
	p[ctl.nfds] = (struct pollfd){ .fd = ctl.stop_fd, .events = POLLIN };
	for (;;) {
		if (poll(p, ctl.nfds + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[ctl.nfds].revents)
			break;
		for (unsigned i = 0; i < ctl.nfds; i++) {
			int fd;
			if (!(p[i].revents & POLLIN))
				continue;
			fd = accept4(ctl.fds[i], NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			serve(fd);
			shutdown(fd, SHUT_WR); /* the answer is out; then wait briefly for the peer */
			close(fd);
		}
	}
	return NULL;
}

static int listen_on(uint32_t addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = addr ? addr : htonl(INADDR_LOOPBACK) };
	char text[INET_ADDRSTRLEN];
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
		goto err;
	return fd;
err:
	inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
	snprintf(err, errlen, "cannot listen on %s:%u: %s", text, port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int control_start(struct client_run *run, char *err, size_t errlen)
{
	const struct client_config *cfg = &run->cfg;
	uint16_t ports[2] = { cfg->control_port, cfg->metrics_port };

	ctl.run = run;
	if (gethostname(ctl.host, sizeof(ctl.host) - 1))
		strcpy(ctl.host, "localhost");
	if (cfg->metrics_bind && cfg->metrics_port == cfg->control_port) {
		snprintf(err, errlen, "--metrics-bind needs a --metrics-port other than --control's "
			 "(the control API stays on loopback)");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (!ports[i] || (i == 1 && ports[1] == ports[0]))
			continue;
		ctl.fds[ctl.nfds] = listen_on(i == 1 ? cfg->metrics_bind : 0, ports[i], err, errlen);
		if (ctl.fds[ctl.nfds] < 0)
			goto err;
		ctl.nfds++;
	}
	ctl.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (ctl.stop_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto err;
	}
	if (pthread_create(&ctl.thread, NULL, control_main, NULL)) {
		snprintf(err, errlen, "cannot start the control thread");
		goto err;
	}
	ctl.running = 1;
	return 0;
err:
	control_stop();
	return -1;
}

void control_stop(void)
{
	if (ctl.running) {
		uint64_t one = 1;
		if (write(ctl.stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(ctl.thread); /* cannot happen: an eventfd takes the write */
		pthread_join(ctl.thread, NULL);
		ctl.running = 0;
	}
	for (unsigned i = 0; i < ctl.nfds; i++)
		close(ctl.fds[i]);
	ctl.nfds = 0;
	if (ctl.stop_fd >= 0)
		close(ctl.stop_fd);
	ctl.stop_fd = -1;
}

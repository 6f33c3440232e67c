/* h2o_ref.c - the benchmark's reference for the HTTP library partnerd could move to (issue 19:
 * "measure before deciding"): the least a server on libh2o (Debian's libh2o-evloop, h2o 2.2.5)
 * can do to answer the GET row, the same way bench/evhttp_ref.c does it on evhttp.  One
 * event loop per thread, each with its own listening socket on the port (SO_REUSEPORT), every
 * request answered with the same bytes (the GET's body, read from a file once), partnerd's
 * Content-Type and, with HEADERS_FILE ("Name: value" lines), partnerd's other headers; h2o
 * adds Date and Content-Length itself.  Beside evhttp_ref's row it shows what replacing evhttp
 * would buy the GET, before anyone replaces it.
 *
 * usage: h2o_ref PORT BODY_FILE THREADS [HEADERS_FILE]   (runs until killed) */
#define H2O_USE_EPOLL 1
#include <h2o.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *body;
static size_t body_len;
static char *head_name[16], *head_value[16];
static int nheads;
static h2o_globalconf_t config;

struct loop {
	h2o_context_t ctx;
	h2o_accept_ctx_t accept;
	int port;
};

static int answer(h2o_handler_t *self, h2o_req_t *req)
{
	static h2o_generator_t generator = {NULL, NULL};
	(void)self;
	req->res.status = 200;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
		       H2O_STRLIT("application/json; charset=utf-8"));
	for (int i = 0; i < nheads; i++)
		h2o_add_header_by_str(&req->pool, &req->res.headers, head_name[i], strlen(head_name[i]), 1, NULL,
				      head_value[i], strlen(head_value[i]));
	req->res.content_length = body_len;
	h2o_start_response(req, &generator);
	h2o_iovec_t buf = h2o_iovec_init(body, body_len);
	h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
	return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	h2o_socket_t *sock;
	if (err || !(sock = h2o_evloop_socket_accept(listener)))
		return;
	h2o_accept(listener->data, sock);
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* as partnerd's listener */
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0) {
		perror("h2o_ref: listen");
		exit(1);
	}
	return fd;
}

static void *run(void *arg)
{
	struct loop *l = arg;
	h2o_context_init(&l->ctx, h2o_evloop_create(), &config);
	l->accept.ctx = &l->ctx;
	l->accept.hosts = config.hosts;
	h2o_socket_t *sock = h2o_evloop_socket_create(l->ctx.loop, listen_on(l->port), H2O_SOCKET_FLAG_DONT_READ);
	sock->data = &l->accept;
	h2o_socket_read_start(sock, on_accept);
	while (h2o_evloop_run(l->ctx.loop, INT32_MAX) == 0)
		;
	return NULL;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (*len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)) != 0 ||
	    !(p = malloc(*len + 1)) || fread(p, 1, *len, f) != *len) {
		perror(path);
		exit(1);
	}
	p[*len] = 0;
	fclose(f);
	return p;
}

static void read_headers(const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *save = NULL;
	for (char *line = strtok_r(text, "\r\n", &save); line && nheads < 16; line = strtok_r(NULL, "\r\n", &save)) {
		char *colon = strstr(line, ": ");
		if (!colon)
			continue;
		*colon = 0;
		head_name[nheads] = line;
		head_value[nheads++] = colon + 2;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: h2o_ref PORT BODY_FILE THREADS [HEADERS_FILE]\n");
		return 2;
	}
	body = read_file(argv[2], &body_len);
	if (argc == 5)
		read_headers(argv[4]);
	int n = atoi(argv[3]);
	n = n < 1 ? 1 : n > 64 ? 64 : n;
	h2o_config_init(&config);
	config.server_name = h2o_iovec_init(H2O_STRLIT("")); /* no Server header: partnerd sends none */
	h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	h2o_create_handler(path, sizeof(h2o_handler_t))->on_req = answer;
	struct loop loops[64];
	pthread_t t[64];
	for (int i = 0; i < n; i++) {
		memset(&loops[i], 0, sizeof loops[i]);
		loops[i].port = atoi(argv[1]);
		pthread_create(&t[i], NULL, run, &loops[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

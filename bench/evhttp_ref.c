/* evhttp_ref.c - the benchmark's reference for partnerd's HTTP library (issue 19): the least a
 * server on libevent's evhttp can do to answer the GET row, so the table shows partnerd vs its
 * library vs nginx.  One event loop per thread, as partnerd runs one per core, each with its
 * own evhttp and its own listening socket on the port (SO_REUSEPORT: the kernel deals the
 * connections out; on one shared socket one loop could take a whole burst, and the figure
 * moved 104k-177k req/s between two runs); every request gets the same bytes (the GET's body,
 * read from a file once) with the Content-Type partnerd sends.  No routing, auth, store or
 * JSON: what is left between this and partnerd is partnerd's own work.  With HEADERS_FILE
 * ("Name: value" lines: the other headers partnerd's GET answers with, as bench/run read them)
 * each answer carries those too, so the figure is the library's cost for partnerd's very reply.
 *
 * usage: evhttp_ref PORT BODY_FILE THREADS [HEADERS_FILE]   (runs until killed) */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *body;
static size_t body_len;
static char *head_name[16], *head_value[16];
static int nheads;

static void answer(struct evhttp_request *req, void *arg)
{
	(void)arg;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	evbuffer_add_reference(out, body, body_len, NULL, NULL);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	for (int i = 0; i < nheads; i++)
		evhttp_add_header(h, head_name[i], head_value[i]);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static int listen_on(int port);

static void *loop(void *arg)
{
	evutil_socket_t fd = listen_on((int)(long)arg);
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	if (!http || evhttp_accept_socket(http, fd) != 0) {
		fprintf(stderr, "evhttp_ref: cannot start a loop\n");
		exit(1);
	}
	evhttp_set_gencb(http, answer, NULL);
	event_base_dispatch(base);
	return NULL;
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
		perror("evhttp_ref: listen");
		exit(1);
	}
	return fd;
}

static void read_body(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (body_len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)) != 0 ||
	    !(body = malloc(body_len + 1)) || fread(body, 1, body_len, f) != body_len) {
		perror("evhttp_ref: body");
		exit(1);
	}
	fclose(f);
}

static void read_headers(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f) {
		perror("evhttp_ref: headers");
		exit(1);
	}
	while (nheads < 16 && fgets(line, sizeof line, f)) {
		char *colon = strstr(line, ": ");
		line[strcspn(line, "\r\n")] = 0;
		if (!colon)
			continue;
		*colon = 0;
		head_name[nheads] = strdup(line);
		head_value[nheads++] = strdup(colon + 2);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: evhttp_ref PORT BODY_FILE THREADS [HEADERS_FILE]\n");
		return 2;
	}
	read_body(argv[2]);
	if (argc == 5)
		read_headers(argv[4]);
	int port = atoi(argv[1]), n = atoi(argv[3]);
	evthread_use_pthreads();
	pthread_t t[64];
	for (int i = 0; i < n && i < 64; i++)
		pthread_create(&t[i], NULL, loop, (void *)(long)port);
	for (int i = 0; i < n && i < 64; i++)
		pthread_join(t[i], NULL);
	return 0;
}

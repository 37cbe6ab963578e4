// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS over a loopback TCP connection: TLS 1.3 with AES-GCM-128 and
 * fixed keys, TLS_TX and TLS_RX on both ends, <MiB> MiB each way at once.
 * Every byte received is checked against what was sent (a pattern that
 * depends on the direction and the offset), writes and reads come in uneven
 * sizes so that records are split and joined everywhere.
 *
 *   vcrypto_ktls [MiB]     default 16
 *
 * Exit: 0 every byte arrived intact both ways; 1 a failure (printed);
 * 4 (kselftest skip) the kernel has no TLS ULP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#define KSFT_SKIP 4

static size_t total;

/* The byte at offset @off of direction @dir. */
static uint8_t pattern(int dir, uint64_t off)
{
	uint64_t x = (off >> 8) * 0x9e3779b97f4a7c15ull + dir * 0x51ull;

	return (uint8_t)(off ^ (x >> 29) ^ (x >> 47));
}

/* Uneven chunk sizes, 1 B to 40 KiB, from a small LCG per thread. */
static size_t chunk(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	switch ((*seed >> 16) % 4) {
	case 0:
		return 1 + (*seed >> 8) % 64;
	case 1:
		return 1 + (*seed >> 4) % 16384;
	default:
		return 1 + (*seed >> 3) % 40960;
	}
}

struct stream {
	int fd;
	int dir;
	const char *what;
	int failed;
};

static void *writer(void *arg)
{
	struct stream *s = arg;
	uint8_t buf[40960];
	uint32_t seed = 1 + s->dir;
	uint64_t off = 0;

	while (off < total) {
		size_t n = chunk(&seed), i;
		ssize_t w;

		if (n > total - off)
			n = total - off;
		for (i = 0; i < n; i++)
			buf[i] = pattern(s->dir, off + i);
		w = write(s->fd, buf, n);
		if (w <= 0) {
			fprintf(stderr, "# %s: write at %llu: %s\n", s->what,
				(unsigned long long)off, w ? strerror(errno) : "closed");
			s->failed = 1;
			shutdown(s->fd, SHUT_RDWR);
			return NULL;
		}
		off += w;
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct stream *s = arg;
	uint8_t buf[40960];
	uint32_t seed = 7 + s->dir;
	uint64_t off = 0;

	while (off < total) {
		size_t n = chunk(&seed), i;
		ssize_t r = read(s->fd, buf, n);

		if (r <= 0) {
			fprintf(stderr, "# %s: read at %llu of %zu: %s\n", s->what,
				(unsigned long long)off, total, r ? strerror(errno) : "end of stream");
			s->failed = 1;
			shutdown(s->fd, SHUT_RDWR);
			return NULL;
		}
		for (i = 0; i < (size_t)r; i++) {
			if (buf[i] != pattern(s->dir, off + i)) {
				fprintf(stderr, "# %s: byte %llu is %#x, sent %#x\n", s->what,
					(unsigned long long)(off + i), buf[i], pattern(s->dir, off + i));
				s->failed = 1;
				shutdown(s->fd, SHUT_RDWR);
				return NULL;
			}
		}
		off += r;
	}
	return NULL;
}

/* The key material of one direction: fixed, different per direction. */
static void crypto_info(struct tls12_crypto_info_aes_gcm_128 *ci, int dir)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_3_VERSION;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, 0x10 + dir, sizeof(ci->key));
	memset(ci->iv, 0x20 + dir, sizeof(ci->iv));
	memset(ci->salt, 0x30 + dir, sizeof(ci->salt));
}

/* TLS on @fd: transmit with direction @tx's keys, receive with @rx's. */
static int tls_on(int fd, int tx, int rx)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -1;
	crypto_info(&ci, tx);
	if (setsockopt(fd, SOL_TLS, TLS_TX, &ci, sizeof(ci)))
		return -1;
	crypto_info(&ci, rx);
	return setsockopt(fd, SOL_TLS, TLS_RX, &ci, sizeof(ci));
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct stream s[4];
	pthread_t t[4];
	int lfd, a, b, i, failed = 0;

	/* A failed stream shuts its socket down: the other side's writes fail, not kill. */
	signal(SIGPIPE, SIG_IGN);
	total = (size_t)(argc > 1 ? atoi(argv[1]) : 16) << 20;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (void *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (void *)&addr, &len)) {
		perror("# listen");
		return 1;
	}
	a = socket(AF_INET, SOCK_STREAM, 0);
	if (a < 0 || connect(a, (void *)&addr, sizeof(addr))) {
		perror("# connect");
		return 1;
	}
	b = accept(lfd, NULL, NULL);
	if (b < 0) {
		perror("# accept");
		return 1;
	}
	/* a sends with direction 0's keys and b receives with them; 1 the other way. */
	if (tls_on(a, 0, 1) || tls_on(b, 1, 0)) {
		int e = errno;

		fprintf(stderr, "# kernel TLS setup: %s\n", strerror(e));
		return (e == ENOENT || e == ENOPROTOOPT) ? KSFT_SKIP : 1;
	}
	s[0] = (struct stream){ .fd = a, .dir = 0, .what = "a->b write" };
	s[1] = (struct stream){ .fd = b, .dir = 0, .what = "a->b read" };
	s[2] = (struct stream){ .fd = b, .dir = 1, .what = "b->a write" };
	s[3] = (struct stream){ .fd = a, .dir = 1, .what = "b->a read" };
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, (i & 1) ? reader : writer, &s[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		failed |= s[i].failed;
	}
	printf("# %zu bytes each way through kernel TLS 1.3 AES-GCM-128: %s\n",
	       total, failed ? "FAILED" : "every byte intact");
	close(a);
	close(b);
	close(lfd);
	return failed;
}

/*
 * floor.c - the compressor floor of issue 24: the time libdeflate alone takes to pack a
 * file already in memory into gzip members of 4 MiB at level 6 on THREADS threads, as
 * convert packs its output. Nothing else convert does can be faster than this.
 *   cc -O2 floor.c -o floor -ldeflate -lpthread && ./floor FILE [THREADS]
 * Prints the seconds of the compression alone, and the compressed size.
 */
#define _POSIX_C_SOURCE 200809L
#include <libdeflate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MEMBER (4u << 20)

static const unsigned char *data;
static size_t size, n_members;
static atomic_size_t next_member, packed_bytes;

static void *pack(void *arg)
{
	(void)arg;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	size_t bound = libdeflate_gzip_compress_bound(c, MEMBER);
	unsigned char *out = malloc(bound);
	if (!c || !out)
		abort();
	for (size_t m; (m = atomic_fetch_add(&next_member, 1)) < n_members;) {
		size_t off = m * MEMBER, len = size - off < MEMBER ? size - off : MEMBER;
		atomic_fetch_add(&packed_bytes, libdeflate_gzip_compress(c, data + off, len, out,
									 bound));
	}
	free(out);
	libdeflate_free_compressor(c);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: floor FILE [THREADS]\n"), 2;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return perror(argv[1]), 1;
	size = (size_t)ftell(f);
	rewind(f);
	unsigned char *buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != size)
		return perror(argv[1]), 1;
	fclose(f);
	data = buf;
	n_members = (size + MEMBER - 1) / MEMBER;
	pthread_t t[64];
	threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, pack, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f %zu\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	       (size_t)atomic_load(&packed_bytes));
	free(buf);
	return 0;
}

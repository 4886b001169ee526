/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, stdio area: FILE streams on real files: modes, seeking, buffering modes, descriptors, line input. */
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int fopen_w_r(void)
{
	FILE *f;
	char buf[32];

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIRE(fputs("hello\nworld\n", f) >= 0);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_file_size("f") == 12);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "hello\n"));
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "world\n"));
	REQUIRE(fgets(buf, sizeof(buf), f) == NULL && feof(f) && !ferror(f));
	/* A read-only stream refuses writes. */
	REQUIRE(fputc('x', f) == EOF && ferror(f));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fopen_w_truncates(void)
{
	FILE *f;

	REQUIRE(lt_write_file("f", "a long old content", 18) == 0);
	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIREF(lt_file_size("f") == 0, "size %ld right after fopen \"w\"", lt_file_size("f"));
	REQUIRE(fputs("new", f) >= 0);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_file_size("f") == 3);
	return 0;
}

static int fopen_a_appends(void)
{
	FILE *f;
	char buf[16];

	REQUIRE(lt_write_file("f", "ab", 2) == 0);
	f = lt_track(fopen("f", "a"));
	REQUIRE(f != NULL);
	REQUIRE(fputs("cd", f) >= 0);
	REQUIRE(fflush(f) == 0);
	/* Every write goes to the end, wherever the stream was positioned. */
	REQUIRE(fseek(f, 0, SEEK_SET) == 0);
	REQUIRE(fputs("ef", f) >= 0);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_read_file("f", buf, sizeof(buf)) == 6);
	REQUIREF(!memcmp(buf, "abcdef", 6), "file reads \"%.6s\"", buf);
	f = lt_track(fopen("f", "a+"));
	REQUIRE(f != NULL);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "abcdef"));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fopen_r_missing(void)
{
	FILE *f;

	errno = 0;
	f = lt_track(fopen("missing", "r"));
	REQUIREF(f == NULL && errno == ENOENT, "fopen of a missing file: %p errno %s", (void *)f,
		 lt_errname(errno));
	errno = 0;
	f = lt_track(fopen("missing", "r+"));
	REQUIREF(f == NULL && errno == ENOENT, "\"r+\" created the file or errno %s", lt_errname(errno));
	REQUIRE(mkdir("d", 0755) == 0);
	errno = 0;
	f = lt_track(fopen("d", "w"));
	REQUIREF(f == NULL && errno == EISDIR, "fopen of a directory for writing: errno %s", lt_errname(errno));
	errno = 0;
	f = lt_track(fopen("f", "z"));
	REQUIREF(f == NULL && errno == EINVAL, "bad mode: errno %s", lt_errname(errno));
	return 0;
}

static int fopen_rplus(void)
{
	FILE *f;
	char buf[16];

	REQUIRE(lt_write_file("f", "0123456789", 10) == 0);
	f = lt_track(fopen("f", "r+"));
	REQUIRE(f != NULL);
	REQUIRE(fseek(f, 3, SEEK_SET) == 0);
	REQUIRE(fputs("AB", f) >= 0);
	/* Switching from writing to reading needs a positioning call. */
	REQUIRE(fseek(f, 0, SEEK_CUR) == 0);
	REQUIRE(fgetc(f) == '5');
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_read_file("f", buf, sizeof(buf)) == 10);
	REQUIREF(!memcmp(buf, "012AB56789", 10), "file reads \"%.10s\"", buf);
	return 0;
}

static int fopen_wplus(void)
{
	FILE *f;
	char buf[16];

	REQUIRE(lt_write_file("f", "old old old", 11) == 0);
	f = lt_track(fopen("f", "w+"));
	REQUIRE(f != NULL);
	REQUIRE(fgetc(f) == EOF);
	clearerr(f);
	REQUIRE(fputs("fresh", f) >= 0);
	rewind(f);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "fresh"));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fopen_x_e(void)
{
	FILE *f;
	int fl;

	f = lt_track(fopen("f", "wx"));
	REQUIRE(f != NULL);
	REQUIRE(lt_fclose(f) == 0);
	errno = 0;
	f = lt_track(fopen("f", "wx"));
	REQUIREF(f == NULL && errno == EEXIST, "second \"wx\": errno %s", lt_errname(errno));
	f = lt_track(fopen("f", "re"));
	REQUIRE(f != NULL);
	fl = fcntl(fileno(f), F_GETFD);
	REQUIREF(fl == FD_CLOEXEC, "\"re\" gave F_GETFD %d", fl);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fseek_ftell(void)
{
	FILE *f;
	char data[100];

	for (int i = 0; i < 100; i++)
		data[i] = (char)i;
	REQUIRE(lt_write_file("f", data, sizeof(data)) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	REQUIRE(fseek(f, 10, SEEK_SET) == 0 && ftell(f) == 10);
	REQUIRE(fgetc(f) == 10);
	REQUIRE(fseek(f, 5, SEEK_CUR) == 0 && ftell(f) == 16);
	REQUIRE(fseek(f, -1, SEEK_END) == 0 && ftell(f) == 99);
	REQUIRE(fgetc(f) == 99);
	REQUIRE(fgetc(f) == EOF && feof(f));
	REQUIRE(fseeko(f, 50, SEEK_SET) == 0 && ftello(f) == 50);
	REQUIRE(!feof(f));
	errno = 0;
	REQUIREF(fseek(f, -200, SEEK_CUR) == -1 && errno == EINVAL, "seek before the start: errno %s",
		 lt_errname(errno));
	REQUIRE(ftell(f) == 50);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fseek_hole(void)
{
	FILE *f;
	char buf[1001];

	f = lt_track(fopen("f", "w+"));
	REQUIRE(f != NULL);
	REQUIRE(fseek(f, 1000, SEEK_SET) == 0);
	REQUIRE(fputc('x', f) == 'x');
	REQUIRE(fflush(f) == 0);
	REQUIRE(lt_file_size("f") == 1001);
	rewind(f);
	REQUIRE(fread(buf, 1, sizeof(buf), f) == sizeof(buf));
	for (int i = 0; i < 1000; i++)
		REQUIREF(buf[i] == 0, "byte %d of the hole is %02x", i, buf[i]);
	REQUIRE(buf[1000] == 'x');
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int rewind_clears(void)
{
	FILE *f;
	char buf[8];

	REQUIRE(lt_write_file("f", "xy", 2) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	REQUIRE(fread(buf, 1, sizeof(buf), f) == 2);
	REQUIRE(feof(f));
	rewind(f);
	REQUIRE(!feof(f) && !ferror(f) && ftell(f) == 0);
	REQUIRE(fgetc(f) == 'x');
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fread_fwrite_binary(void)
{
	static unsigned char out[3 + 7 * 10000], in[sizeof(out) + 10];
	FILE *f;
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(out); i++) {
		x = x * 1103515245 + 12345;
		out[i] = (unsigned char)(x >> 16);
	}
	out[0] = 0;
	out[1] = '\n';
	out[2] = 0x1a;
	f = lt_track(fopen("f", "wb"));
	REQUIRE(f != NULL);
	REQUIRE(fwrite(out, 1, 3, f) == 3);
	REQUIRE(fwrite(out + 3, 7, (sizeof(out) - 3) / 7, f) == (sizeof(out) - 3) / 7);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_file_size("f") == (long)sizeof(out));
	f = lt_track(fopen("f", "rb"));
	REQUIRE(f != NULL);
	REQUIRE(fread(in, 1, sizeof(in), f) == sizeof(out));
	REQUIRE(feof(f) && !memcmp(in, out, sizeof(out)));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fread_short(void)
{
	FILE *f;
	char buf[10][4];

	REQUIRE(lt_write_file("f", "0123456789abcdefghijk", 21) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	/* Five whole items and one partial one. */
	REQUIRE(fread(buf, 4, 10, f) == 5);
	REQUIRE(feof(f) && !ferror(f));
	REQUIRE(!memcmp(buf[4], "ghij", 4));
	REQUIRE(fread(buf, 4, 1, f) == 0);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int ungetc_pushback(void)
{
	FILE *f;

	REQUIRE(lt_write_file("f", "abc", 3) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	REQUIRE(fgetc(f) == 'a');
	REQUIRE(ungetc('Z', f) == 'Z');
	REQUIRE(ftell(f) == 0);
	REQUIRE(fgetc(f) == 'Z');
	REQUIRE(fgetc(f) == 'b');
	REQUIRE(ungetc('Q', f) == 'Q');
	/* A seek discards what was pushed back (the position counts it: back to 'b'). */
	REQUIRE(ftell(f) == 1);
	REQUIRE(fseek(f, 0, SEEK_CUR) == 0);
	REQUIRE(fgetc(f) == 'b');
	REQUIRE(fgetc(f) == 'c');
	REQUIRE(fgetc(f) == EOF);
	REQUIRE(ungetc('E', f) == 'E' && !feof(f) && fgetc(f) == 'E');
	REQUIRE(ungetc(EOF, f) == EOF);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int setvbuf_unbuffered(void)
{
	FILE *f;

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIRE(setvbuf(f, NULL, _IONBF, 0) == 0);
	REQUIRE(fputc('a', f) == 'a');
	REQUIREF(lt_file_size("f") == 1, "unbuffered stream: size %ld after one fputc", lt_file_size("f"));
	REQUIRE(fputs("bcd", f) >= 0);
	REQUIRE(lt_file_size("f") == 4);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int setvbuf_full(void)
{
	static char buf[1024];
	FILE *f;

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIRE(setvbuf(f, buf, _IOFBF, sizeof(buf)) == 0);
	REQUIRE(fputs("line one\nline two\n", f) >= 0);
	REQUIREF(lt_file_size("f") == 0, "fully buffered stream wrote early: size %ld", lt_file_size("f"));
	REQUIRE(fflush(f) == 0);
	REQUIRE(lt_file_size("f") == 18);
	/* More than the buffer goes out without a flush. */
	for (int i = 0; i < 300; i++)
		REQUIRE(fputs("0123456789", f) >= 0);
	REQUIREF(lt_file_size("f") >= 18 + 3000 - (long)sizeof(buf), "size %ld", lt_file_size("f"));
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_file_size("f") == 3018);
	return 0;
}

static int setvbuf_line(void)
{
	FILE *f;

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIRE(setvbuf(f, NULL, _IOLBF, 256) == 0);
	REQUIRE(fputs("ab", f) >= 0);
	REQUIREF(lt_file_size("f") == 0, "line buffered stream wrote before the newline");
	REQUIRE(fputs("\n", f) >= 0);
	REQUIREF(lt_file_size("f") == 3, "line buffered stream: size %ld after the newline", lt_file_size("f"));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fflush_all(void)
{
	FILE *a, *b;

	a = lt_track(fopen("a", "w"));
	b = lt_track(fopen("b", "w"));
	REQUIRE(a && b);
	REQUIRE(fputs("aaa", a) >= 0 && fputs("bbbb", b) >= 0);
	REQUIRE(lt_file_size("a") == 0 && lt_file_size("b") == 0);
	REQUIRE(fflush(NULL) == 0);
	REQUIRE(lt_file_size("a") == 3 && lt_file_size("b") == 4);
	REQUIRE(lt_fclose(a) == 0 && lt_fclose(b) == 0);
	return 0;
}

static int fdopen_fileno(void)
{
	FILE *f;
	int fd;
	char buf[8];

	REQUIRE(lt_write_file("f", "fdopen", 6) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(lseek(fd, 2, SEEK_SET) == 2);
	f = lt_track(fdopen(fd, "r"));
	REQUIRE(f != NULL);
	REQUIRE(fileno(f) == fd);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "open"));
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE_ERR(fcntl(fd, F_GETFD), EBADF);
	/* "a" puts the descriptor itself in append mode. */
	fd = open("f", O_WRONLY);
	REQUIRE(fd >= 0);
	f = lt_track(fdopen(fd, "a"));
	REQUIRE(f != NULL);
	REQUIRE(fcntl(fd, F_GETFL) & O_APPEND);
	REQUIRE(fputs("!", f) >= 0);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_read_file("f", buf, sizeof(buf)) == 7 && !memcmp(buf, "fdopen!", 7));
	return 0;
}

static int write_error(void)
{
	FILE *f;
	int fd;

	REQUIRE(lt_write_file("f", "", 0) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	/* musl does not check the mode against the descriptor: the kernel refuses the write. */
	f = lt_track(fdopen(fd, "w"));
	REQUIRE(f != NULL);
	REQUIRE(fputs("data", f) >= 0);
	errno = 0;
	REQUIRE(fflush(f) == EOF);
	REQUIREF(errno == EBADF && ferror(f), "fflush errno %s", lt_errname(errno));
	lt_fclose(f);
	return 0;
}

static int freopen_other(void)
{
	FILE *f;
	char buf[16];

	REQUIRE(lt_write_file("a", "first", 5) == 0);
	REQUIRE(lt_write_file("b", "second", 6) == 0);
	f = lt_track(fopen("a", "r"));
	REQUIRE(f != NULL);
	REQUIRE(fgetc(f) == 'f');
	REQUIRE(freopen("b", "r", f) == f);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "second"));
	REQUIRE(freopen("a", "w", f) == f);
	REQUIREF(lt_file_size("a") == 0, "freopen \"w\" did not truncate");
	REQUIRE(fputs("third", f) >= 0);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_read_file("a", buf, sizeof(buf)) == 5 && !memcmp(buf, "third", 5));
	return 0;
}

static int tmpfile_anon(void)
{
	FILE *f;
	struct stat st;
	char buf[16];

	f = lt_track(tmpfile());
	REQUIRE(f != NULL);
	REQUIRE(fputs("scratch", f) >= 0);
	rewind(f);
	REQUIRE(fgets(buf, sizeof(buf), f) && !strcmp(buf, "scratch"));
	REQUIRE(fstat(fileno(f), &st) == 0);
	REQUIREF(st.st_nlink == 0, "tmpfile has %lu links, want none", (unsigned long)st.st_nlink);
	REQUIRE(S_ISREG(st.st_mode) && st.st_size == 7);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int memstream_to_file(void)
{
	FILE *m, *f;
	char *p = NULL, buf[64];
	size_t n = 0;

	m = lt_track(open_memstream(&p, &n));
	REQUIRE(m != NULL);
	REQUIRE(fprintf(m, "%d-%s-%x", 42, "mem", 255) == 9);
	REQUIRE(lt_fclose(m) == 0);
	REQUIRE(n == 9 && !strcmp(p, "42-mem-ff"));
	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	REQUIRE(fwrite(p, 1, n, f) == n);
	REQUIRE(lt_fclose(f) == 0);
	free(p);
	f = lt_track(fmemopen(buf, sizeof(buf), "w+"));
	REQUIRE(f != NULL);
	REQUIRE(fputs("in memory", f) >= 0);
	REQUIRE(fflush(f) == 0);
	REQUIRE(!strcmp(buf, "in memory"));
	REQUIRE(fileno(f) == -1);
	REQUIRE(lt_fclose(f) == 0);
	REQUIRE(lt_read_file("f", buf, sizeof(buf)) == 9 && !memcmp(buf, "42-mem-ff", 9));
	return 0;
}

static int getline_lengths(void)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	fputs("short\n", f);
	for (int i = 0; i < 5000; i++)
		fputc('a' + i % 26, f);
	fputs("\n\nlast", f);
	REQUIRE(lt_fclose(f) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	REQUIRE(getline(&line, &cap, f) == 6 && !strcmp(line, "short\n"));
	n = getline(&line, &cap, f);
	REQUIREF(n == 5001 && cap > 5001 && line[4999] == 'a' + 4999 % 26, "long line: %zd", n);
	REQUIRE(getline(&line, &cap, f) == 1 && line[0] == '\n');
	REQUIRE(getline(&line, &cap, f) == 4 && !strcmp(line, "last"));
	REQUIRE(getline(&line, &cap, f) == -1 && feof(f));
	rewind(f);
	REQUIRE(getdelim(&line, &cap, 'o', f) == 3 && !strcmp(line, "sho"));
	free(line);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fscanf_fields(void)
{
	FILE *f;
	int i, n;
	double d;
	char word[16];
	unsigned x;

	REQUIRE(lt_write_file("f", "42 3.5 word\n0x1F tail", 21) == 0);
	f = lt_track(fopen("f", "r"));
	REQUIRE(f != NULL);
	n = fscanf(f, "%d %lf %15s", &i, &d, word);
	REQUIREF(n == 3 && i == 42 && d == 3.5 && !strcmp(word, "word"), "fscanf gave %d fields", n);
	REQUIRE(fscanf(f, "%x", &x) == 1 && x == 0x1f);
	REQUIRE(fscanf(f, "%d", &i) == 0);
	REQUIRE(fscanf(f, "%15s", word) == 1 && !strcmp(word, "tail"));
	REQUIRE(fscanf(f, "%d", &i) == EOF);
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int fprintf_large(void)
{
	FILE *f;
	long total = 0;

	f = lt_track(fopen("f", "w"));
	REQUIRE(f != NULL);
	for (int i = 0; i < 20000; i++) {
		int n = fprintf(f, "%05d:%s\n", i, "some text to make the file large");
		REQUIRE(n > 0);
		total += n;
	}
	REQUIRE(lt_fclose(f) == 0);
	REQUIREF(lt_file_size("f") == total, "file is %ld bytes, printed %ld", lt_file_size("f"), total);
	return 0;
}

static int position_matches_fd(void)
{
	FILE *f;
	fpos_t pos;

	f = lt_track(fopen("f", "w+"));
	REQUIRE(f != NULL);
	REQUIRE(fputs("0123456789", f) >= 0);
	REQUIRE(fflush(f) == 0);
	REQUIRE(lseek(fileno(f), 0, SEEK_CUR) == 10);
	REQUIRE(fseek(f, 4, SEEK_SET) == 0);
	REQUIRE(fgetpos(f, &pos) == 0);
	REQUIRE(fgetc(f) == '4' && fgetc(f) == '5');
	REQUIRE(fsetpos(f, &pos) == 0);
	REQUIRE(fgetc(f) == '4');
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int remove_rename(void)
{
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE(rename("f", "g") == 0);
	REQUIRE(remove("g") == 0);
	REQUIRE(remove("d") == 0);
	REQUIRE_ERR(access("g", F_OK), ENOENT);
	REQUIRE_ERR(access("d", F_OK), ENOENT);
	REQUIRE_ERR(remove("g"), ENOENT);
	return 0;
}

static const struct lt_check stdio_checks[] = {
	{ "fopen_w_r", fopen_w_r },
	{ "fopen_w_truncates", fopen_w_truncates },
	{ "fopen_a_appends", fopen_a_appends },
	{ "fopen_errors", fopen_r_missing },
	{ "fopen_rplus", fopen_rplus },
	{ "fopen_wplus", fopen_wplus },
	{ "fopen_x_e", fopen_x_e },
	{ "fseek_ftell", fseek_ftell },
	{ "fseek_hole", fseek_hole },
	{ "rewind", rewind_clears },
	{ "fread_fwrite_binary", fread_fwrite_binary },
	{ "fread_short", fread_short },
	{ "ungetc", ungetc_pushback },
	{ "setvbuf_unbuffered", setvbuf_unbuffered },
	{ "setvbuf_full", setvbuf_full },
	{ "setvbuf_line", setvbuf_line },
	{ "fflush_all", fflush_all },
	{ "fdopen", fdopen_fileno },
	{ "write_error", write_error },
	{ "freopen", freopen_other },
	{ "tmpfile", tmpfile_anon },
	{ "memstream", memstream_to_file },
	{ "getline", getline_lengths },
	{ "fscanf", fscanf_fields },
	{ "fprintf_large", fprintf_large },
	{ "fgetpos", position_matches_fd },
	{ "remove", remove_rename },
};
LT_AREA(stdio);

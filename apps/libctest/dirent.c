/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, dirent area: readdir and friends, scandir, nftw and glob over a tree made in the check's directory. */
#include "harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ./a ./b ./c ./ln -> a ./sub/x ./sub/deeper/y */
static int make_tree(void)
{
	if (lt_write_file("a", "A", 1) || lt_write_file("b", "BB", 2) || lt_write_file("c", "CCC", 3))
		return -1;
	if (mkdir("sub", 0755) || lt_write_file("sub/x", "x", 1) || mkdir("sub/deeper", 0755) ||
	    lt_write_file("sub/deeper/y", "y", 1) || symlink("a", "ln"))
		return -1;
	return 0;
}

static const char *const top_names[] = { ".", "..", "a", "b", "c", "ln", "sub" };
#define TOP_COUNT 7

static int top_index(const char *name)
{
	for (int i = 0; i < TOP_COUNT; i++)
		if (!strcmp(name, top_names[i]))
			return i;
	return -1;
}

/* Reads D to the end; fails unless it holds exactly the top names, each once. */
static int read_top(DIR *d, int *count)
{
	int seen[TOP_COUNT] = { 0 };
	struct dirent *e;

	*count = 0;
	errno = 0;
	while ((e = readdir(d))) {
		int i = top_index(e->d_name);

		REQUIREF(i >= 0, "unexpected entry \"%s\"", e->d_name);
		REQUIREF(!seen[i], "\"%s\" listed twice", e->d_name);
		seen[i] = 1;
		(*count)++;
	}
	REQUIREF(errno == 0, "readdir ended with errno %s", lt_errname(errno));
	for (int i = 0; i < TOP_COUNT; i++)
		REQUIREF(seen[i], "\"%s\" not listed", top_names[i]);
	return 0;
}

static int readdir_all(void)
{
	DIR *d;
	int n;

	REQUIRE(make_tree() == 0);
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	if (read_top(d, &n))
		return -1;
	REQUIRE(readdir(d) == NULL);
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int d_type_ino(void)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	int checked = 0;

	REQUIRE(make_tree() == 0);
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	while ((e = readdir(d))) {
		unsigned char want;

		if (!strcmp(e->d_name, "a"))
			want = DT_REG;
		else if (!strcmp(e->d_name, "sub") || !strcmp(e->d_name, "."))
			want = DT_DIR;
		else if (!strcmp(e->d_name, "ln"))
			want = DT_LNK;
		else
			continue;
		REQUIREF(e->d_type == want, "\"%s\" has d_type %d, want %d", e->d_name, e->d_type, want);
		REQUIRE(lstat(e->d_name, &st) == 0);
		REQUIREF(e->d_ino == st.st_ino, "\"%s\": d_ino %lu, st_ino %lu", e->d_name,
			 (unsigned long)e->d_ino, (unsigned long)st.st_ino);
		checked++;
	}
	REQUIRE(checked == 4);
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int rewinddir_fresh(void)
{
	DIR *d;
	struct dirent *e;
	int n1 = 0, n2 = 0, found = 0;

	REQUIRE(make_tree() == 0);
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	while (readdir(d))
		n1++;
	REQUIRE(n1 == TOP_COUNT);
	/* rewinddir also makes the stream see the directory as it is now. */
	REQUIRE(lt_write_file("new", "n", 1) == 0);
	rewinddir(d);
	while ((e = readdir(d))) {
		n2++;
		found |= !strcmp(e->d_name, "new");
	}
	REQUIREF(n2 == n1 + 1 && found, "after rewinddir: %d entries, new one %s", n2, found ? "seen" : "missing");
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int telldir_seekdir(void)
{
	DIR *d;
	struct dirent *e;
	char third[256], again[256];
	long pos;

	REQUIRE(make_tree() == 0);
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	REQUIRE(readdir(d) && readdir(d));
	pos = telldir(d);
	REQUIRE(pos != -1);
	e = readdir(d);
	REQUIRE(e != NULL);
	snprintf(third, sizeof(third), "%s", e->d_name);
	REQUIRE(readdir(d) && readdir(d));
	seekdir(d, pos);
	e = readdir(d);
	REQUIRE(e != NULL);
	snprintf(again, sizeof(again), "%s", e->d_name);
	REQUIREF(!strcmp(third, again), "after seekdir: \"%s\", want \"%s\"", again, third);
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int no_dots(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int scandir_sorted(void)
{
	static const char *const want[] = { "a", "b", "c", "ln", "sub" };
	struct dirent **list;
	int n;

	REQUIRE(make_tree() == 0);
	n = scandir(".", &list, no_dots, alphasort);
	REQUIREF(n == 5, "scandir returned %d", n);
	for (int i = 0; i < n; i++) {
		REQUIREF(!strcmp(list[i]->d_name, want[i]), "entry %d is \"%s\", want \"%s\"", i, list[i]->d_name,
			 want[i]);
		free(list[i]);
	}
	free(list);
	REQUIRE_ERR(scandir("missing", &list, NULL, alphasort), ENOENT);
	return 0;
}

static int counts[8], max_level, order, bad_type;
static int order_of_y, order_of_deeper;

static int count_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type >= 0 && type < 8)
		counts[type]++;
	if (ftw->level > max_level)
		max_level = ftw->level;
	order++;
	if (!strcmp(path + ftw->base, "y"))
		order_of_y = order;
	if (!strcmp(path + ftw->base, "deeper"))
		order_of_deeper = order;
	if (type == FTW_F && !S_ISREG(st->st_mode))
		bad_type = 1;
	return 0;
}

static void reset_counts(void)
{
	memset(counts, 0, sizeof(counts));
	max_level = order = order_of_y = order_of_deeper = 0;
	bad_type = 0;
}

static int nftw_phys(void)
{
	REQUIRE(make_tree() == 0);
	reset_counts();
	REQUIRE(nftw(".", count_entry, 8, FTW_PHYS) == 0);
	REQUIREF(counts[FTW_F] == 5 && counts[FTW_D] == 3 && counts[FTW_SL] == 1,
		 "files %d, dirs %d, links %d; want 5, 3, 1", counts[FTW_F], counts[FTW_D], counts[FTW_SL]);
	REQUIREF(max_level == 3, "deepest level %d, want 3", max_level);
	REQUIREF(order_of_deeper < order_of_y, "a directory reported after its contents without FTW_DEPTH");
	return 0;
}

static int nftw_depth(void)
{
	REQUIRE(make_tree() == 0);
	reset_counts();
	REQUIRE(nftw(".", count_entry, 8, FTW_PHYS | FTW_DEPTH) == 0);
	REQUIREF(counts[FTW_DP] == 3 && counts[FTW_D] == 0, "FTW_DP %d, FTW_D %d", counts[FTW_DP], counts[FTW_D]);
	REQUIREF(order_of_deeper > order_of_y, "with FTW_DEPTH \"deeper\" came before its file");
	return 0;
}

static int nftw_follow(void)
{
	REQUIRE(make_tree() == 0);
	reset_counts();
	REQUIRE(nftw(".", count_entry, 8, 0) == 0);
	REQUIREF(counts[FTW_F] == 6 && counts[FTW_SL] == 0, "following links: files %d, links %d",
		 counts[FTW_F], counts[FTW_SL]);
	REQUIREF(!bad_type, "a followed link was not reported as a regular file");
	REQUIRE_ERR(nftw("missing", count_entry, 8, 0), ENOENT);
	return 0;
}

static int stop_at_first(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	return type == FTW_F ? 7 : 0;
}

static int nftw_stops(void)
{
	REQUIRE(make_tree() == 0);
	REQUIRE(nftw(".", stop_at_first, 8, FTW_PHYS) == 7);
	return 0;
}

static int fdopendir_dirfd(void)
{
	DIR *d;
	int fd, n;

	REQUIRE(make_tree() == 0);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	d = lt_track_dir(fdopendir(fd));
	REQUIRE(d != NULL);
	REQUIRE(dirfd(d) == fd);
	if (read_top(d, &n))
		return -1;
	REQUIRE(lt_closedir(d) == 0);
	REQUIRE_ERR(fcntl(fd, F_GETFD), EBADF);
	fd = open("a", O_RDONLY);
	REQUIRE(fd >= 0);
	errno = 0;
	d = lt_track_dir(fdopendir(fd));
	REQUIREF(d == NULL && errno == ENOTDIR, "fdopendir of a file: errno %s", lt_errname(errno));
	return 0;
}

static int opendir_errors(void)
{
	DIR *d;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	errno = 0;
	d = lt_track_dir(opendir("missing"));
	REQUIREF(d == NULL && errno == ENOENT, "errno %s", lt_errname(errno));
	errno = 0;
	d = lt_track_dir(opendir("f"));
	REQUIREF(d == NULL && errno == ENOTDIR, "opendir of a file: errno %s", lt_errname(errno));
	return 0;
}

static int readdir_many(void)
{
	enum { N = 300 };
	static unsigned char seen[N];
	char name[80];
	struct dirent *e;
	DIR *d;
	int total = 0;

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "file-with-a-rather-long-name-to-fill-buffers-%03d", i);
		REQUIRE(lt_write_file(name, "", 0) == 0);
	}
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	while ((e = readdir(d))) {
		int i;

		total++;
		if (e->d_name[0] == '.')
			continue;
		REQUIRE(sscanf(e->d_name, "file-with-a-rather-long-name-to-fill-buffers-%d", &i) == 1);
		REQUIRE(i >= 0 && i < N);
		REQUIREF(!seen[i], "entry %d listed twice", i);
		seen[i] = 1;
	}
	REQUIREF(total == N + 2, "%d entries, want %d", total, N + 2);
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int unlinked_not_listed(void)
{
	DIR *d;
	struct dirent *e;

	REQUIRE(lt_write_file("gone", "x", 1) == 0);
	REQUIRE(lt_write_file("kept", "x", 1) == 0);
	REQUIRE(unlink("gone") == 0);
	d = lt_track_dir(opendir("."));
	REQUIRE(d != NULL);
	while ((e = readdir(d)))
		REQUIREF(strcmp(e->d_name, "gone"), "an unlinked file is still listed");
	REQUIRE(lt_closedir(d) == 0);
	return 0;
}

static int glob_match(void)
{
	glob_t g;

	REQUIRE(lt_write_file("2.txt", "", 0) == 0);
	REQUIRE(lt_write_file("1.txt", "", 0) == 0);
	REQUIRE(lt_write_file("x.dat", "", 0) == 0);
	REQUIRE(mkdir("dir.txt", 0755) == 0);
	REQUIRE(glob("*.txt", GLOB_MARK, NULL, &g) == 0);
	REQUIREF(g.gl_pathc == 3, "%zu matches", g.gl_pathc);
	REQUIRE(!strcmp(g.gl_pathv[0], "1.txt") && !strcmp(g.gl_pathv[1], "2.txt"));
	REQUIREF(!strcmp(g.gl_pathv[2], "dir.txt/"), "GLOB_MARK gave \"%s\"", g.gl_pathv[2]);
	globfree(&g);
	REQUIRE(glob("*.none", 0, NULL, &g) == GLOB_NOMATCH);
	return 0;
}

static const struct lt_check dirent_checks[] = {
	{ "readdir", readdir_all },
	{ "d_type_ino", d_type_ino },
	{ "rewinddir", rewinddir_fresh },
	{ "telldir_seekdir", telldir_seekdir },
	{ "scandir", scandir_sorted },
	{ "nftw_phys", nftw_phys },
	{ "nftw_depth", nftw_depth },
	{ "nftw_follow", nftw_follow },
	{ "nftw_stops", nftw_stops },
	{ "fdopendir", fdopendir_dirfd },
	{ "opendir_errors", opendir_errors },
	{ "readdir_many", readdir_many },
	{ "unlinked_not_listed", unlinked_not_listed },
	{ "glob", glob_match },
};
LT_AREA(dirent);

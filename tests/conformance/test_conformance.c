/*
 * Conformance with SQLite's sqllogictest: every supported "SELECT pk FROM tabN WHERE ..." query
 * of the peer suite in shared/peer/sqllogictest/index/ must return exactly the expected rows
 * when its WHERE clause runs as a profiledb segment. One test per directory of the suite, so
 * the summary names them; each prints its counts line and asserts zero failures and a floor on
 * the queries actually run, so a harness that silently skips everything fails too.
 *
 * The suite is found, in order, at $PROFILEDB_PEER_DIR (the peer folder or its sqllogictest/
 * folder), at <repository>/../shared/peer/sqllogictest (from this file's path, which CMake
 * makes absolute), and at ../shared, ../../shared and shared (peer/sqllogictest) below the
 * current directory. If none exists, the tests are skipped, naming every path tried.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "slt.h"

/* Of the queries that are not subqueries (nor skipped by skipif/onlyif), at least this share
 * must run as segments. */
#define EXECUTED_PERCENT_MIN 90u
#define TRIED_TEXT_SIZE 8192u

static bool is_directory(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

/* Tries `candidate` (and candidate/sqllogictest); on success copies the suite root. */
static bool peer_try(const char *candidate, char *root, size_t root_size, char *tried,
                     size_t tried_size)
{
    char path[4096];
    const char *suffixes[] = {"/sqllogictest", ""};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s", candidate, suffixes[i]);
        char index[4200];
        snprintf(index, sizeof index, "%s/index", path);
        size_t used = strlen(tried);
        snprintf(tried + used, tried_size - used, "%s%s", used ? ", " : "", index);
        if (is_directory(index)) {
            snprintf(root, root_size, "%s", path);
            return true;
        }
    }
    return false;
}

static bool peer_find(char *root, size_t root_size, char *tried, size_t tried_size)
{
    tried[0] = '\0';
    const char *from_env = getenv("PROFILEDB_PEER_DIR");
    if (from_env != NULL && from_env[0] != '\0' &&
        peer_try(from_env, root, root_size, tried, tried_size))
        return true;
    /* __FILE__ is <repository>/tests/conformance/test_conformance.c */
    char source[4096];
    snprintf(source, sizeof source, "%s", __FILE__);
    for (int level = 0; level < 3; level++) {
        char *slash = strrchr(source, '/');
        if (slash == NULL) {
            source[0] = '\0';
            break;
        }
        *slash = '\0';
    }
    if (source[0] != '\0') {
        char candidate[4200];
        snprintf(candidate, sizeof candidate, "%s/../shared/peer", source);
        if (peer_try(candidate, root, root_size, tried, tried_size)) return true;
    }
    const char *relative[] = {"../shared/peer", "../../shared/peer", "shared/peer"};
    for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++)
        if (peer_try(relative[i], root, root_size, tried, tried_size)) return true;
    return false;
}

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void conformance_directory_check(const char *relative)
{
    char root[4096];
    static char tried[TRIED_TEXT_SIZE];
    if (!peer_find(root, sizeof root, tried, sizeof tried))
        cr_skip_test("sqllogictest peer suite not found (looked for %s); set PROFILEDB_PEER_DIR",
                     tried);
    char directory[4200];
    snprintf(directory, sizeof directory, "%s/%s", root, relative);
    if (!is_directory(directory))
        cr_skip_test("sqllogictest directory %s is absent from the peer suite", directory);

    struct slt_stats stats;
    memset(&stats, 0, sizeof stats);
    double started_s = seconds_now();
    slt_directory_run(directory, relative, &stats);
    double elapsed_s = seconds_now() - started_s;

    char line[1024];
    slt_stats_format(&stats, line, sizeof line);
    printf("%s [%s: %u databases, %llu statements, %.2f s]\n", line, relative, stats.databases,
           (unsigned long long)stats.statements, elapsed_s);
    fflush(stdout);

    uint64_t unsupported = slt_stats_unsupported(&stats);
    cr_assert_eq(stats.passed + stats.failed + stats.skipped + unsupported, stats.queries,
                 "%s: every query lands in exactly one count", relative);
    cr_assert_gt(stats.files, 0, "%s: no .test files in %s", relative, directory);
    cr_assert_eq(stats.failed, 0, "%s: %llu failures (see above)", relative,
                 (unsigned long long)stats.failed);
    uint64_t executed = stats.passed + stats.failed;
    uint64_t runnable = stats.queries - stats.skipped - stats.unsupported[SLT_REASON_SUBQUERY];
    cr_assert_gt(executed, 0, "%s: no query ran", relative);
    cr_assert_geq(executed * 100, runnable * EXECUTED_PERCENT_MIN,
                  "%s: only %llu of %llu non-subquery queries ran (floor %u%%)", relative,
                  (unsigned long long)executed, (unsigned long long)runnable, EXECUTED_PERCENT_MIN);
}

Test(conformance, index_between_1, .timeout = 600)
{
    conformance_directory_check("index/between/1");
}

Test(conformance, index_between_10, .timeout = 600)
{
    conformance_directory_check("index/between/10");
}

Test(conformance, index_between_1000, .timeout = 600)
{
    conformance_directory_check("index/between/1000");
}

Test(conformance, index_in_10, .timeout = 600)
{
    conformance_directory_check("index/in/10");
}

/*
 * Tests for engine/simd/cpu.c: level names, the selection rule (PROFILEDB_SIMD honoured when
 * supported, a warning and the best level otherwise), detection against /proc/cpuinfo, and
 * simd_kernels() itself in forked children with the variable set (once, from many threads).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simd_test_support.h"

Test(cpu, level_names_round_trip)
{
    for (int level = 0; level < SIMD_LEVEL_COUNT; level++) {
        enum simd_level parsed;
        cr_assert(simd_level_parse(simd_level_name((enum simd_level)level), &parsed));
        cr_assert_eq(parsed, level);
    }
    cr_assert_str_eq(simd_level_name(SIMD_LEVEL_SCALAR), "scalar");
    cr_assert_str_eq(simd_level_name(SIMD_LEVEL_AVX2), "avx2");
    cr_assert_str_eq(simd_level_name(SIMD_LEVEL_AVX512), "avx512");
    cr_assert_str_eq(simd_level_name(SIMD_LEVEL_COUNT), "unknown");
}

Test(cpu, parse_rejects_other_names)
{
    const char *names[] = {"", "AVX2", "avx", "avx-512", "scalar ", "sse2", NULL};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum simd_level level = SIMD_LEVEL_COUNT;
        cr_assert_not(simd_level_parse(names[i], &level), "name %s", names[i]);
        cr_assert_eq(level, SIMD_LEVEL_COUNT, "a failed parse leaves its output alone");
    }
}

Test(cpu, choose_honours_supported_requests)
{
    char warning[160];
    for (int supported = 0; supported < SIMD_LEVEL_COUNT; supported++) {
        cr_assert_eq(simd_level_choose(NULL, supported, warning, sizeof warning), supported);
        cr_assert_str_empty(warning);
        cr_assert_eq(simd_level_choose("", supported, warning, sizeof warning), supported);
        cr_assert_str_empty(warning);
        for (int level = 0; level <= supported; level++) {
            const char *name = simd_level_name((enum simd_level)level);
            cr_assert_eq(simd_level_choose(name, supported, warning, sizeof warning), level);
            cr_assert_str_empty(warning);
        }
    }
}

Test(cpu, choose_falls_back_with_a_warning)
{
    char warning[160];
    cr_assert_eq(simd_level_choose("avx512", SIMD_LEVEL_SCALAR, warning, sizeof warning),
                 SIMD_LEVEL_SCALAR);
    cr_assert_str_eq(warning,
                     "PROFILEDB_SIMD=avx512: this CPU does not support avx512; using scalar");
    cr_assert_eq(simd_level_choose("avx512", SIMD_LEVEL_AVX2, warning, sizeof warning),
                 SIMD_LEVEL_AVX2);
    cr_assert_str_eq(warning,
                     "PROFILEDB_SIMD=avx512: this CPU does not support avx512; using avx2");
    cr_assert_eq(simd_level_choose("avx2", SIMD_LEVEL_SCALAR, warning, sizeof warning),
                 SIMD_LEVEL_SCALAR);
    cr_assert_str_eq(warning, "PROFILEDB_SIMD=avx2: this CPU does not support avx2; using scalar");
    cr_assert_eq(simd_level_choose("neon", SIMD_LEVEL_AVX512, warning, sizeof warning),
                 SIMD_LEVEL_AVX512);
    cr_assert_str_eq(
        warning, "PROFILEDB_SIMD=neon is not a SIMD level (scalar, avx2, avx512); using avx512");
    char tiny[8];
    cr_assert_eq(simd_level_choose("neon", SIMD_LEVEL_AVX2, tiny, sizeof tiny), SIMD_LEVEL_AVX2);
    cr_assert_eq(strlen(tiny), sizeof tiny - 1, "the warning is cut to the buffer");
    char long_request[400];
    memset(long_request, 'x', sizeof long_request - 1);
    long_request[sizeof long_request - 1] = '\0';
    cr_assert_eq(simd_level_choose(long_request, SIMD_LEVEL_SCALAR, warning, sizeof warning),
                 SIMD_LEVEL_SCALAR);
    cr_assert_lt(strlen(warning), sizeof warning - 1, "a long value is shortened in the warning");
}

Test(cpu, kernels_for_gives_exactly_the_supported_levels)
{
    enum simd_level supported = simd_level_supported();
    cr_log_info("this CPU supports %s", simd_level_name(supported));
    for (int level = 0; level < SIMD_LEVEL_COUNT; level++) {
        const struct simd_kernels *kernels = simd_kernels_for((enum simd_level)level);
        if (level <= (int)supported) {
            cr_assert_not_null(kernels, "level %d", level);
            cr_assert_eq(kernels->level, level);
        } else {
            cr_assert_null(kernels, "level %d", level);
        }
    }
    cr_assert_null(simd_kernels_for(SIMD_LEVEL_COUNT));
    cr_assert_null(simd_kernels_for((enum simd_level) - 1));
}

/* The flags Linux reports, when it does: the detected level must agree with them. */
Test(cpu, detection_agrees_with_proc_cpuinfo)
{
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) cr_skip_test("no /proc/cpuinfo");
    char line[8192];
    char flags[8192] = "";
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "flags", 5) == 0) {
            snprintf(flags, sizeof flags, " %s ", strchr(line, ':') + 1);
            break;
        }
    }
    fclose(file);
    if (flags[0] == '\0') cr_skip_test("no flags line");
    flags[strcspn(flags, "\n")] = ' ';
    const char *avx2[] = {" avx2 ", " fma ", " bmi1 ", " bmi2 ", " popcnt ", " abm "};
    const char *avx512[] = {" avx512f ", " avx512bw ", " avx512vl ", " avx512dq "};
    bool has_avx2 = true, has_avx512 = true;
    for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
        has_avx2 &= strstr(flags, avx2[i]) != NULL;
    for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
        has_avx512 &= strstr(flags, avx512[i]) != NULL;
    enum simd_level expected = !has_avx2    ? SIMD_LEVEL_SCALAR
                               : has_avx512 ? SIMD_LEVEL_AVX512
                                            : SIMD_LEVEL_AVX2;
    cr_assert_eq(simd_level_supported(), expected);
}

/* ---- simd_kernels() in a child process ------------------------------------------------------- */

#define CHILD_THREADS 4

static void *kernels_from_thread(void *unused)
{
    (void)unused;
    return (void *)simd_kernels();
}

/* Forks a child that sets PROFILEDB_SIMD to `request` (NULL: unset) and asks for the kernels
 * from CHILD_THREADS threads at once; returns the level they all got (asserting they agree)
 * and puts what the child wrote on stderr into stderr_text. */
static enum simd_level child_level(const char *request, char *stderr_text, size_t size)
{
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    fflush(stderr);
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        if (request != NULL)
            setenv(SIMD_ENV_VARIABLE, request, 1);
        else
            unsetenv(SIMD_ENV_VARIABLE);
        pthread_t threads[CHILD_THREADS];
        for (int i = 0; i < CHILD_THREADS; i++)
            if (pthread_create(&threads[i], NULL, kernels_from_thread, NULL) != 0) _exit(100);
        const struct simd_kernels *first = NULL;
        for (int i = 0; i < CHILD_THREADS; i++) {
            void *result;
            pthread_join(threads[i], &result);
            if (first != NULL && result != first) _exit(101);
            first = result;
        }
        if (simd_kernels() != first) _exit(102);
        fflush(stderr);
        _exit((int)first->level);
    }
    close(pipe_fds[1]);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < size && (got = read(pipe_fds[0], stderr_text + used, size - 1 - used)) > 0)
        used += (size_t)got;
    stderr_text[used] = '\0';
    close(pipe_fds[0]);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status));
    cr_assert_lt(WEXITSTATUS(status), SIMD_LEVEL_COUNT, "child failed with %d",
                 WEXITSTATUS(status));
    return (enum simd_level)WEXITSTATUS(status);
}

Test(cpu, simd_kernels_honours_the_environment)
{
    enum simd_level supported = simd_level_supported();
    char text[512];
    cr_assert_eq(child_level(NULL, text, sizeof text), supported);
    cr_assert_str_empty(text);
    for (int level = 0; level < SIMD_LEVEL_COUNT; level++) {
        const char *name = simd_level_name((enum simd_level)level);
        enum simd_level got = child_level(name, text, sizeof text);
        if (level <= (int)supported) {
            cr_assert_eq(got, level, "%s=%s", SIMD_ENV_VARIABLE, name);
            cr_assert_str_empty(text);
        } else {
            cr_assert_eq(got, supported, "%s=%s", SIMD_ENV_VARIABLE, name);
            cr_assert_not_null(strstr(text, "does not support"));
        }
    }
}

Test(cpu, simd_kernels_warns_once_about_an_unknown_level)
{
    char text[512];
    cr_assert_eq(child_level("avx9000", text, sizeof text), simd_level_supported());
    char expected[200];
    snprintf(expected, sizeof expected,
             "profiledb: PROFILEDB_SIMD=avx9000 is not a SIMD level (scalar, avx2, avx512); "
             "using %s\n",
             simd_level_name(simd_level_supported()));
    cr_assert_str_eq(text, expected, "one line, even with %d threads asking", CHILD_THREADS);
}

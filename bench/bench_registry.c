/*
 * The case registry of profiledb_bench and the helpers every case file shares: the seed, the
 * commit and SIMD levels printed in the output's context, a seeded PRNG, aligned buffers and
 * the split of a data set between threads. See bench.h.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#ifdef PDB_BENCH_HAVE_SIMD
#include "simd/simd.h"
#endif

#ifndef PDB_BENCH_SOURCE_DIR
#define PDB_BENCH_SOURCE_DIR "."
#endif
#ifndef PDB_BENCH_CONFIGURE_COMMIT
#define PDB_BENCH_CONFIGURE_COMMIT "unknown"
#endif

static struct bench_case cases[BENCH_CASES_MAX];
static uint32_t case_count;
static struct bench_case *prepared_case; /* the case whose data is alive */

/* ---- Registry ------------------------------------------------------------------------- */

struct bench_case *bench_registry_add(const char *name, bench_setup_fn setup, bench_run_fn run,
                                      bench_teardown_fn teardown, void *context)
{
    if (case_count == BENCH_CASES_MAX) {
        fprintf(stderr, "profiledb_bench: more than %u cases; %s dropped\n", BENCH_CASES_MAX, name);
        return NULL;
    }
    struct bench_case *bench_case = &cases[case_count++];
    memset(bench_case, 0, sizeof *bench_case);
    snprintf(bench_case->name, sizeof bench_case->name, "%s", name);
    snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu",
             (unsigned long long)bench_seed());
    bench_case->thread_count = 1;
    bench_case->setup = setup;
    bench_case->run = run;
    bench_case->teardown = teardown;
    bench_case->context = context;
    return bench_case;
}

uint32_t bench_registry_build(void)
{
    if (case_count > 0) return case_count;
    bench_memory_register();
    bench_kernels_register();
    bench_text_register();
    bench_bitmaps_register();
    bench_decode_register();
    bench_segments_register();
    bench_profiles_register();
    bench_results_register();
    bench_events_register();
    return case_count;
}

struct bench_case *bench_registry_case(uint32_t index)
{
    return index < case_count ? &cases[index] : NULL;
}

int bench_case_prepare(struct bench_case *bench_case, char *error, size_t error_size)
{
    if (bench_case->is_set_up) return 0;
    if (prepared_case != NULL && prepared_case != bench_case) {
        if (prepared_case->teardown != NULL) prepared_case->teardown(prepared_case->context);
        prepared_case->is_set_up = 0;
        prepared_case = NULL;
    }
    if (bench_case->setup != NULL && bench_case->setup(bench_case->context, error, error_size) != 0)
        return -1;
    bench_case->is_set_up = 1;
    prepared_case = bench_case;
    return 0;
}

/* ---- Context -------------------------------------------------------------------------- */

uint64_t bench_seed(void)
{
    const char *text = getenv("PROFILEDB_BENCH_SEED");
    if (text == NULL || *text == '\0') return 42;
    return strtoull(text, NULL, 10);
}

const char *bench_source_dir(void)
{
    return PDB_BENCH_SOURCE_DIR;
}

/* First line of a shell command's output, without the line end; "" if it fails. */
static void command_line(const char *command, char *out, size_t out_size)
{
    out[0] = '\0';
    FILE *pipe = popen(command, "r");
    if (pipe == NULL) return;
    if (fgets(out, (int)out_size, pipe) == NULL) out[0] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    int ignored = fgetc(pipe);
    while (ignored != EOF) ignored = fgetc(pipe);
    pclose(pipe);
}

const char *bench_commit(void)
{
    static char commit[96];
    if (commit[0] != '\0') return commit;
    char command[4096 + 128];
    char sha[64];
    snprintf(command, sizeof command, "git -C '%s' rev-parse HEAD 2>/dev/null", PDB_BENCH_SOURCE_DIR);
    command_line(command, sha, sizeof sha);
    if (sha[0] == '\0') {
        snprintf(commit, sizeof commit, "%s (at configure time)", PDB_BENCH_CONFIGURE_COMMIT);
        return commit;
    }
    char dirty[256];
    snprintf(command, sizeof command,
             "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null | head -1",
             PDB_BENCH_SOURCE_DIR);
    command_line(command, dirty, sizeof dirty);
    snprintf(commit, sizeof commit, "%s%s", sha, dirty[0] != '\0' ? "-dirty" : "");
    return commit;
}

const char *bench_simd_levels(void)
{
#ifdef PDB_BENCH_HAVE_SIMD
    static char levels[64];
    if (levels[0] != '\0') return levels;
    static const struct {
        enum simd_level level;
        const char *name;
    } known[] = {{SIMD_LEVEL_AVX512, "avx512"}, {SIMD_LEVEL_AVX2, "avx2"}, {SIMD_LEVEL_SCALAR, "scalar"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (simd_kernels_for(known[i].level) == NULL) continue;
        if (levels[0] != '\0') strcat(levels, ",");
        strcat(levels, known[i].name);
    }
    return levels;
#else
    return "none (engine/simd/simd.h not present at configure time)";
#endif
}

/* ---- PRNG ----------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void bench_rng_init(struct bench_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t state = seed * 0x2545f4914f6cdd1dull + stream;
    for (int i = 0; i < 4; i++) rng->state[i] = splitmix64(&state);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t bench_rng_next(struct bench_rng *rng)
{
    uint64_t *s = rng->state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double bench_rng_unit(struct bench_rng *rng)
{
    return (double)(bench_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* ---- Buffers and slices --------------------------------------------------------------- */

void *bench_alloc(size_t size)
{
    return mem_alloc_aligned(64, size);
}

void bench_free(void *pointer)
{
    mem_free(pointer);
}

void bench_slice(uint64_t count, uint64_t granule, uint32_t thread_index, uint32_t thread_count,
                 uint64_t *begin_out, uint64_t *end_out)
{
    uint64_t units = count / granule;
    uint64_t begin = units * thread_index / thread_count;
    uint64_t end = units * (thread_index + 1) / thread_count;
    *begin_out = begin * granule;
    *end_out = thread_index + 1 == thread_count ? count : end * granule;
}

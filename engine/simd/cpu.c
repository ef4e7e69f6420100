/*
 * CPU detection and the choice of the active kernel table.
 *
 * A level is supported when the CPU has every instruction its file is compiled with
 * (CMakeLists.txt: AVX2 = AVX2 FMA BMI1 BMI2 POPCNT LZCNT; AVX-512 = those and F BW VL DQ)
 * and the OS saves the registers it uses (XCR0: SSE and AVX state; for AVX-512 also the
 * opmask and both halves of the ZMM state). Detection runs once; so does the selection,
 * which reads PROFILEDB_SIMD when the engine first asks for kernels. Both are thread-safe:
 * pthread_once does the work, an atomic pointer makes later calls one load.
 */
#include "simd/simd_internal.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CPUID bits. */
#define CPUID1_ECX_FMA (1u << 12)
#define CPUID1_ECX_POPCNT (1u << 23)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID7_EBX_BMI1 (1u << 3)
#define CPUID7_EBX_AVX2 (1u << 5)
#define CPUID7_EBX_BMI2 (1u << 8)
#define CPUID7_EBX_AVX512F (1u << 16)
#define CPUID7_EBX_AVX512DQ (1u << 17)
#define CPUID7_EBX_AVX512BW (1u << 30)
#define CPUID7_EBX_AVX512VL (1u << 31)
#define CPUID_EXT1_ECX_LZCNT (1u << 5)
/* XCR0 state components: SSE, AVX (upper YMM); opmask, upper ZMM0-15, ZMM16-31. */
#define XCR0_AVX_STATE 0x06u
#define XCR0_AVX512_STATE 0xE0u

static const char *const level_names[SIMD_LEVEL_COUNT] = {"scalar", "avx2", "avx512"};
static const struct simd_kernels *const level_tables[SIMD_LEVEL_COUNT] = {
    &simd_kernels_scalar_table, &simd_kernels_avx2_table, &simd_kernels_avx512_table};

const char *simd_level_name(enum simd_level level)
{
    return (unsigned)level < SIMD_LEVEL_COUNT ? level_names[level] : "unknown";
}

bool simd_level_parse(const char *name, enum simd_level *level_out)
{
    for (unsigned level = 0; level < SIMD_LEVEL_COUNT; level++) {
        if (name != NULL && strcmp(name, level_names[level]) == 0) {
            *level_out = (enum simd_level)level;
            return true;
        }
    }
    return false;
}

/* ---- Detection ------------------------------------------------------------------------------- */

static bool has_all(uint32_t bits, uint32_t wanted)
{
    return (bits & wanted) == wanted;
}

/* XGETBV is only valid once CPUID reports OSXSAVE. */
static uint64_t xcr0_read(void)
{
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static enum simd_level level_detect(void)
{
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, NULL) < 7u || !__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return SIMD_LEVEL_SCALAR;
    uint32_t leaf1_ecx = ecx;
    if (!has_all(leaf1_ecx,
                 CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX | CPUID1_ECX_FMA | CPUID1_ECX_POPCNT))
        return SIMD_LEVEL_SCALAR;
    uint64_t xcr0 = xcr0_read();
    if (!has_all((uint32_t)xcr0, XCR0_AVX_STATE)) return SIMD_LEVEL_SCALAR;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    uint32_t leaf7_ebx = ebx;
    if (!__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) || !has_all(ecx, CPUID_EXT1_ECX_LZCNT))
        return SIMD_LEVEL_SCALAR;
    if (!has_all(leaf7_ebx, CPUID7_EBX_AVX2 | CPUID7_EBX_BMI1 | CPUID7_EBX_BMI2))
        return SIMD_LEVEL_SCALAR;
    uint32_t avx512 =
        CPUID7_EBX_AVX512F | CPUID7_EBX_AVX512DQ | CPUID7_EBX_AVX512BW | CPUID7_EBX_AVX512VL;
    if (!has_all(leaf7_ebx, avx512) || !has_all((uint32_t)xcr0, XCR0_AVX512_STATE))
        return SIMD_LEVEL_AVX2;
    return SIMD_LEVEL_AVX512;
}

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static enum simd_level detected_level;

static void detect(void)
{
    detected_level = level_detect();
}

enum simd_level simd_level_supported(void)
{
    pthread_once(&detect_once, detect);
    return detected_level;
}

const struct simd_kernels *simd_kernels_for(enum simd_level level)
{
    if ((unsigned)level >= SIMD_LEVEL_COUNT || level > simd_level_supported()) return NULL;
    return level_tables[level];
}

/* ---- Selection ------------------------------------------------------------------------------ */

enum simd_level simd_level_choose(const char *request, enum simd_level supported, char *warning,
                                  size_t warning_size)
{
    warning[0] = '\0';
    if (request == NULL || request[0] == '\0') return supported;
    enum simd_level level;
    if (!simd_level_parse(request, &level)) {
        snprintf(warning, warning_size,
                 "%s=%.32s is not a SIMD level (scalar, avx2, avx512); using %s", SIMD_ENV_VARIABLE,
                 request, simd_level_name(supported));
        return supported;
    }
    if (level > supported) {
        snprintf(warning, warning_size, "%s=%s: this CPU does not support %s; using %s",
                 SIMD_ENV_VARIABLE, request, request, simd_level_name(supported));
        return supported;
    }
    return level;
}

static pthread_once_t select_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct simd_kernels *) active_kernels;

static void kernels_select(void)
{
    char warning[160];
    enum simd_level level = simd_level_choose(getenv(SIMD_ENV_VARIABLE), simd_level_supported(),
                                              warning, sizeof warning);
    if (warning[0] != '\0') fprintf(stderr, "profiledb: %s\n", warning);
    atomic_store_explicit(&active_kernels, level_tables[level], memory_order_release);
}

const struct simd_kernels *simd_kernels(void)
{
    const struct simd_kernels *kernels =
        atomic_load_explicit(&active_kernels, memory_order_acquire);
    if (kernels != NULL) return kernels;
    pthread_once(&select_once, kernels_select);
    return atomic_load_explicit(&active_kernels, memory_order_acquire);
}

// profiledb_bench: the thin C++ main of the google-benchmark harness. Every case is written in
// C (bench/*.c, registry in bench.h); this file registers each one with google-benchmark,
// runs its lazy setup on thread 0, and reports rows as items/s and bytes/s. The output's
// context carries the seed, the git commit and the SIMD levels beside google-benchmark's CPU
// description.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench.h"

static void run_case(benchmark::State &state, struct bench_case *bench_case)
{
    if (state.thread_index() == 0) {
        char error[512] = "";
        if (bench_case_prepare(bench_case, error, sizeof error) != 0) {
            state.SkipWithError(error[0] != '\0' ? error : "setup failed");
            return;
        }
    }
    uint32_t thread_index = static_cast<uint32_t>(state.thread_index());
    uint32_t thread_count = static_cast<uint32_t>(state.threads());
    uint64_t rows = 0, bytes = 0, sink = 0;
    bool failed = false;
    for (auto _ : state) {
        struct bench_result result = bench_case->run(bench_case->context, thread_index, thread_count);
        if (result.rows == 0) failed = true;
        rows += result.rows;
        bytes += result.bytes;
        sink += result.check;
    }
    benchmark::DoNotOptimize(sink);
    if (failed) {
        state.SkipWithError("the case failed (see stderr)");
        return;
    }
    state.SetItemsProcessed(static_cast<int64_t>(rows));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.SetLabel(bench_case->label);
}

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    uint32_t count = bench_registry_build();
    benchmark::AddCustomContext("profiledb_commit", bench_commit());
    benchmark::AddCustomContext("profiledb_seed", std::to_string(bench_seed()));
    benchmark::AddCustomContext("profiledb_simd_levels", bench_simd_levels());
    for (uint32_t i = 0; i < count; i++) {
        struct bench_case *bench_case = bench_registry_case(i);
        benchmark::internal::Benchmark *registered =
            benchmark::RegisterBenchmark(bench_case->name, run_case, bench_case);
        if (bench_case->thread_count > 1) registered->Threads(static_cast<int>(bench_case->thread_count));
        if (bench_case->thread_count > 1 || bench_case->uses_real_time) registered->UseRealTime();
        registered->Unit(benchmark::kMicrosecond);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

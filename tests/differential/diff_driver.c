/*
 * The differential loop shared by every random test: for segment k of a stream, generate the
 * tree, render its text, ask the naive evaluator, SQLite and (when given) the engine, and
 * compare counts and id lists. Mismatches are printed in full (the first few) and counted;
 * the caller asserts on the totals, so one run reports every disagreement, not just the first.
 * The engine is reached only through the caller's callback, so this file needs no engine.
 */
#include "diff_driver.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void diff_segment_prepare(struct diff_segment *segment, const struct diff_data *data,
                          uint64_t stream, uint32_t index, struct diff_text *text)
{
    diff_segment_generate(segment, data, stream, index);
    struct diff_rng style;
    diff_rng_init(&style, data->seed ^ (stream << 40), 5000000u + index);
    diff_segment_render(segment->root, &style, text);
}

void diff_run_segments(const struct diff_run *run, struct diff_run_stats *stats)
{
    const struct diff_data *data = run->data;
    bool verbose = diff_env_verbose();
    uint32_t *naive_ids = malloc((size_t)data->row_count * sizeof *naive_ids);
    uint32_t *sqlite_ids = malloc((size_t)data->row_count * sizeof *sqlite_ids);
    cr_assert(naive_ids && sqlite_ids, "out of memory");
    struct diff_text text = {0}, sql = {0}, report = {0}, engine_problem = {0};
    memset(stats, 0, sizeof *stats);

    for (uint32_t index = 0; index < run->segment_count; index++) {
        struct diff_segment segment;
        diff_segment_prepare(&segment, data, run->stream, index, &text);

        struct diff_answer answers[3];
        uint32_t answer_count = 0;
        double started_s = seconds_now();
        uint32_t naive_count = diff_naive_ids(data, segment.root, naive_ids);
        if (run->deleted != NULL) { /* deleted rows are in no answer */
            uint32_t kept = 0;
            for (uint32_t i = 0; i < naive_count; i++)
                if (!run->deleted[naive_ids[i]]) naive_ids[kept++] = naive_ids[i];
            naive_count = kept;
        }
        double naive_done_s = seconds_now();
        stats->naive_s += naive_done_s - started_s;
        answers[answer_count++] =
            (struct diff_answer){"naive", naive_ids, naive_count, naive_count};
        uint32_t sqlite_count =
            diff_sqlite_ids(run->sqlite, segment.root, sqlite_ids, index % 16 == 0, &sql);
        answers[answer_count++] =
            (struct diff_answer){"sqlite", sqlite_ids, sqlite_count, sqlite_count};
        double sqlite_done_s = seconds_now();
        stats->sqlite_s += sqlite_done_s - naive_done_s;

        diff_text_clear(&engine_problem);
        if (run->engine != NULL) {
            answers[answer_count] = (struct diff_answer){"engine", NULL, 0, 0};
            run->engine(run->engine_context, text.data, &answers[answer_count], &engine_problem);
            answer_count++;
            stats->engine_s += seconds_now() - sqlite_done_s;
        }

        bool agree = diff_answers_agree(answers, answer_count) && engine_problem.size == 0;
        if (verbose) {
            printf("differential: [%u] naive=%u sqlite=%u", index, naive_count, sqlite_count);
            if (run->engine) printf(" engine=%llu", (unsigned long long)answers[2].count);
            printf(" %s\n    %s\n", agree ? "ok" : "MISMATCH", text.data);
        }
        stats->segment_count++;
        if (naive_count == 0)
            stats->empty_count++;
        else if (naive_count == data->row_count)
            stats->full_count++;
        if (!agree) {
            stats->mismatch_count++;
            if (stats->mismatch_count <= DIFF_MISMATCH_REPORTS_MAX) {
                char label[128];
                snprintf(label, sizeof label, "%s segment #%u (stream %llu)", run->label, index,
                         (unsigned long long)run->stream);
                diff_text_clear(&report);
                diff_mismatch_describe(data, label, text.data, sql.data, answers, answer_count,
                                       &report);
                if (engine_problem.size)
                    diff_text_printf(&report, "  engine: %s\n", engine_problem.data);
                fprintf(stderr, "%s", report.data);
            }
        }
        diff_segment_deinit(&segment);
    }
    printf("differential: seed=%llu %s: %u segments, %u empty, %u all rows, %u with a partial "
           "result, %u mismatches (seconds: naive %.1f, sqlite %.1f, engine %.1f)\n",
           (unsigned long long)data->seed, run->label, stats->segment_count, stats->empty_count,
           stats->full_count, stats->segment_count - stats->empty_count - stats->full_count,
           stats->mismatch_count, stats->naive_s, stats->sqlite_s, stats->engine_s);
    fflush(stdout);
    diff_text_deinit(&text);
    diff_text_deinit(&sql);
    diff_text_deinit(&report);
    diff_text_deinit(&engine_problem);
    free(naive_ids);
    free(sqlite_ids);
}

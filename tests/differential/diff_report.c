/*
 * Comparing answers and describing a disagreement precisely enough to act on it: the seed,
 * the segment text (raw and escaped), the SQL, every evaluator's count and id-list length,
 * the first row id on which the id lists differ, which evaluators returned it, and all of that
 * row's values as the test generated them.
 */
#include "diff.h"

#include <string.h>

bool diff_answers_agree(const struct diff_answer *answers, uint32_t answer_count)
{
    for (uint32_t i = 0; i < answer_count; i++) {
        if (answers[i].count != answers[0].count || answers[i].id_count != answers[0].id_count ||
            answers[i].count != answers[i].id_count)
            return false;
        if (answers[i].id_count > 0 &&
            memcmp(answers[i].ids, answers[0].ids, answers[0].id_count * sizeof(uint32_t)) != 0)
            return false;
    }
    return true;
}

/* Smallest row id that some but not all answers contain; false when the id lists agree. */
static bool first_difference(const struct diff_answer *answers, uint32_t answer_count,
                             uint32_t *row_out)
{
    uint32_t positions[8] = {0};
    for (;;) {
        bool any = false;
        uint32_t next = UINT32_MAX;
        for (uint32_t i = 0; i < answer_count; i++) {
            if (positions[i] < answers[i].id_count) {
                any = true;
                if (answers[i].ids[positions[i]] < next) next = answers[i].ids[positions[i]];
            }
        }
        if (!any) return false;
        uint32_t holders = 0;
        for (uint32_t i = 0; i < answer_count; i++) {
            if (positions[i] < answers[i].id_count && answers[i].ids[positions[i]] == next)
                holders++;
        }
        if (holders != answer_count) {
            *row_out = next;
            return true;
        }
        for (uint32_t i = 0; i < answer_count; i++)
            positions[i]++;
    }
}

static bool answer_contains(const struct diff_answer *answer, uint32_t row)
{
    uint32_t low = 0, high = answer->id_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (answer->ids[middle] < row)
            low = middle + 1;
        else
            high = middle;
    }
    return low < answer->id_count && answer->ids[low] == row;
}

void diff_mismatch_describe(const struct diff_data *data, const char *label,
                            const char *segment_text, const char *sql,
                            const struct diff_answer *answers, uint32_t answer_count,
                            struct diff_text *out)
{
    diff_text_printf(out, "MISMATCH seed=%llu %s (rows=%u now=%lld)\n",
                     (unsigned long long)data->seed, label, data->row_count,
                     (long long)data->now_s);
    diff_text_printf(out, "  segment: %s\n", segment_text);
    diff_text_puts(out, "  segment (escaped): ");
    diff_text_append_escaped(out, segment_text, strlen(segment_text));
    diff_text_printf(out, "\n  sql: %s\n  counts:", sql);
    for (uint32_t i = 0; i < answer_count; i++) {
        diff_text_printf(out, " %s=%llu", answers[i].name, (unsigned long long)answers[i].count);
        if (answers[i].count != answers[i].id_count)
            diff_text_printf(out, " (but %u ids)", answers[i].id_count);
    }
    diff_text_puts(out, "\n");
    uint32_t row;
    if (first_difference(answers, answer_count, &row)) {
        diff_text_printf(out, "  first differing row id %u, returned by:", row);
        for (uint32_t i = 0; i < answer_count; i++) {
            if (answer_contains(&answers[i], row)) diff_text_printf(out, " %s", answers[i].name);
        }
        diff_text_puts(out, "\n  ");
        if (row < data->row_count)
            diff_row_describe(data, row, out);
        else
            diff_text_printf(out, "row id %u is out of range", row);
        diff_text_puts(out, "\n");
    } else {
        diff_text_puts(out, "  id lists agree; only the counts differ\n");
    }
}

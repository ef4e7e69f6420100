/*
 * Tests for ingest/csv_reader.c: the RFC 4180 cases, field and record positions, every
 * malformed case with its position and resynchronisation, the record size and field count
 * limits, block boundaries in real files, pipes on standard input, I/O and memory errors,
 * steady-state allocation, a random round trip and a comparison with the naive model parser
 * (test_csv_helpers.c) on random valid and malformed input.
 *
 * Most cases go through CHECK_CSV, which parses in place and streamed with reads of 1, 2, 3,
 * 5, 16 and 4096 bytes (all must agree exactly, positions included) and compares with the
 * model before comparing the render with the expected text.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "ingest/csv_reader.h"
#include "test_csv_helpers.h"

/* ---- RFC 4180 ------------------------------------------------------------------------ */

Test(csv_reader, parses_simple_records)
{
    CHECK_CSV("a,b,c\n1,2,3\n", "[a][b][c]\n[1][2][3]\n");
    CHECK_CSV("", "");
    CHECK_CSV("x", "[x]\n");
}

Test(csv_reader, quoted_fields_hold_commas_and_escaped_quotes)
{
    CHECK_CSV("\"a,b\",c\n\"x\"\"y\",\"\"\"\"\n", "<a,b>[c]\n<x\"y><\">\n");
    CHECK_CSV("\"he said \"\"hi\"\", twice\"\"\",z\n", "<he said \"hi\", twice\">[z]\n");
    CHECK_CSV("\"\"\"\"\"\"\"\"\n", "<\"\"\">\n");
}

Test(csv_reader, quoted_fields_hold_lf_crlf_and_cr)
{
    CHECK_CSV("\"line1\nline2\",\"cr\r\nlf\"\r\nz\n", "<line1\\nline2><cr\\r\\nlf>\n[z]\n");
    CHECK_CSV("\"a\rb\",\"\n\"\n", "<a\\rb><\\n>\n");
    CHECK_CSV("\"\n\n\n\"\n", "<\\n\\n\\n>\n");
}

Test(csv_reader, records_end_at_lf_or_crlf)
{
    CHECK_CSV("a,b\r\nc,d\r\n", "[a][b]\n[c][d]\n");
    CHECK_CSV("a\r\nb\nc\r\n", "[a]\n[b]\n[c]\n");
    CHECK_CSV("\"a\"\r\n\"b\"\n", "<a>\n<b>\n");
}

Test(csv_reader, last_record_needs_no_line_end)
{
    CHECK_CSV("a,b\nc,d", "[a][b]\n[c][d]\n");
    CHECK_CSV("a,\"b\"", "[a]<b>\n");
    CHECK_CSV("a,\"b\"\"\"", "[a]<b\">\n");
    CHECK_CSV("a,", "[a][]\n");
    CHECK_CSV("\"\"", "<>\n");
}

Test(csv_reader, empty_fields_quoted_and_unquoted)
{
    CHECK_CSV(",,\n\"\",,\"\"\n", "[][][]\n<>[]<>\n");
    CHECK_CSV(",\r\n", "[][]\n");
    CHECK_CSV("\"\",\"\"\r\n", "<><>\n");
}

Test(csv_reader, single_column)
{
    CHECK_CSV("name\nalice\n\"bob, jr\"\n", "[name]\n[alice]\n<bob, jr>\n");
    CHECK_CSV("a\n\"\"\nb", "[a]\n<>\n[b]\n");
}

Test(csv_reader, trailing_comma_is_an_empty_last_field)
{
    CHECK_CSV("a,b,\nc,d,\r\n", "[a][b][]\n[c][d][]\n");
    CHECK_CSV("\"a\",\n", "<a>[]\n");
}

Test(csv_reader, skips_a_utf8_bom_only_at_the_start)
{
    CHECK_CSV("\xef\xbb\xbfid,name\n1,x\n", "[id][name]\n[1][x]\n");
    CHECK_CSV("\xef\xbb\xbf\"id\"\n", "<id>\n");
    CHECK_CSV("a\n\xef\xbb\xbf", "[a]\n[\xef\xbb\xbf]\n");
    CHECK_CSV("\xef\xbb", "[\xef\xbb]\n");
    CHECK_CSV("\xef\xbb\xbf", "");
    CHECK_CSV("\xef\xbb\xbf\n\nz\n", "[z]\n");

    /* Columns on line 1 count from after the BOM. */
    static const char text[] = "\xef\xbb\xbf" "ab,cd\n";
    struct parsed parsed = parsed_from_memory(text, sizeof text - 1, 0, 0);
    cr_assert_eq(parsed.records[0].fields[0].column, 1);
    cr_assert_eq(parsed.records[0].fields[1].column, 4);
    cr_assert_eq(parsed.records[0].raw_size, 5);
    parsed_free(&parsed);
}

Test(csv_reader, skips_blank_lines_but_counts_them)
{
    static const char text[] = "\n\r\na\n\n\r\n\nb\n\n";
    CHECK_CSV("\n\r\na\n\n\r\n\nb\n\n", "[a]\n[b]\n");
    struct parsed parsed = parsed_from_memory(text, sizeof text - 1, 0, 0);
    cr_assert_eq(parsed.record_count, 2);
    cr_assert_eq(parsed.records[0].line, 3);
    cr_assert_eq(parsed.records[1].line, 7);
    cr_assert_eq(parsed.records[1].fields[0].line, 7);
    parsed_free(&parsed);
    CHECK_CSV("\n\n\n", "");
    CHECK_CSV("\r\n", "");
}

Test(csv_reader, lone_cr_outside_quotes_is_data)
{
    CHECK_CSV("a\rb,c\r\n\r\rd\n", "[a\\rb][c]\n[\\r\\rd]\n");
    CHECK_CSV("x\r", "[x\\r]\n");
    CHECK_CSV("\r", "[\\r]\n");
    CHECK_CSV("a,\r\r\n", "[a][\\r]\n");
}

/* ---- Positions ----------------------------------------------------------------------- */

static void assert_field(const struct parsed_record *record, uint32_t index, const char *data,
                         bool is_quoted, uint64_t line, uint32_t column)
{
    cr_assert_lt(index, record->field_count);
    const struct parsed_field *field = &record->fields[index];
    cr_assert_eq(field->size, strlen(data), "field %u size %u", index, field->size);
    cr_assert_str_eq(field->data, data);
    cr_assert_eq(field->is_quoted, is_quoted, "field %u is_quoted", index);
    cr_assert_eq(field->line, line, "field %u line %llu, expected %llu", index,
                 (unsigned long long)field->line, (unsigned long long)line);
    cr_assert_eq(field->column, column, "field %u column %u, expected %u", index, field->column,
                 column);
}

Test(csv_reader, reports_field_and_record_positions)
{
    static const char text[] = "id,name\n1,\"multi\nline\",tail,\"x\"\r\n2,b\n";
    struct parsed parsed = parsed_from_memory(text, sizeof text - 1, 0, 0);
    cr_assert_eq(parsed.record_count, 3);
    const struct parsed_record *first = &parsed.records[0];
    cr_assert_eq(first->line, 1);
    cr_assert_eq(first->line_count, 1);
    assert_field(first, 0, "id", false, 1, 1);
    assert_field(first, 1, "name", false, 1, 4);

    const struct parsed_record *second = &parsed.records[1];
    cr_assert_eq(second->line, 2);
    cr_assert_eq(second->line_count, 2);
    cr_assert_eq(second->field_count, 4);
    assert_field(second, 0, "1", false, 2, 1);
    assert_field(second, 1, "multi\nline", true, 2, 3);
    assert_field(second, 2, "tail", false, 3, 7);
    assert_field(second, 3, "x", true, 3, 12);
    cr_assert_eq(second->raw_size, strlen("1,\"multi\nline\",tail,\"x\""));
    cr_assert_str_eq(second->raw, "1,\"multi\nline\",tail,\"x\"");

    const struct parsed_record *third = &parsed.records[2];
    cr_assert_eq(third->line, 4);
    assert_field(third, 0, "2", false, 4, 1);
    assert_field(third, 1, "b", false, 4, 3);
    parsed_free(&parsed);
}

Test(csv_reader, positions_after_several_multiline_fields_and_blank_lines)
{
    static const char text[] = "\"a\n\nb\",\"c\r\nd\"\"\",e\n\n\r\n  f,\"g\nh\"\n";
    struct parsed parsed = parsed_from_memory(text, sizeof text - 1, 0, 0);
    cr_assert_eq(parsed.record_count, 2);
    const struct parsed_record *first = &parsed.records[0];
    cr_assert_eq(first->line, 1);
    cr_assert_eq(first->line_count, 4);
    assert_field(first, 0, "a\n\nb", true, 1, 1);
    assert_field(first, 1, "c\r\nd\"", true, 3, 4);
    assert_field(first, 2, "e", false, 4, 6);
    const struct parsed_record *second = &parsed.records[1];
    cr_assert_eq(second->line, 7);
    cr_assert_eq(second->line_count, 2);
    assert_field(second, 0, "  f", false, 7, 1);
    assert_field(second, 1, "g\nh", true, 7, 5);
    parsed_free(&parsed);
}

Test(csv_reader, raw_excludes_the_line_end)
{
    static const char text[] = "a,\"b\"\r\nc\nd\r\n";
    struct parsed parsed = parsed_from_memory(text, sizeof text - 1, 0, 0);
    cr_assert_eq(parsed.record_count, 3);
    cr_assert_str_eq(parsed.records[0].raw, "a,\"b\"");
    cr_assert_str_eq(parsed.records[1].raw, "c");
    cr_assert_str_eq(parsed.records[2].raw, "d");
    cr_assert_not(parsed.records[0].is_raw_truncated);
    parsed_free(&parsed);
}

/* ---- Malformed records --------------------------------------------------------------- */

/* Parses `text`, asserts record `index` has `problem` at line:column and raw `raw`. */
static void assert_problem(const char *text, size_t size, size_t index, const char *problem,
                           uint64_t line, uint32_t column, const char *raw, size_t raw_size)
{
    struct parsed parsed = parsed_from_memory(text, size, 0, 0);
    cr_assert_gt(parsed.record_count, index);
    const struct parsed_record *record = &parsed.records[index];
    cr_assert_not_null(record->problem);
    cr_assert_str_eq(record->problem, problem);
    cr_assert_eq(record->problem_line, line, "problem line %llu",
                 (unsigned long long)record->problem_line);
    cr_assert_eq(record->problem_column, column, "problem column %u", record->problem_column);
    cr_assert_eq(record->field_count, 0);
    cr_assert_eq(record->raw_size, raw_size, "raw size %zu", record->raw_size);
    cr_assert_eq(memcmp(record->raw, raw, raw_size), 0);
    parsed_free(&parsed);
}
#define ASSERT_PROBLEM(literal, index, problem, line, column, raw)                             \
    assert_problem((literal), sizeof(literal) - 1, (index), (problem), (line), (column), (raw), \
                   sizeof(raw) - 1)

Test(csv_reader, bare_quote_resynchronises_at_the_next_line)
{
    CHECK_CSV("a,b\"c,d\nx,y\n", "!bare quote in unquoted field@1:4\n[x][y]\n");
    ASSERT_PROBLEM("a,b\"c,d\nx,y\n", 0, CSV_PROBLEM_BARE_QUOTE, 1, 4, "a,b\"c,d");
    /* The junk's quotes do not open a field that swallows the next lines. */
    CHECK_CSV("ok\nab\"cd,\"ef\r\nz,\"w\"\r\n", "[ok]\n!bare quote in unquoted field@2:3\n[z]<w>\n");
    ASSERT_PROBLEM("ok\nab\"cd,\"ef\r\nz\r\n", 1, CSV_PROBLEM_BARE_QUOTE, 2, 3, "ab\"cd,\"ef");
    /* On the second line of a record that began with a multi-line field. */
    CHECK_CSV("\"a\nb\",c\"d\ne\n", "!bare quote in unquoted field@2:5\n[e]\n");
    ASSERT_PROBLEM("\"a\nb\",c\"d\ne\n", 0, CSV_PROBLEM_BARE_QUOTE, 2, 5, "\"a\nb\",c\"d");
    /* A space before a quote makes the field unquoted. */
    CHECK_CSV("a, \"b\"\nc\n", "!bare quote in unquoted field@1:4\n[c]\n");
    /* At the end of input. */
    CHECK_CSV("a\nb\"", "[a]\n!bare quote in unquoted field@2:2\n");
    struct parsed parsed = parsed_from_memory("p\nab\"c\nq,r\n", 11, 0, 0);
    cr_assert_eq(parsed.record_count, 3);
    cr_assert_eq(parsed.records[1].line, 2);
    cr_assert_eq(parsed.records[1].line_count, 1);
    cr_assert_eq(parsed.records[2].line, 3);
    parsed_free(&parsed);
}

Test(csv_reader, character_after_closing_quote_resynchronises_at_the_next_line)
{
    CHECK_CSV("\"a\"b,c\nx\n", "!unexpected character after closing quote@1:4\n[x]\n");
    ASSERT_PROBLEM("\"a\"b,c\nx\n", 0, CSV_PROBLEM_AFTER_QUOTE, 1, 4, "\"a\"b,c");
    CHECK_CSV("\"a\" ,b\n", "!unexpected character after closing quote@1:4\n");
    CHECK_CSV("\"a\"\rb\nx\n", "!unexpected character after closing quote@1:4\n[x]\n");
    CHECK_CSV("\"a\"\r", "!unexpected character after closing quote@1:4\n");
    ASSERT_PROBLEM("\"a\"\r", 0, CSV_PROBLEM_AFTER_QUOTE, 1, 4, "\"a\"\r");
    CHECK_CSV("x,\"a\nb\"c\nnext\n",
              "!unexpected character after closing quote@2:3\n[next]\n");
    ASSERT_PROBLEM("x,\"a\nb\"c,\"\r\nnext\n", 0, CSV_PROBLEM_AFTER_QUOTE, 2, 3,
                   "x,\"a\nb\"c,\"");
    struct parsed parsed = parsed_from_memory("x,\"a\nb\"c\nnext\n", 14, 0, 0);
    cr_assert_eq(parsed.records[0].line_count, 2);
    cr_assert_eq(parsed.records[1].line, 3);
    parsed_free(&parsed);
}

Test(csv_reader, unterminated_quote_consumes_the_rest_of_the_input)
{
    CHECK_CSV("a\n\"b,c\nd,e\n", "[a]\n!unterminated quoted field@2:1\n");
    ASSERT_PROBLEM("a\n\"b,c\nd,e\n", 1, CSV_PROBLEM_UNTERMINATED, 2, 1, "\"b,c\nd,e\n");
    CHECK_CSV("x,y,\"z", "!unterminated quoted field@1:5\n");
    CHECK_CSV("\"", "!unterminated quoted field@1:1\n");
    CHECK_CSV("\"a\"\"", "!unterminated quoted field@1:1\n");
    CHECK_CSV("q,\"a\nb\",\"c", "!unterminated quoted field@2:4\n");
    struct parsed parsed = parsed_from_memory("a\n\"b,c\nd,e\n", 11, 0, 0);
    cr_assert_eq(parsed.records[1].line, 2);
    cr_assert_eq(parsed.records[1].line_count, 3);
    parsed_free(&parsed);
}

Test(csv_reader, nul_byte_is_a_problem_and_the_record_end_is_kept)
{
    CHECK_CSV("a\0b,c\nd\n", "!NUL byte@1:2\n[d]\n");
    ASSERT_PROBLEM("a\0b,c\nd\n", 0, CSV_PROBLEM_NUL, 1, 2, "a\0b,c");
    /* Inside quotes, on a later line: the quoted newline still belongs to the record. */
    CHECK_CSV("\"x\ny\0\",z\nw\n", "!NUL byte@2:2\n[w]\n");
    CHECK_CSV("\0\n\0\n", "!NUL byte@1:1\n!NUL byte@2:1\n");
    /* A structural problem wins over an earlier NUL. */
    CHECK_CSV("\0\"\nq\n", "!bare quote in unquoted field@1:2\n[q]\n");
    CHECK_CSV("\0,\"a\nb", "!unterminated quoted field@1:3\n");
}

static char *repeated_fields(uint32_t count, const char *tail)
{
    size_t tail_size = strlen(tail);
    char *text = malloc((size_t)count * 2 + tail_size + 1);
    cr_assert_not_null(text);
    for (uint32_t i = 0; i < count; i++) {
        text[2 * i] = 'a';
        text[2 * i + 1] = ',';
    }
    text[2 * (size_t)count - 1] = '\n'; /* the last comma ends the record */
    memcpy(text + 2 * (size_t)count, tail, tail_size + 1);
    return text;
}

Test(csv_reader, more_fields_than_the_limit_is_a_problem)
{
    char *exact = repeated_fields(PDB_CSV_FIELDS_MAX, "z\n");
    struct parsed parsed = parsed_from_memory(exact, strlen(exact), 0, 0);
    cr_assert_eq(parsed.record_count, 2);
    cr_assert_null(parsed.records[0].problem);
    cr_assert_eq(parsed.records[0].field_count, PDB_CSV_FIELDS_MAX);
    cr_assert_eq(parsed.records[0].fields[PDB_CSV_FIELDS_MAX - 1].column,
                 2 * PDB_CSV_FIELDS_MAX - 1);
    parsed_free(&parsed);
    free(exact);

    /* One more field; then a quoted newline after the limit still belongs to the record. */
    char *wide = repeated_fields(PDB_CSV_FIELDS_MAX + 1, "z\n");
    check_csv_render(wide, strlen(wide), "!more than 4096 fields@1:8193\n[z]\n");
    free(wide);
    wide = repeated_fields(PDB_CSV_FIELDS_MAX + 3, "z\n");
    size_t size = strlen(wide);
    wide = realloc(wide, size + 16);
    memcpy(wide + size - 3, ",\"q\nr\"\nz\n", 10);
    check_csv_render(wide, strlen(wide), "!more than 4096 fields@1:8193\n[z]\n");
    struct parsed again = parsed_from_memory(wide, strlen(wide), 0, 0);
    cr_assert_eq(again.records[0].line_count, 2);
    cr_assert_eq(again.records[1].line, 3);
    parsed_free(&again);
    free(wide);
}

/* ---- Record size limit --------------------------------------------------------------- */

/* Parses with record_size_max = limit in place and streamed (read sizes 1, 7, 4096); all
 * must agree; returns the in-place parse. */
static struct parsed parse_with_limit(const char *text, size_t size, size_t limit)
{
    struct parsed in_place = parsed_from_memory(text, size, 0, limit);
    static const size_t read_sizes[] = {1, 7, 4096};
    for (size_t i = 0; i < sizeof read_sizes / sizeof read_sizes[0]; i++) {
        struct parsed streamed = parsed_from_memory(text, size, read_sizes[i], limit);
        const char *difference = parsed_difference(&in_place, &streamed);
        cr_assert_null(difference, "read size %zu: %s", read_sizes[i], difference);
        parsed_free(&streamed);
    }
    return in_place;
}

Test(csv_reader, record_at_the_size_limit_is_accepted)
{
    /* Each record is exactly 10 bytes without its line end. */
    static const char exact[] = "0123456789\r\n\"12345678\"\r\n0,2345678,\n012345678,";
    struct parsed parsed = parse_with_limit(exact, sizeof exact - 1, 10);
    cr_assert_eq(parsed.record_count, 4);
    for (size_t i = 0; i < 4; i++) cr_assert_null(parsed.records[i].problem, "record %zu", i);
    cr_assert_eq(parsed.records[3].field_count, 2);
    parsed_free(&parsed);

    /* One byte more is too large, and that wins over being malformed as well. */
    static const char over[] = "0123456789A\r\n012345678\"\"\r\nok\n";
    parsed = parse_with_limit(over, sizeof over - 1, 10);
    cr_assert_eq(parsed.record_count, 3);
    cr_assert_str_eq(parsed.records[0].problem, CSV_PROBLEM_RECORD_SIZE);
    cr_assert_str_eq(parsed.records[0].raw, "0123456789A");
    cr_assert_str_eq(parsed.records[1].problem, CSV_PROBLEM_RECORD_SIZE);
    cr_assert_eq(parsed.records[1].problem_line, 2);
    cr_assert_eq(parsed.records[1].problem_column, 1);
    cr_assert_null(parsed.records[2].problem);
    cr_assert_eq(parsed.records[2].line, 3);
    parsed_free(&parsed);
}

Test(csv_reader, oversized_record_is_skipped_to_its_end)
{
    static const char text[] = "ok\n01234567890\nnext,1\n";
    struct parsed parsed = parse_with_limit(text, sizeof text - 1, 10);
    cr_assert_eq(parsed.record_count, 3);
    const struct parsed_record *big = &parsed.records[1];
    cr_assert_str_eq(big->problem, CSV_PROBLEM_RECORD_SIZE);
    cr_assert_eq(big->problem_line, 2);
    cr_assert_eq(big->problem_column, 1);
    cr_assert_eq(big->line, 2);
    cr_assert_str_eq(big->raw, "01234567890");
    cr_assert_not(big->is_raw_truncated);
    cr_assert_eq(parsed.records[2].line, 3);
    cr_assert_eq(parsed.records[2].field_count, 2);
    parsed_free(&parsed);

    /* Long enough to take the streaming skip; a quoted newline does not end it. */
    static const char quoted[] =
        "\"a\nb\",0123456789012345678901234567890123456789\r\n\"x\r\ny\",z\r\nnext\n";
    parsed = parse_with_limit(quoted, sizeof quoted - 1, 10);
    cr_assert_eq(parsed.record_count, 3);
    big = &parsed.records[0];
    cr_assert_str_eq(big->problem, CSV_PROBLEM_RECORD_SIZE);
    cr_assert_eq(big->line_count, 2);
    cr_assert_str_eq(big->raw, "\"a\nb\",0123456789012345678901234567890123456789");
    cr_assert_eq(parsed.records[1].line, 3);
    cr_assert_null(parsed.records[1].problem);
    cr_assert_eq(parsed.records[1].field_count, 2);
    cr_assert_eq(parsed.records[2].line, 5);
    parsed_free(&parsed);
}

Test(csv_reader, oversized_record_keeps_only_a_raw_prefix)
{
    size_t big_size = 3 * CSV_OVERSIZED_RAW_SIZE_MAX;
    char *text = malloc(big_size + 8);
    for (size_t i = 0; i < big_size; i++) text[i] = (char)('a' + i % 26);
    memcpy(text + big_size, "\r\nz\n", 5);
    struct parsed parsed = parse_with_limit(text, big_size + 4, 100);
    cr_assert_eq(parsed.record_count, 2);
    cr_assert_eq(parsed.records[0].raw_size, CSV_OVERSIZED_RAW_SIZE_MAX);
    cr_assert(parsed.records[0].is_raw_truncated);
    cr_assert_eq(memcmp(parsed.records[0].raw, text, CSV_OVERSIZED_RAW_SIZE_MAX), 0);
    cr_assert_str_eq(parsed.records[1].raw, "z");
    parsed_free(&parsed);
    free(text);
}

Test(csv_reader, oversized_record_ending_inside_quotes_is_unterminated)
{
    static const char text[] = "a\nb,\"0123456789\n0123456789\n";
    struct parsed parsed = parse_with_limit(text, sizeof text - 1, 10);
    cr_assert_eq(parsed.record_count, 2);
    cr_assert_str_eq(parsed.records[1].problem, CSV_PROBLEM_UNTERMINATED);
    cr_assert_eq(parsed.records[1].problem_line, 2);
    cr_assert_eq(parsed.records[1].problem_column, 3);
    cr_assert_eq(parsed.records[1].line_count, 3);
    parsed_free(&parsed);
}

/* Found by fuzz/fuzz_csv_reader.c: a record of limit + 2 bytes ending at the end of input
 * (so the window is full but final) was skipped as oversized when streamed, before the
 * reader knew no more bytes would come, and came back as "unterminated". */
Test(csv_reader, record_filling_the_window_at_end_of_input_agrees_when_streamed)
{
    static const char text[] = "ab\n0123456789\"d";
    struct parsed parsed = parse_with_limit(text, sizeof text - 1, 10);
    cr_assert_eq(parsed.record_count, 2);
    cr_assert_str_eq(parsed.records[1].problem, CSV_PROBLEM_RECORD_SIZE);
    cr_assert_str_eq(parsed.records[1].raw, "0123456789\"d");
    parsed_free(&parsed);
    static const char fuzz_crash[] = "\n\x83\x83\x83\x83\x83\x83\x83\x83\x83\x83\x83\x83"
                                     "\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf\xdf"
                                     "\xdf\xdf\xdf\xdf\xdf\x83\x83\x83\x83\x83\x83\x02g2\"d";
    struct parsed in_place = parsed_from_memory(fuzz_crash, sizeof fuzz_crash - 1, 0, 40);
    struct parsed streamed = parsed_from_memory(fuzz_crash, sizeof fuzz_crash - 1, 34, 40);
    const char *difference = parsed_difference(&in_place, &streamed);
    cr_assert_null(difference, "%s", difference);
    parsed_free(&in_place);
    parsed_free(&streamed);
}

Test(csv_reader, enforces_the_real_record_size_limit, .timeout = 120)
{
    /* A record of exactly PDB_CSV_RECORD_SIZE_MAX bytes, then one byte more. */
    size_t limit = PDB_CSV_RECORD_SIZE_MAX;
    size_t size = 2 * limit + 16;
    char *text = malloc(size);
    cr_assert_not_null(text);
    memset(text, 'x', limit);
    memcpy(text + limit, "\r\n", 2);
    memset(text + limit + 2, 'y', limit + 1);
    memcpy(text + 2 * limit + 3, "\nc,d\n", 5);
    size = 2 * limit + 8;
    for (int streamed = 0; streamed < 2; streamed++) {
        struct parsed parsed =
            parsed_from_memory(text, size, streamed ? PDB_CSV_READ_SIZE : 0, 0);
        cr_assert_eq(parsed.record_count, 3);
        cr_assert_null(parsed.records[0].problem);
        cr_assert_eq(parsed.records[0].fields[0].size, limit);
        cr_assert_str_eq(parsed.records[1].problem, CSV_PROBLEM_RECORD_SIZE);
        cr_assert_eq(parsed.records[1].line, 2);
        cr_assert(parsed.records[1].is_raw_truncated);
        cr_assert_eq(parsed.records[1].raw_size, CSV_OVERSIZED_RAW_SIZE_MAX);
        cr_assert_eq(parsed.records[2].line, 3);
        cr_assert_str_eq(parsed.records[2].raw, "c,d");
        parsed_free(&parsed);
    }
    free(text);
}

/* ---- Random text --------------------------------------------------------------------- */

/* Appends random records with proper quoting to `csv`, and their expected render to
 * `expected`; record_lines[k] receives record k's first line. Returns the record count. */
static size_t random_csv(uint64_t *state, size_t record_count, struct text *csv,
                         struct text *expected, uint64_t *record_lines)
{
    static const char *const pieces[] = {"a", "b", "xyz", ",", "\"", "\n", "\r", "\r\n", " ",
                                         "\xc3\xa9", "0123456789abcdefghij"};
    uint64_t line = 1;
    for (size_t r = 0; r < record_count; r++) {
        if (record_lines != NULL) record_lines[r] = line;
        size_t field_count = 1 + random_below(state, 6);
        for (size_t f = 0; f < field_count; f++) {
            struct text content = {0};
            text_append(&content, "", 0);
            size_t piece_count = random_below(state, 4) == 0 ? 0 : random_below(state, 8);
            for (size_t p = 0; p < piece_count; p++) {
                const char *piece = pieces[random_below(state, sizeof pieces / sizeof *pieces)];
                text_append(&content, piece, strlen(piece));
            }
            bool needs_quotes = strpbrk(content.data, ",\"\n\r") != NULL ||
                                (content.size == 0 && field_count == 1);
            bool is_quoted = needs_quotes || random_below(state, 5) == 0;
            if (f > 0) text_append(csv, ",", 1);
            if (is_quoted) {
                text_append(csv, "\"", 1);
                for (size_t i = 0; i < content.size; i++) {
                    if (content.data[i] == '"') text_append(csv, "\"", 1);
                    if (content.data[i] == '\n') line++;
                    text_append(csv, &content.data[i], 1);
                }
                text_append(csv, "\"", 1);
            } else {
                text_append(csv, content.data, content.size);
            }
            text_append(expected, is_quoted ? "<" : "[", 1);
            text_append_escaped(expected, content.data, content.size);
            text_append(expected, is_quoted ? ">" : "]", 1);
            free(content.data);
        }
        text_append(expected, "\n", 1);
        bool is_last = r + 1 == record_count;
        if (!is_last || random_below(state, 2) == 0) {
            if (random_below(state, 2) == 0) text_append(csv, "\r\n", 2);
            else text_append(csv, "\n", 1);
            line++;
            /* Sometimes blank lines between records. */
            if (!is_last && random_below(state, 8) == 0) {
                text_append(csv, "\n\r\n", 3);
                line += 2;
            }
        }
    }
    return record_count;
}

Test(csv_reader, random_round_trip)
{
    uint64_t state = test_seed(20240601);
    for (int round = 0; round < 300; round++) {
        struct text csv = {0}, expected = {0};
        text_append(&csv, "", 0);
        text_append(&expected, "", 0);
        size_t record_count = 1 + random_below(&state, 30);
        uint64_t lines[32];
        random_csv(&state, record_count, &csv, &expected, lines);
        size_t read_size = 1 + random_below(&state, 64);
        for (int streamed = 0; streamed < 2; streamed++) {
            struct parsed parsed =
                parsed_from_memory(csv.data, csv.size, streamed ? read_size : 0, 0);
            char *render = parsed_render(&parsed);
            cr_assert_str_eq(render, expected.data, "round %d, read size %zu", round,
                             streamed ? read_size : 0);
            for (size_t r = 0; r < record_count; r++) {
                cr_assert_eq(parsed.records[r].line, lines[r], "round %d record %zu", round, r);
            }
            free(render);
            parsed_free(&parsed);
        }
        free(csv.data);
        free(expected.data);
    }
}

/* Random bytes biased towards the characters that matter, or a valid text with a few bytes
 * changed, so roughly half the inputs are malformed. */
static void random_messy_csv(uint64_t *state, struct text *csv)
{
    static const struct {
        const char *bytes;
        size_t size;
    } tokens[] = {
        {"a", 1}, {"bc", 2}, {"0123456789abcdefghijklmnopqrstuv", 32}, {",", 1}, {",", 1},
        {"\"", 1}, {"\"\"", 2}, {"\n", 1}, {"\r\n", 2}, {"\r", 1}, {"\0", 1}, {" ", 1},
        {"\xc3\xa9", 2}, {"\xef\xbb\xbf", 3}, {"\",\"", 3},
    };
    static const char mutations[] = ",\"\n\r\0 x";
    if (random_below(state, 2) == 0) {
        if (random_below(state, 8) == 0) text_append(csv, "\xef\xbb\xbf", 3);
        size_t token_count = random_below(state, 40);
        for (size_t i = 0; i < token_count; i++) {
            size_t t = random_below(state, sizeof tokens / sizeof *tokens);
            text_append(csv, tokens[t].bytes, tokens[t].size);
        }
        return;
    }
    struct text expected = {0};
    random_csv(state, 1 + random_below(state, 6), csv, &expected, NULL);
    free(expected.data);
    size_t mutation_count = random_below(state, 4);
    for (size_t m = 0; m < mutation_count && csv->size > 0; m++) {
        size_t at = random_below(state, csv->size);
        csv->data[at] = mutations[random_below(state, sizeof mutations)]; /* incl. the NUL */
    }
}

Test(csv_reader, matches_the_naive_model_on_random_input)
{
    uint64_t state = test_seed(77);
    size_t well_formed = 0, malformed = 0;
    for (int round = 0; round < 4000; round++) {
        struct text csv = {0};
        text_append(&csv, "", 0);
        random_messy_csv(&state, &csv);
        struct parsed model = csv_model_parse(csv.data, csv.size);
        struct parsed in_place = parsed_from_memory(csv.data, csv.size, 0, 0);
        size_t read_size = 1 + random_below(&state, 40);
        struct parsed streamed = parsed_from_memory(csv.data, csv.size, read_size, 0);
        bool is_well_formed = true;
        for (size_t r = 0; r < model.record_count; r++) {
            if (model.records[r].problem != NULL) is_well_formed = false;
        }
        if (is_well_formed) well_formed++;
        else malformed++;
        const char *difference = parsed_difference(&model, &in_place);
        if (difference != NULL) {
            struct text shown = {0};
            text_append_escaped(&shown, csv.data, csv.size);
            cr_assert_fail("round %d: model vs reader: %s; input \"%s\"", round, difference,
                           shown.data ? shown.data : "");
        }
        difference = parsed_difference(&in_place, &streamed);
        cr_assert_null(difference, "round %d: read size %zu: %s", round, read_size, difference);
        parsed_free(&model);
        parsed_free(&in_place);
        parsed_free(&streamed);
        free(csv.data);
    }
    cr_log_info("%zu well-formed and %zu malformed inputs", well_formed, malformed);
    cr_assert_gt(well_formed, 1000);
    cr_assert_gt(malformed, 1000);
}

/* ---- Files, blocks and pipes --------------------------------------------------------- */

static struct parsed parse_file(const char *path, uint64_t expected_size)
{
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open(path, &reader, &error), PDB_OK, "%s", error.message);
    cr_assert_str_eq(csv_reader_source(reader), path);
    cr_assert_eq(csv_reader_size_bytes(reader), expected_size);
    struct parsed parsed = parsed_collect(reader);
    cr_assert_eq(parsed.bytes_read, expected_size);
    return parsed;
}

/* Reads `text` from a file and in place in lockstep (asserting they agree); returns the
 * record count and copies of the records from keep_from on. */
static size_t compare_file_with_memory(const struct text *text, size_t keep_from,
                                       struct parsed *kept)
{
    char *path = temp_file_write(text->data, text->size);
    struct csv_reader *from_file = NULL, *in_place = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open(path, &from_file, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(csv_reader_size_bytes(from_file), text->size);
    cr_assert_eq(csv_reader_open_memory(text->data, text->size, NULL, &in_place, NULL), PDB_OK);
    size_t count = readers_compare(from_file, in_place, keep_from, kept);
    cr_assert_eq(kept->bytes_read, text->size);
    temp_file_remove(path);
    return count;
}

/* Filler rows of exactly `size` bytes: "abc,def\n" repeated, then one row to make up. */
static void append_filler(struct text *text, size_t size)
{
    while (size > 16) {
        text_append(text, "abc,def\n", 8);
        size -= 8;
    }
    for (size_t i = 0; i + 1 < size; i++) text_append(text, "z", 1);
    text_append(text, "\n", 1);
}

Test(csv_reader, fields_straddling_the_block_boundary_in_a_file, .timeout = 120)
{
    /* A tricky text placed so that each of its bytes in turn is the last of block one. */
    static const char tricky[] = "\"q\"\"u\r\no,te\",x\"\"y,\"\"\r\n\"\",end\n";
    const size_t tricky_size = sizeof tricky - 1;
    for (size_t shift = 0; shift <= tricky_size + 1; shift++) {
        struct text text = {0};
        append_filler(&text, PDB_CSV_READ_SIZE - tricky_size + shift);
        size_t filler_rows = 0;
        for (size_t i = 0; i < text.size; i++) filler_rows += text.data[i] == '\n';
        text_append(&text, tricky, tricky_size);
        text_append(&text, "tail,1\n", 7);
        struct parsed kept;
        size_t count = compare_file_with_memory(&text, filler_rows, &kept);
        /* The tricky text: a bad record (a quote after x), then "" and end, then tail. */
        cr_assert_eq(count, filler_rows + 3, "shift %zu", shift);
        const struct parsed_record *bad = &kept.records[0];
        cr_assert_str_eq(bad->problem, CSV_PROBLEM_BARE_QUOTE);
        cr_assert_eq(bad->problem_line, filler_rows + 2);
        cr_assert_eq(bad->problem_column, 8);
        cr_assert_str_eq(bad->raw, "\"q\"\"u\r\no,te\",x\"\"y,\"\"");
        const struct parsed_record *empty = &kept.records[1];
        assert_field(empty, 0, "", true, filler_rows + 3, 1);
        assert_field(empty, 1, "end", false, filler_rows + 3, 4);
        assert_field(&kept.records[2], 1, "1", false, filler_rows + 4, 6);
        parsed_free(&kept);
        free(text.data);
    }
}

Test(csv_reader, quoted_escapes_and_crlf_across_the_block_boundary_in_a_file, .timeout = 120)
{
    static const char tricky[] = "\"a\"\"b\r\nc\",\"\"\"\"\r\n";
    const size_t tricky_size = sizeof tricky - 1;
    for (size_t shift = 0; shift <= tricky_size + 1; shift++) {
        struct text text = {0};
        append_filler(&text, PDB_CSV_READ_SIZE - tricky_size + shift);
        size_t filler_rows = 0;
        for (size_t i = 0; i < text.size; i++) filler_rows += text.data[i] == '\n';
        text_append(&text, tricky, tricky_size);
        text_append(&text, "z\n", 2);
        struct parsed kept;
        size_t count = compare_file_with_memory(&text, filler_rows, &kept);
        cr_assert_eq(count, filler_rows + 2);
        const struct parsed_record *record = &kept.records[0];
        cr_assert_null(record->problem, "shift %zu", shift);
        assert_field(record, 0, "a\"b\r\nc", true, filler_rows + 1, 1);
        assert_field(record, 1, "\"", true, filler_rows + 2, 4);
        assert_field(&kept.records[1], 0, "z", false, filler_rows + 3, 1);
        parsed_free(&kept);
        free(text.data);
    }
}

Test(csv_reader, record_bigger_than_one_block_in_a_file, .timeout = 120)
{
    /* A 3 MiB quoted field with escapes and newlines, between ordinary records. */
    struct text text = {0};
    text_append(&text, "id,blob,n\n1,\"", 13);
    struct text content = {0};
    size_t newline_count = 0;
    for (size_t i = 0; content.size < 3 * PDB_CSV_READ_SIZE; i++) {
        if (i % 1000 == 999) {
            text_append(&text, "\"\"", 2);
            text_append(&content, "\"", 1);
        } else if (i % 4099 == 4098) {
            text_append(&text, "\n", 1);
            text_append(&content, "\n", 1);
            newline_count++;
        } else {
            char c = (char)('a' + i % 23);
            text_append(&text, &c, 1);
            text_append(&content, &c, 1);
        }
    }
    text_append(&text, "\",x\n2,\"\",y\n", 11);
    char *path = temp_file_write(text.data, text.size);
    struct parsed parsed = parse_file(path, text.size);
    cr_assert_eq(parsed.record_count, 3);
    const struct parsed_record *big = &parsed.records[1];
    cr_assert_null(big->problem);
    cr_assert_eq(big->field_count, 3);
    cr_assert_eq(big->fields[1].size, content.size);
    cr_assert_eq(memcmp(big->fields[1].data, content.data, content.size), 0);
    cr_assert_eq(big->line_count, newline_count + 1);
    assert_field(big, 2, "x", false, 2 + newline_count, big->fields[2].column);
    assert_field(&parsed.records[2], 0, "2", false, 3 + newline_count, 1);
    assert_field(&parsed.records[2], 1, "", true, 3 + newline_count, 3);
    parsed_free(&parsed);
    temp_file_remove(path);
    free(text.data);
    free(content.data);
}

Test(csv_reader, random_text_in_a_file_matches_in_place_parsing, .timeout = 120)
{
    uint64_t state = test_seed(4242);
    struct text text = {0}, expected = {0};
    text_append(&text, "", 0);
    while (text.size < 3 * PDB_CSV_READ_SIZE + 12345) {
        random_csv(&state, 50, &text, &expected, NULL);
        text_append(&text, "\n", 1);
    }
    struct parsed kept;
    size_t count = compare_file_with_memory(&text, SIZE_MAX, &kept);
    cr_assert_gt(count, 10000);
    parsed_free(&kept);
    free(text.data);
    free(expected.data);
}

Test(csv_reader, reads_a_pipe_on_standard_input, .timeout = 120)
{
    uint64_t state = test_seed(99);
    struct text text = {0}, expected = {0};
    text_append(&text, "", 0);
    while (text.size < 2 * PDB_CSV_READ_SIZE + 777) {
        random_csv(&state, 50, &text, &expected, NULL);
        text_append(&text, "\n", 1);
    }
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        /* Irregular writes so reads return odd amounts. */
        close(pipe_fds[0]);
        size_t offset = 0;
        while (offset < text.size) {
            size_t chunk = 1 + random_below(&state, 100000);
            if (chunk > text.size - offset) chunk = text.size - offset;
            ssize_t written = write(pipe_fds[1], text.data + offset, chunk);
            if (written <= 0) _exit(1);
            offset += (size_t)written;
        }
        _exit(0);
    }
    close(pipe_fds[1]);
    cr_assert_eq(dup2(pipe_fds[0], STDIN_FILENO), STDIN_FILENO);
    close(pipe_fds[0]);
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open("-", &reader, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(csv_reader_size_bytes(reader), 0);
    struct parsed from_pipe = parsed_collect(reader);
    int child_status = 0;
    cr_assert_eq(waitpid(child, &child_status, 0), child);
    cr_assert(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
    cr_assert_eq(from_pipe.bytes_read, text.size);
    struct parsed in_place = parsed_from_memory(text.data, text.size, 0, 0);
    const char *difference = parsed_difference(&in_place, &from_pipe);
    cr_assert_null(difference, "%s", difference);
    /* Standard input stays open after close. */
    cr_assert_neq(fcntl(STDIN_FILENO, F_GETFD), -1);
    parsed_free(&from_pipe);
    parsed_free(&in_place);
    free(text.data);
    free(expected.data);
}

/* ---- Errors and resources ------------------------------------------------------------ */

Test(csv_reader, missing_file_is_not_found_with_the_path)
{
    struct csv_reader *reader = (struct csv_reader *)(uintptr_t)0x1;
    struct pdb_error error = {0};
    const char *path = "/nonexistent/dir/people.csv";
    enum pdb_status status = csv_reader_open(path, &reader, &error);
    cr_assert(status == PDB_ERR_NOT_FOUND || status == PDB_ERR_IO);
    cr_assert_eq(status, PDB_ERR_NOT_FOUND);
    cr_assert_eq(error.status, status);
    cr_assert_not_null(strstr(error.message, path), "message: %s", error.message);
    cr_assert_eq(reader, (struct csv_reader *)(uintptr_t)0x1, "out-parameter touched");
}

Test(csv_reader, directory_is_an_io_error_with_the_path)
{
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open("/tmp", &reader, &error), PDB_ERR_IO);
    cr_assert_not_null(strstr(error.message, "/tmp"), "message: %s", error.message);
    cr_assert_null(reader);
}

Test(csv_reader, unreadable_descriptor_is_an_io_error_with_the_path)
{
    /* Standard input opened write-only: open works, read(2) fails with EBADF. */
    int fd = open("/dev/null", O_WRONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open("-", &reader, &error), PDB_OK, "%s", error.message);
    struct csv_record record = {.line = 12345};
    bool has_record = true;
    cr_assert_eq(csv_reader_next(reader, &record, &has_record, &error), PDB_ERR_IO);
    cr_assert_eq(strncmp(error.message, "-: read failed", 14), 0, "message: %s", error.message);
    cr_assert(has_record, "out-parameter touched");
    cr_assert_eq(record.line, 12345, "out-parameter touched");
    csv_reader_close(reader);
}

Test(csv_reader, reports_source_size_and_progress)
{
    static const char text[] = "\xef\xbb\xbf" "a,b\n\n\"c\nd\",e\r\nf";
    struct csv_reader *reader = NULL;
    cr_assert_eq(csv_reader_open_memory(text, sizeof text - 1, NULL, &reader, NULL), PDB_OK);
    cr_assert_str_eq(csv_reader_source(reader), "memory");
    cr_assert_eq(csv_reader_size_bytes(reader), sizeof text - 1);
    cr_assert_eq(csv_reader_bytes_read(reader), 0);
    struct csv_record record;
    bool has_record = false;
    uint64_t expected_progress[] = {7, 17, 18};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(csv_reader_next(reader, &record, &has_record, NULL), PDB_OK);
        cr_assert(has_record);
        cr_assert_eq(csv_reader_bytes_read(reader), expected_progress[i], "after record %zu: %llu",
                     i, (unsigned long long)csv_reader_bytes_read(reader));
    }
    cr_assert_eq(csv_reader_next(reader, &record, &has_record, NULL), PDB_OK);
    cr_assert_not(has_record);
    cr_assert_eq(csv_reader_next(reader, &record, &has_record, NULL), PDB_OK);
    cr_assert_not(has_record);
    csv_reader_close(reader);
    csv_reader_close(NULL);
}

Test(csv_reader, steady_state_does_not_allocate)
{
    struct text text = {0};
    for (int i = 0; i < 20000; i++) {
        char row[128];
        int used = snprintf(row, sizeof row,
                            "%d,name%d,\"quoted, \"\"with\"\" escapes\",\"multi\nline\",x\r\n", i,
                            i % 97);
        text_append(&text, row, (size_t)used);
    }
    for (int streamed = 0; streamed < 2; streamed++) {
        struct csv_reader *reader = NULL;
        cr_assert_eq(csv_reader_open_memory(text.data, text.size, NULL, &reader, NULL), PDB_OK);
        if (streamed) csv_reader_set_read_size(reader, 4096);
        struct csv_record record;
        bool has_record = false;
        uint64_t allocations = 0;
        for (int i = 0; i < 20000; i++) {
            if (i == 100) allocations = mem_allocation_count();
            cr_assert_eq(csv_reader_next(reader, &record, &has_record, NULL), PDB_OK);
            cr_assert(has_record);
            cr_assert_eq(record.field_count, 5);
        }
        cr_assert_eq(mem_allocation_count(), allocations, "allocated in steady state");
        csv_reader_close(reader);
    }
    free(text.data);
}

Test(csv_reader, out_of_memory_is_reported_and_the_reader_can_retry)
{
    static const char text[] = "a,\"b\"\"c\",d\n"
                               "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
                               "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,"
                               "47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66\n";
    struct parsed expected = parsed_from_memory(text, sizeof text - 1, 0, 0);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct csv_reader *reader = NULL;
        cr_assert_eq(csv_reader_open_memory(text, sizeof text - 1, NULL, &reader, NULL), PDB_OK);
        if (streamed) csv_reader_set_read_size(reader, 3);
        for (size_t r = 0; r < expected.record_count; r++) {
            struct csv_record record = {.line = 999};
            bool has_record = false;
            struct pdb_error error = {0};
            mem_fail_after(0);
            enum pdb_status status = csv_reader_next(reader, &record, &has_record, &error);
            mem_fail_after(UINT64_MAX);
            /* Each record needs one new allocation (buffer, unescape space, field slots). */
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "record %zu streamed %d", r, streamed);
            cr_assert_not_null(strstr(error.message, "memory"), "%s", error.message);
            cr_assert_not(has_record);
            cr_assert_eq(record.line, 999);
            cr_assert_eq(csv_reader_next(reader, &record, &has_record, &error), PDB_OK, "%s",
                         error.message);
            cr_assert(has_record);
            cr_assert_eq(record.field_count, expected.records[r].field_count);
            cr_assert_eq(record.line, expected.records[r].line);
            cr_assert_eq(record.fields[1].size, expected.records[r].fields[1].size);
            cr_assert_eq(memcmp(record.fields[1].data, expected.records[r].fields[1].data,
                                record.fields[1].size),
                         0);
        }
        csv_reader_close(reader);
    }
    parsed_free(&expected);
}

/* ---- Lines mode (NDJSON) ------------------------------------------------------------- */

/* Reads `text` in lines mode, in place and streamed 3 bytes at a time; renders each record as
 * [field] or !problem@line:column, one per line. */
static void check_lines(const char *text, size_t size, const char *expected)
{
    for (int streamed = 0; streamed < 2; streamed++) {
        struct csv_reader *reader = NULL;
        cr_assert_eq(csv_reader_open_memory(text, size, "l.ndjson", &reader, NULL), PDB_OK);
        csv_reader_set_lines_mode(reader);
        if (streamed) csv_reader_set_read_size(reader, 3);
        char out[512] = "";
        size_t used = 0;
        for (;;) {
            struct csv_record record;
            bool has_record = false;
            cr_assert_eq(csv_reader_next(reader, &record, &has_record, NULL), PDB_OK);
            if (!has_record) break;
            if (record.problem != NULL) {
                used += (size_t)snprintf(out + used, sizeof out - used, "!%s@%llu:%u\n", record.problem,
                                         (unsigned long long)record.problem_line, record.problem_column);
                continue;
            }
            cr_assert_eq(record.field_count, 1u);
            used += (size_t)snprintf(out + used, sizeof out - used, "%llu[%.*s]\n",
                                     (unsigned long long)record.line, (int)record.fields[0].size,
                                     record.fields[0].data);
        }
        cr_assert_str_eq(out, expected, "streamed=%d", streamed);
        csv_reader_close(reader);
    }
}

Test(csv_reader, lines_mode_makes_each_line_one_field)
{
    const char text[] = "{\"a\": \"x,y\"}\r\n\n  \"q\" , \"\n\xef\xbb\xbf{}";
    check_lines(text, sizeof text - 1, "1[{\"a\": \"x,y\"}]\n3[  \"q\" , \"]\n4[\xef\xbb\xbf{}]\n");
}

Test(csv_reader, lines_mode_reports_nul_bytes)
{
    /* Found by fuzz_csv_reader: a NUL in a line must not reach the caller as data. */
    const char text[] = "ok\nf\0x\nlast";
    check_lines(text, sizeof text - 1, "1[ok]\n!" CSV_PROBLEM_NUL "@2:2\n3[last]\n");
}

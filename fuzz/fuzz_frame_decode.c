/*
 * libFuzzer target for the wire protocol's decoders (engine/protocol): the frame check on
 * bytes from the network, as a server (requests) and as a client (responses), with a small
 * frame limit so both the size rejection and whole frames are reached; then every payload
 * decoder on the frame's payload and on the raw input. Checked invariants: a READY frame lies
 * within the input and re-checks identically; a copy with the CRC patched to match (so that
 * random payloads reach the message decoders through whole frames) checks READY or fails on
 * size, version or flags only; every decoded string lies within its payload
 * and holds no NUL; a re-encoded request (and BREAKDOWN response) gives the same bytes. Any
 * failure aborts.
 *
 * Built by fuzz/build.sh (fuzz/build.sh --run 60 runs every target for 60 s). A crash found
 * here becomes a regression test in tests/server/test_protocol.c.
 */
// fuzz-sources: engine/base/*.c engine/protocol/*.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "protocol/protocol.h"

#define FUZZ_FRAME_SIZE_MAX 4096u

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "fuzz_frame_decode: check failed: %s (line %d)\n", #condition,         \
                    __LINE__);                                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_string(struct protocol_string string, const uint8_t *payload, size_t size)
{
    if (string.size == 0) return;
    FUZZ_CHECK((const uint8_t *)string.data >= payload);
    FUZZ_CHECK((const uint8_t *)string.data + string.size <= payload + size);
    FUZZ_CHECK(memchr(string.data, '\0', string.size) == NULL);
}

static void decode_all(const uint8_t *payload, size_t size)
{
    struct protocol_hello_request hello;
    if (protocol_hello_request_decode(payload, size, &hello)) {
        check_string(hello.token, payload, size);
        check_string(hello.client_name, payload, size);
        struct buffer again;
        buffer_init(&again);
        FUZZ_CHECK(protocol_hello_request_encode(&again, &hello) == 0);
        FUZZ_CHECK(again.size == size && memcmp(again.data, payload, size) == 0);
        buffer_deinit(&again);
    }
    struct protocol_hello_response hello_response;
    if (protocol_hello_response_decode(payload, size, &hello_response))
        check_string(hello_response.server_version, payload, size);
    struct protocol_segment_request segment;
    if (protocol_segment_request_decode(payload, size, &segment))
        check_string(segment.segment, payload, size);
    struct protocol_ids_request ids;
    if (protocol_ids_request_decode(payload, size, &ids)) {
        check_string(ids.segment, payload, size);
        struct buffer again;
        buffer_init(&again);
        FUZZ_CHECK(protocol_ids_request_encode(&again, &ids) == 0);
        FUZZ_CHECK(again.size == size && memcmp(again.data, payload, size) == 0);
        buffer_deinit(&again);
    }
    struct protocol_get_request get;
    if (protocol_get_request_decode(payload, size, &get)) {
        check_string(get.attribute, payload, size);
        check_string(get.key, payload, size);
    }
    struct protocol_error_response error;
    if (protocol_error_response_decode(payload, size, &error))
        check_string(error.message, payload, size);
    uint64_t count;
    (void)protocol_count_response_decode(payload, size, &count);
    uint32_t id_count;
    if (protocol_ids_page_decode(payload, size, &id_count)) {
        FUZZ_CHECK(4 + 4 * (size_t)id_count == size);
        for (uint32_t i = 0; i < id_count; i++)
            (void)protocol_ids_page_id(payload, i);
    }
    /* A GET response: head, then values. */
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    (void)protocol_get_u32(&reader);
    uint32_t values = protocol_get_u32(&reader);
    for (uint32_t v = 0; v < values && v < PDB_ATTRIBUTES_MAX && !reader.failed; v++) {
        struct protocol_value value;
        if (!protocol_value_decode(&reader, &value)) break;
        check_string(value.name, payload, size);
        check_string(value.string, payload, size);
        FUZZ_CHECK(reader.offset <= size);
    }
    struct protocol_breakdown_request breakdown_request;
    if (protocol_breakdown_request_decode(payload, size, &breakdown_request)) {
        check_string(breakdown_request.segment, payload, size);
        check_string(breakdown_request.attribute, payload, size);
        struct buffer again;
        buffer_init(&again);
        FUZZ_CHECK(protocol_breakdown_request_encode(&again, &breakdown_request) == 0);
        FUZZ_CHECK(again.size == size && memcmp(again.data, payload, size) == 0);
        buffer_deinit(&again);
    }
    struct pdb_breakdown breakdown;
    if (protocol_breakdown_response_decode(payload, size, &breakdown)) {
        FUZZ_CHECK(breakdown.entry_count <= breakdown.value_count);
        struct buffer again;
        buffer_init(&again);
        FUZZ_CHECK(protocol_breakdown_response_encode(&again, &breakdown) == 0);
        FUZZ_CHECK(again.size == size && memcmp(again.data, payload, size) == 0);
        buffer_deinit(&again);
        mem_free(breakdown.entries);
        mem_free(breakdown.strings);
    }
    static struct protocol_overlap_request overlap;
    if (protocol_overlap_request_decode(payload, size, &overlap)) {
        FUZZ_CHECK(overlap.segment_count >= 1 && overlap.segment_count <= PDB_OVERLAP_SEGMENTS_MAX);
        for (uint32_t i = 0; i < overlap.segment_count; i++)
            check_string(overlap.segments[i], payload, size);
    }
    if (size >= 4) {
        static uint64_t matrix[PDB_OVERLAP_SEGMENTS_MAX * PDB_OVERLAP_SEGMENTS_MAX];
        uint32_t n = load_u32(payload);
        if (protocol_overlap_response_decode(payload, size, n, matrix))
            FUZZ_CHECK(size == 4 + 8 * (size_t)n * n);
    }
    struct protocol_segment_save_request save;
    if (protocol_segment_save_request_decode(payload, size, &save)) {
        check_string(save.name, payload, size);
        check_string(save.segment, payload, size);
    }
    struct protocol_string name;
    if (protocol_segment_name_decode(payload, size, &name)) check_string(name, payload, size);
    protocol_reader_init(&reader, payload, size);
    uint32_t saved = protocol_get_u32(&reader);
    for (uint32_t i = 0; i < saved && i < PDB_SAVED_SEGMENTS_MAX; i++) {
        struct protocol_string saved_name, saved_text;
        if (!protocol_segment_list_next(&reader, &saved_name, &saved_text)) break;
        check_string(saved_name, payload, size);
        check_string(saved_text, payload, size);
    }
    uint64_t cardinality;
    const uint8_t *bitmap;
    uint32_t bitmap_size;
    if (protocol_ids_bitmap_decode(payload, size, &cardinality, &bitmap, &bitmap_size))
        FUZZ_CHECK(bitmap + bitmap_size == payload + size);
    struct pdb_stats stats;
    if (protocol_stats_decode(payload, size, &stats)) {
        for (uint32_t c = 0; c < stats.column_count; c++)
            FUZZ_CHECK(stats.columns[c].name != NULL);
        mem_free(stats.columns);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int is_response = 0; is_response <= 1; is_response++) {
        struct frame_header header;
        enum protocol_error code = PROTOCOL_ERROR_NONE;
        const char *why = NULL;
        enum frame_check check = protocol_frame_check(data, size, FUZZ_FRAME_SIZE_MAX, is_response,
                                                      &header, &code, &why);
        if (check == FRAME_INVALID) {
            FUZZ_CHECK(code == PROTOCOL_ERROR_BAD_FRAME || code == PROTOCOL_ERROR_BAD_VERSION);
            FUZZ_CHECK(why != NULL);
        } else if (check == FRAME_READY) {
            FUZZ_CHECK(header.frame_size >= PDB_FRAME_SIZE_MIN && header.frame_size <= size);
            FUZZ_CHECK(header.frame_size <= FUZZ_FRAME_SIZE_MAX);
            struct frame_header again;
            FUZZ_CHECK(protocol_frame_check(data, header.frame_size, FUZZ_FRAME_SIZE_MAX,
                                            is_response, &again, &code, &why) == FRAME_READY);
            FUZZ_CHECK(memcmp(&again, &header, sizeof header) == 0);
            decode_all(data + PDB_FRAME_HEADER_SIZE, header.frame_size - PDB_FRAME_SIZE_MIN);
        } else {
            FUZZ_CHECK(check == FRAME_NEED_MORE);
        }
    }
    /* The same bytes with a correct CRC for the frame they announce. */
    if (size >= PDB_FRAME_SIZE_MIN) {
        uint32_t frame_size = load_u32(data);
        if (frame_size >= PDB_FRAME_SIZE_MIN && frame_size <= size &&
            frame_size <= FUZZ_FRAME_SIZE_MAX) {
            uint8_t *copy = malloc(frame_size);
            FUZZ_CHECK(copy != NULL);
            memcpy(copy, data, frame_size);
            store_u32(copy + frame_size - 4, protocol_crc32c(copy, frame_size - 4));
            for (int is_response = 0; is_response <= 1; is_response++) {
                struct frame_header header;
                enum protocol_error code = PROTOCOL_ERROR_NONE;
                const char *why = NULL;
                enum frame_check check = protocol_frame_check(copy, frame_size, FUZZ_FRAME_SIZE_MAX,
                                                              is_response, &header, &code, &why);
                if (check == FRAME_READY)
                    decode_all(copy + PDB_FRAME_HEADER_SIZE, frame_size - PDB_FRAME_SIZE_MIN);
                else
                    FUZZ_CHECK(check == FRAME_INVALID && why != NULL &&
                               strcmp(why, "CRC-32C mismatch") != 0);
            }
            free(copy);
        }
    }
    decode_all(data, size);
    return 0;
}

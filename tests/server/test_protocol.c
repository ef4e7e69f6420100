/*
 * Tests for engine/protocol: the CRC, frame checks on every prefix of a frame and on each
 * kind of damage, message round trips, and rejection of malformed payloads (trailing bytes,
 * reserved bytes, NULs, over-long strings), plus address parsing.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/alloc.h"

#include "protocol/protocol.h"
#include "protocol/protocol_address.h"

static void frame_build(struct buffer *frame, uint8_t opcode, uint16_t flags, uint64_t id,
                        const void *payload, size_t size)
{
    buffer_init(frame);
    size_t start = protocol_frame_begin(frame, opcode, flags, id);
    cr_assert_neq(start, SIZE_MAX);
    cr_assert_eq(buffer_append(frame, payload, size), 0);
    cr_assert_eq(protocol_frame_end(frame, start, PDB_RESPONSE_FRAME_SIZE_MAX), 0);
}

Test(protocol_crc32c, matches_the_standard_check_value)
{
    cr_assert_eq(protocol_crc32c("123456789", 9), 0xe3069283u);
    cr_assert_eq(protocol_crc32c("", 0), 0u);
}

Test(protocol_frame, round_trips_and_every_prefix_needs_more)
{
    struct buffer frame;
    frame_build(&frame, PROTOCOL_OP_PING, 0, 0x1122334455667788ull, "hello", 5);
    cr_assert_eq(frame.size, 25u);
    struct frame_header header;
    enum protocol_error code;
    const char *why;
    for (size_t prefix = 0; prefix < frame.size; prefix++)
        cr_assert_eq(protocol_frame_check(frame.data, prefix, 4096, false, &header, &code, &why),
                     FRAME_NEED_MORE, "prefix %zu", prefix);
    cr_assert_eq(protocol_frame_check(frame.data, frame.size, 4096, false, &header, &code, &why),
                 FRAME_READY);
    cr_assert_eq(header.frame_size, 25u);
    cr_assert_eq(header.opcode, PROTOCOL_OP_PING);
    cr_assert_eq(header.request_id, 0x1122334455667788ull);
    cr_assert_eq(memcmp(frame.data + 16, "hello", 5), 0);
    buffer_deinit(&frame);
}

Test(protocol_frame, rejects_sizes_out_of_range_from_four_bytes)
{
    uint8_t bytes[4];
    struct frame_header header;
    enum protocol_error code;
    const char *why;
    store_u32(bytes, 19);
    cr_assert_eq(protocol_frame_check(bytes, 4, 4096, false, &header, &code, &why), FRAME_INVALID);
    cr_assert_eq(code, PROTOCOL_ERROR_BAD_FRAME);
    store_u32(bytes, 4097);
    cr_assert_eq(protocol_frame_check(bytes, 4, 4096, false, &header, &code, &why), FRAME_INVALID);
    store_u32(bytes, 4096);
    cr_assert_eq(protocol_frame_check(bytes, 4, 4096, false, &header, &code, &why),
                 FRAME_NEED_MORE);
}

Test(protocol_frame, rejects_wrong_version_flags_and_crc)
{
    struct buffer frame;
    struct frame_header header;
    enum protocol_error code;
    const char *why;
    frame_build(&frame, PROTOCOL_OP_PING, 0, 7, "x", 1);
    frame.data[4] = 2;
    cr_assert_eq(protocol_frame_check(frame.data, 5, 4096, false, &header, &code, &why),
                 FRAME_INVALID);
    cr_assert_eq(code, PROTOCOL_ERROR_BAD_VERSION);
    frame.data[4] = 1;
    frame.data[16] ^= 1; /* payload damaged */
    cr_assert_eq(protocol_frame_check(frame.data, frame.size, 4096, false, &header, &code, &why),
                 FRAME_INVALID);
    cr_assert_eq(code, PROTOCOL_ERROR_BAD_FRAME);
    cr_assert_eq(header.request_id, 7u, "the request id is echoed even for a bad frame");
    buffer_deinit(&frame);
    frame_build(&frame, PROTOCOL_OP_PING, PROTOCOL_FLAG_MORE, 7, "x", 1);
    cr_assert_eq(protocol_frame_check(frame.data, frame.size, 4096, false, &header, &code, &why),
                 FRAME_INVALID);
    cr_assert_eq(protocol_frame_check(frame.data, frame.size, 4096, true, &header, &code, &why),
                 FRAME_INVALID, "a response needs the RESPONSE flag");
    buffer_deinit(&frame);
    frame_build(&frame, PROTOCOL_OP_PING, PROTOCOL_FLAG_RESPONSE | PROTOCOL_FLAG_MORE, 7, "x", 1);
    cr_assert_eq(protocol_frame_check(frame.data, frame.size, 4096, true, &header, &code, &why),
                 FRAME_READY);
    buffer_deinit(&frame);
}

Test(protocol_frame, end_refuses_frames_over_the_limit)
{
    struct buffer frame;
    buffer_init(&frame);
    size_t start = protocol_frame_begin(&frame, PROTOCOL_OP_PING, 0, 1);
    buffer_append_zeros(&frame, 100);
    cr_assert_eq(protocol_frame_end(&frame, start, 100), -1);
    cr_assert_eq(frame.size, 0u, "the refused frame is removed");
    buffer_deinit(&frame);
}

Test(protocol_messages, hello_round_trips)
{
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_hello_request request = {{"token-token-token", 17}, {"test", 4}};
    cr_assert_eq(protocol_hello_request_encode(&payload, &request), 0);
    struct protocol_hello_request decoded;
    cr_assert(protocol_hello_request_decode(payload.data, payload.size, &decoded));
    cr_assert_eq(decoded.token.size, 17u);
    cr_assert_eq(memcmp(decoded.token.data, "token-token-token", 17), 0);
    cr_assert_not(protocol_hello_request_decode(payload.data, payload.size - 1, &decoded));
    buffer_append(&payload, "", 1);
    cr_assert_not(protocol_hello_request_decode(payload.data, payload.size, &decoded),
                  "trailing byte");
    buffer_deinit(&payload);
}

Test(protocol_messages, ids_and_get_requests_round_trip_and_reject_reserved_bytes)
{
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_ids_request ids = {
        .now_s = -5, .limit = 9, .page_rows = 3, .form = 0, .segment = {"age > 3", 7}};
    cr_assert_eq(protocol_ids_request_encode(&payload, &ids), 0);
    struct protocol_ids_request ids_back;
    cr_assert(protocol_ids_request_decode(payload.data, payload.size, &ids_back));
    cr_assert_eq(ids_back.now_s, -5);
    cr_assert_eq(ids_back.limit, 9u);
    cr_assert_eq(ids_back.page_rows, 3u);
    payload.data[21] = 1; /* a reserved byte */
    cr_assert_not(protocol_ids_request_decode(payload.data, payload.size, &ids_back));
    payload.data[21] = 0;
    payload.data[20] = 2; /* unknown form */
    cr_assert_not(protocol_ids_request_decode(payload.data, payload.size, &ids_back));
    buffer_reset(&payload);
    struct protocol_get_request get = {
        .by = PROTOCOL_GET_BY_KEY, .attribute = {"email", 5}, .key = {"a@b", 3}};
    cr_assert_eq(protocol_get_request_encode(&payload, &get), 0);
    struct protocol_get_request get_back;
    cr_assert(protocol_get_request_decode(payload.data, payload.size, &get_back));
    cr_assert_eq(get_back.key.size, 3u);
    payload.data[payload.size - 2] = '\0'; /* a NUL inside the key */
    cr_assert_not(protocol_get_request_decode(payload.data, payload.size, &get_back));
    payload.data[0] = 7; /* unknown lookup */
    cr_assert_not(protocol_get_request_decode(payload.data, payload.size, &get_back));
    buffer_deinit(&payload);
}

Test(protocol_messages, strings_over_their_limit_are_rejected)
{
    struct buffer payload;
    buffer_init(&payload);
    protocol_put_u16(&payload, PROTOCOL_ERROR_LIMIT);
    protocol_put_u16(&payload, 0);
    protocol_put_u32(&payload, 0xffffffffu); /* claims 4 GiB of message */
    struct protocol_error_response response;
    cr_assert_not(protocol_error_response_decode(payload.data, payload.size, &response));
    buffer_reset(&payload);
    cr_assert_eq(
        protocol_error_response_encode(&payload, PROTOCOL_ERROR_SEGMENT, "segment:1:1: bad"), 0);
    cr_assert(protocol_error_response_decode(payload.data, payload.size, &response));
    cr_assert_eq(response.code, PROTOCOL_ERROR_SEGMENT);
    cr_assert_eq(protocol_error_status(response.code), PDB_ERR_SEGMENT);
    buffer_deinit(&payload);
}

Test(protocol_messages, values_and_stats_round_trip)
{
    struct buffer payload;
    buffer_init(&payload);
    const char *tags[] = {"a", "bc"};
    uint32_t sizes[] = {1, 2};
    struct pdb_attribute_info info = {"interests", PDB_TYPE_TAGS, PDB_FLAG_INDEXED};
    struct pdb_value value = {
        .type = PDB_TYPE_TAGS, .tag_data = tags, .tag_sizes = sizes, .tag_count = 2};
    cr_assert_eq(protocol_value_encode(&payload, &info, &value, PROTOCOL_VALUE_PRESENT), 0);
    struct pdb_attribute_info float_info = {"spend", PDB_TYPE_FLOAT, 0};
    struct pdb_value float_value = {.type = PDB_TYPE_FLOAT, .float_value = 1.25};
    cr_assert_eq(protocol_value_encode(&payload, &float_info, &float_value, PROTOCOL_VALUE_PRESENT),
                 0);
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload.data, payload.size);
    struct protocol_value decoded;
    cr_assert(protocol_value_decode(&reader, &decoded));
    cr_assert_eq(decoded.tag_count, 2u);
    cr_assert(protocol_value_decode(&reader, &decoded));
    cr_assert_eq(decoded.float_value, 1.25);
    cr_assert(protocol_reader_is_done(&reader));

    buffer_reset(&payload);
    struct pdb_column_stats columns[2] = {{"age", PDB_TYPE_INT, 1, 0, 10, 20},
                                          {"city", PDB_TYPE_CATEGORY, 0, 5, 30, 40}};
    struct pdb_stats stats = {.row_count = 3,
                              .deleted_count = 1,
                              .chunk_count = 1,
                              .column_count = 2,
                              .generation = 4,
                              .columns = columns};
    cr_assert_eq(protocol_stats_encode(&payload, &stats), 0);
    struct pdb_stats back;
    cr_assert(protocol_stats_decode(payload.data, payload.size, &back));
    cr_assert_eq(back.column_count, 2u);
    cr_assert_eq(back.deleted_count, 1u);
    cr_assert_str_eq(back.columns[1].name, "city");
    cr_assert_eq(back.columns[1].distinct_count, 5u);
    mem_free(back.columns);
    cr_assert_not(protocol_stats_decode(payload.data, payload.size - 1, &back));
    buffer_deinit(&payload);
}

Test(protocol_address, splits_host_and_port)
{
    char host[64];
    uint16_t port;
    cr_assert(protocol_address_split("127.0.0.1:7878", host, sizeof host, &port));
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 7878);
    cr_assert(protocol_address_split("[::1]:0", host, sizeof host, &port));
    cr_assert_str_eq(host, "::1");
    cr_assert_not(protocol_address_split("::1:80", host, sizeof host, &port));
    cr_assert_not(protocol_address_split("host:65536", host, sizeof host, &port));
    cr_assert_not(protocol_address_split("host:", host, sizeof host, &port));
    cr_assert_not(protocol_address_split(":80", host, sizeof host, &port));
    cr_assert(protocol_host_is_loopback("127.0.0.1"));
    cr_assert_not(protocol_host_is_loopback("0.0.0.0"));
}

/* The worked example of docs/PROTOCOL.md, byte for byte. */
Test(protocol_frame, matches_the_worked_example_of_the_document)
{
    static const uint8_t expected[46] = {0x2e, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x02, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x63, 0x6f,
                                         0x75, 0x6e, 0x74, 0x72, 0x79, 0x20, 0x3d, 0x20, 0x27, 0x55,
                                         0x53, 0x27, 0xd6, 0x4f, 0x22, 0xff};
    struct buffer frame;
    buffer_init(&frame);
    size_t start = protocol_frame_begin(&frame, PROTOCOL_OP_COUNT, 0, 2);
    struct protocol_segment_request request = {0, {"country = 'US'", 14}};
    cr_assert_eq(protocol_segment_request_encode(&frame, &request), 0);
    cr_assert_eq(protocol_frame_end(&frame, start, 4096), 0);
    cr_assert_eq(frame.size, sizeof expected);
    cr_assert_eq(memcmp(frame.data, expected, sizeof expected), 0);
    buffer_deinit(&frame);
    static const uint8_t response[28] = {0x1c, 0x00, 0x00, 0x00, 0x01, 0x10, 0x01, 0x00, 0x02, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x5d, 0xb1, 0x95, 0x01};
    struct frame_header header;
    enum protocol_error code;
    const char *why;
    cr_assert_eq(protocol_frame_check(response, sizeof response, 4096, true, &header, &code, &why),
                 FRAME_READY);
    uint64_t count;
    cr_assert(protocol_count_response_decode(response + 16, 8, &count));
    cr_assert_eq(count, 1u);
}

Test(protocol_messages, breakdown_round_trips_and_rejects_bad_counts)
{
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_breakdown_request request = {
        .now_s = 17, .limit = 5, .segment = {"age > 3", 7}, .attribute = {"country", 7}};
    cr_assert_eq(protocol_breakdown_request_encode(&payload, &request), 0);
    struct protocol_breakdown_request back;
    cr_assert(protocol_breakdown_request_decode(payload.data, payload.size, &back));
    cr_assert_eq(back.now_s, 17);
    cr_assert_eq(back.limit, 5u);
    cr_assert_eq(back.attribute.size, 7u);
    cr_assert_eq(memcmp(back.segment.data, "age > 3", 7), 0);
    payload.data[13] = 1; /* reserved */
    cr_assert_not(protocol_breakdown_request_decode(payload.data, payload.size, &back));
    buffer_reset(&payload);
    struct pdb_breakdown_entry entries[2] = {{"US", 2, 9}, {"", 0, 4}};
    struct pdb_breakdown breakdown = {.segment_count = 20, .null_count = 7, .value_count = 3,
                                      .entry_count = 2, .entries = entries};
    cr_assert_eq(protocol_breakdown_response_encode(&payload, &breakdown), 0);
    struct pdb_breakdown decoded;
    cr_assert(protocol_breakdown_response_decode(payload.data, payload.size, &decoded));
    cr_assert_eq(decoded.segment_count, 20u);
    cr_assert_eq(decoded.null_count, 7u);
    cr_assert_eq(decoded.value_count, 3u);
    cr_assert_eq(decoded.entry_count, 2u);
    cr_assert_eq(decoded.entries[0].count, 9u);
    cr_assert_eq(decoded.entries[0].value_size, 2u);
    cr_assert_eq(memcmp(decoded.entries[0].value, "US", 2), 0);
    cr_assert_eq(decoded.entries[1].value_size, 0u);
    mem_free(decoded.entries);
    mem_free(decoded.strings);
    cr_assert_not(protocol_breakdown_response_decode(payload.data, payload.size - 1, &decoded));
    store_u32(payload.data + 24, 1000000); /* more entries than bytes */
    cr_assert_not(protocol_breakdown_response_decode(payload.data, payload.size, &decoded));
    store_u32(payload.data + 24, 2);
    store_u64(payload.data + 16, 1); /* value_count below entry_count */
    cr_assert_not(protocol_breakdown_response_decode(payload.data, payload.size, &decoded));
    buffer_deinit(&payload);
}

Test(protocol_messages, overlap_saved_segments_and_bitmap_round_trip)
{
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_overlap_request request = {.now_s = 3, .segment_count = 2};
    request.segments[0] = (struct protocol_string){"true", 4};
    request.segments[1] = (struct protocol_string){"age > 1", 7};
    cr_assert_eq(protocol_overlap_request_encode(&payload, &request), 0);
    static struct protocol_overlap_request back;
    cr_assert(protocol_overlap_request_decode(payload.data, payload.size, &back));
    cr_assert_eq(back.segment_count, 2u);
    cr_assert_eq(back.segments[1].size, 7u);
    store_u32(payload.data + 8, 3); /* announces a third segment */
    cr_assert_not(protocol_overlap_request_decode(payload.data, payload.size, &back));
    buffer_reset(&payload);
    uint64_t matrix[4] = {5, 2, 2, 9}, matrix_back[4];
    cr_assert_eq(protocol_overlap_response_encode(&payload, 2, matrix), 0);
    cr_assert(protocol_overlap_response_decode(payload.data, payload.size, 2, matrix_back));
    cr_assert_eq(memcmp(matrix, matrix_back, sizeof matrix), 0);
    cr_assert_not(protocol_overlap_response_decode(payload.data, payload.size, 3, matrix_back),
                  "an answer for another segment count");
    buffer_reset(&payload);
    struct protocol_segment_save_request save = {{"vip", 3}, {"age > 3", 7}};
    cr_assert_eq(protocol_segment_save_request_encode(&payload, &save), 0);
    struct protocol_segment_save_request save_back;
    cr_assert(protocol_segment_save_request_decode(payload.data, payload.size, &save_back));
    cr_assert_eq(save_back.name.size, 3u);
    struct protocol_string name;
    cr_assert_not(protocol_segment_name_decode(payload.data, payload.size, &name), "trailing");
    cr_assert(protocol_segment_name_decode(payload.data, 7, &name));
    buffer_reset(&payload);
    const uint8_t bitmap[5] = {1, 2, 3, 4, 5};
    cr_assert_eq(protocol_ids_bitmap_encode(&payload, 77, bitmap, 5), 0);
    uint64_t cardinality;
    const uint8_t *bytes;
    uint32_t size;
    cr_assert(protocol_ids_bitmap_decode(payload.data, payload.size, &cardinality, &bytes, &size));
    cr_assert_eq(cardinality, 77u);
    cr_assert_eq(size, 5u);
    cr_assert_eq(memcmp(bytes, bitmap, 5), 0);
    cr_assert_not(protocol_ids_bitmap_decode(payload.data, payload.size - 1, &cardinality, &bytes,
                                             &size));
    buffer_deinit(&payload);
}

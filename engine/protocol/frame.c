/*
 * Frame boundaries and integrity (layout in protocol.h and docs/PROTOCOL.md): checking the
 * head of a byte stream for one whole valid frame, and building frames into a buffer.
 *
 * The check reports a size out of range or a wrong version as soon as those bytes arrive, so
 * a server never waits for (or buffers) the rest of a frame it will reject; the CRC is checked
 * only once the whole frame is there.
 */
#include "protocol/protocol.h"

enum frame_check protocol_frame_check(const uint8_t *bytes, size_t size, uint32_t frame_size_max,
                                      bool is_response, struct frame_header *header,
                                      enum protocol_error *error_out, const char **why)
{
    struct frame_header head = {0};
    if (size < 4) return FRAME_NEED_MORE;
    head.frame_size = load_u32(bytes);
    if (size >= 16) head.request_id = load_u64(bytes + 8);
    if (size >= 6) head.opcode = bytes[5];
    *header = head;
    if (head.frame_size < PDB_FRAME_SIZE_MIN || head.frame_size > frame_size_max) {
        *error_out = PROTOCOL_ERROR_BAD_FRAME;
        *why = head.frame_size < PDB_FRAME_SIZE_MIN ? "frame size below the 20-byte minimum"
                                                    : "frame size above the limit";
        return FRAME_INVALID;
    }
    if (size < 5) return FRAME_NEED_MORE;
    head.version = bytes[4];
    *header = head;
    if (head.version != PDB_PROTOCOL_VERSION) {
        *error_out = PROTOCOL_ERROR_BAD_VERSION;
        *why = "unsupported protocol version";
        return FRAME_INVALID;
    }
    if (size < head.frame_size) return FRAME_NEED_MORE;
    head.flags = (uint16_t)(bytes[6] | bytes[7] << 8);
    *header = head;
    uint16_t allowed = is_response ? PROTOCOL_FLAGS_KNOWN : 0;
    if (head.flags & ~allowed) {
        *error_out = PROTOCOL_ERROR_BAD_FRAME;
        *why = is_response ? "unknown flag bits" : "flags must be 0 in a request";
        return FRAME_INVALID;
    }
    if (is_response && !(head.flags & PROTOCOL_FLAG_RESPONSE)) {
        *error_out = PROTOCOL_ERROR_BAD_FRAME;
        *why = "response frame without the RESPONSE flag";
        return FRAME_INVALID;
    }
    size_t body = head.frame_size - PDB_FRAME_TRAILER_SIZE;
    if (protocol_crc32c(bytes, body) != load_u32(bytes + body)) {
        *error_out = PROTOCOL_ERROR_BAD_FRAME;
        *why = "CRC-32C mismatch";
        return FRAME_INVALID;
    }
    return FRAME_READY;
}

size_t protocol_frame_begin(struct buffer *out, uint8_t opcode, uint16_t flags, uint64_t request_id)
{
    size_t offset = out->size;
    uint8_t head[PDB_FRAME_HEADER_SIZE];
    store_u32(head, 0);
    head[4] = (uint8_t)PDB_PROTOCOL_VERSION;
    head[5] = opcode;
    head[6] = (uint8_t)(flags & 0xffu);
    head[7] = (uint8_t)(flags >> 8);
    store_u64(head + 8, request_id);
    if (buffer_append(out, head, sizeof head) != 0) return SIZE_MAX;
    return offset;
}

int protocol_frame_end(struct buffer *out, size_t frame_offset, uint32_t frame_size_max)
{
    size_t frame_size = out->size - frame_offset + PDB_FRAME_TRAILER_SIZE;
    if (frame_size > frame_size_max || buffer_reserve(out, PDB_FRAME_TRAILER_SIZE) != 0) {
        out->size = frame_offset;
        return -1;
    }
    store_u32(out->data + frame_offset, (uint32_t)frame_size);
    uint32_t crc = protocol_crc32c(out->data + frame_offset, out->size - frame_offset);
    buffer_append_u32(out, crc); /* reserved above: cannot fail */
    return 0;
}

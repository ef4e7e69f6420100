/*
 * PLAIN codec entry points shared with the LZ4 codec, which stores LZ4(PLAIN payload) and
 * needs to produce, bound and decode that inner payload (layout in encoding.h).
 */
#ifndef PDB_COLUMN_CODEC_PLAIN_H
#define PDB_COLUMN_CODEC_PLAIN_H

#include "column/codec_common.h"

enum codec_encode_result codec_plain_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out);
enum pdb_status codec_plain_decode(const uint8_t *payload, size_t size,
                                   const struct codec_block *block, struct column_chunk *chunk,
                                   struct pdb_error *error);

/* The PLAIN payload size without text bytes or tag codes (exact for fixed-width types). */
uint64_t codec_plain_fixed_size(const struct codec_block *block);
/* The largest PLAIN payload a valid chunk of this header can have: the fixed size plus
 * PDB_CHUNK_TEXT_BYTES_MAX text bytes or PDB_TAGS_PER_VALUE_MAX codes per row. */
uint64_t codec_plain_size_max(const struct codec_block *block);

#endif

/*
 * Index bitmaps: compressed sets of row ids (CRoaring bitmaps behind an opaque handle), and
 * their conversion into the 1024-word chunk bitsets that segment evaluation runs on.
 *
 * roaring_wrapper.c implements this header and is the only file that includes roaring.h.
 * CRoaring 0.2.66 (Debian) is kept for what it does well -- compact sets, cardinalities,
 * portable serialisation -- while the hot path stays in chunk bitsets (issue 3, point 7):
 * chunk k of a bitmap is exactly one roaring container (key k, rows [k*65536, (k+1)*65536)),
 * so index_chunk_bitset copies, scatters or fills one container into words.
 *
 * Conventions: a NULL handle is the empty set for every read function. Handles are owned by
 * whoever created them (index_bitmap_destroy); reads are thread-safe on a bitmap nobody
 * mutates. CRoaring allocates with malloc directly, so mem_fail_after only reaches the
 * allocations of this module's callers, not the containers themselves; the wrapper still
 * checks every CRoaring allocation result it is given and reports failure as -1.
 */
#ifndef PDB_INDEX_INDEX_BITMAP_H
#define PDB_INDEX_INDEX_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

struct index_bitmap; /* opaque */

struct index_bitmap_statistics {
    uint64_t cardinality;
    uint32_t array_containers;  /* at most 4096 rows, 2 bytes each */
    uint32_t bitset_containers; /* 8 KiB each */
    uint32_t run_containers;    /* 4 bytes per run */
    uint32_t chunk_count;       /* containers in all: chunks that hold at least one row */
    size_t serialized_size;     /* bytes of the portable form */
};

/* ---- Life cycle and building -------------------------------------------------------------- */

/* An empty bitmap. Owned: release with index_bitmap_destroy. NULL when out of memory. */
struct index_bitmap *index_bitmap_create(void);
void index_bitmap_destroy(struct index_bitmap *bitmap); /* NULL is fine */

/* Appends the rows chunk_index * 65536 + positions[i] (i < count) as the container of chunk
 * `chunk_index`. Preconditions (asserted): 1 <= count <= 65536, positions strictly ascending,
 * chunk_index < 65536 and greater than every chunk already in the bitmap. The container kind
 * (array, bitset or runs) is the smallest for the data. Returns 0, or -1 when out of memory
 * (the bitmap is then unchanged). Positions are borrowed for the call. */
int index_bitmap_append_positions(struct index_bitmap *bitmap, uint32_t chunk_index,
                                  const uint16_t *positions, uint32_t count);

/* Same, from a chunk bitset of PDB_CHUNK_WORDS words; an all-zero bitset appends nothing. */
int index_bitmap_append_words(struct index_bitmap *bitmap, uint32_t chunk_index,
                              const uint64_t *words);

/* Adds / removes one row anywhere in the bitmap (incremental index maintenance); true when the
 * bitmap changed. CRoaring reports no allocation failure here (see above). */
bool index_bitmap_add(struct index_bitmap *bitmap, uint32_t row);
bool index_bitmap_remove(struct index_bitmap *bitmap, uint32_t row);

/* ---- Reading -------------------------------------------------------------------------------- */

uint64_t index_bitmap_cardinality(const struct index_bitmap *bitmap);
bool index_bitmap_contains(const struct index_bitmap *bitmap, uint32_t row);
/* popcount(a AND b), computed by CRoaring without building the intersection. */
uint64_t index_bitmap_and_cardinality(const struct index_bitmap *a, const struct index_bitmap *b);
void index_bitmap_statistics(const struct index_bitmap *bitmap,
                             struct index_bitmap_statistics *statistics_out);

/* Rows of chunk `chunk_index` in the bitmap (0 when the chunk has no container). */
uint32_t index_chunk_cardinality(const struct index_bitmap *bitmap, uint32_t chunk_index);

/* Writes the rows [chunk_index * 65536, (chunk_index + 1) * 65536) of the bitmap as a chunk
 * bitset: bit r of out_words is row chunk_index * 65536 + r. All PDB_CHUNK_WORDS words are
 * written (zero where the bitmap has no row). Never allocates or fails. */
void index_chunk_bitset(const struct index_bitmap *bitmap, uint32_t chunk_index,
                        uint64_t *out_words);

/* words |= the chunk's rows (an OR into a caller's bitset, for IN lists and HAS ANY). */
void index_chunk_bitset_or(const struct index_bitmap *bitmap, uint32_t chunk_index,
                           uint64_t *words);

/* ---- Portable serialisation (the RoaringFormatSpec, readable by Java/Go/Rust roaring) ---- */

/* Bytes index_bitmap_serialize writes (0 for a NULL bitmap). */
size_t index_bitmap_serialized_size(const struct index_bitmap *bitmap);
/* Writes exactly index_bitmap_serialized_size(bitmap) bytes to out. */
void index_bitmap_serialize(const struct index_bitmap *bitmap, uint8_t *out);

/* Reads a bitmap from exactly `size` untrusted bytes. The bytes must hold exactly one
 * portable bitmap, whose rows are all below `row_count` and whose containers pass
 * index_bitmap_validate; anything else is PDB_ERR_CORRUPT. PDB_ERR_NO_MEMORY when CRoaring
 * or we cannot allocate. On success *bitmap_out is owned by the caller. */
enum pdb_status index_bitmap_deserialize(const uint8_t *bytes, size_t size, uint64_t row_count,
                                         struct index_bitmap **bitmap_out, struct pdb_error *error);

/* ---- Checks --------------------------------------------------------------------------------- */

/* Structural invariants, checked on the raw containers without trusting any stored count:
 * chunk keys strictly ascending and below the chunk count of row_count; every container
 * non-empty; array containers hold at most 4096 strictly ascending positions; bitset
 * containers hold more than 4096 rows and their stored cardinality is their popcount; runs
 * ascend, do not overlap and end within the chunk; every row < row_count.
 * Returns 0 when they hold, -1 otherwise. O(size of the bitmap). */
int index_bitmap_validate(const struct index_bitmap *bitmap, uint64_t row_count);

#endif

/*
 * The CRoaring wrapper (index_bitmap.h): the only file in the engine that includes roaring.h,
 * and the place where CRoaring's NULL/false failures become our -1 and enum pdb_status.
 *
 * An index_bitmap is a roaring_bitmap_t behind an opaque name. Building and chunk extraction
 * work on the containers directly, through the structures that CRoaring 0.2.66's
 * roaring_array.h and container headers expose (keys[], containers[], typecodes[]; array,
 * bitset and run containers): a chunk's container is found by binary search over the 16-bit
 * keys and copied (bitset), scattered (array) or range-filled (runs) into a 1024-word chunk
 * bitset, far cheaper than CRoaring's generic iterators in this version. Building appends one
 * ready-made container per chunk, so a bitmap is never re-sorted or re-converted.
 *
 * Depends on the 0.2.66 struct layouts: a CRoaring upgrade (whose headers hide containers)
 * must re-implement the container access in this file only.
 */
#include "index/index_bitmap.h"

#include <assert.h>
#include <string.h>

#include <roaring/roaring.h>

#include "base/limits.h"
#include "base/status.h"
#include "simd/simd.h"

/* An array container holds at most this many positions; above it CRoaring (and its portable
 * format, which tells the kinds apart by cardinality) uses a bitset container. */
#define ARRAY_CARDINALITY_MAX 4096u
#define BITSET_CONTAINER_SIZE_BYTES (PDB_CHUNK_WORDS * sizeof(uint64_t))
/* Keys are 16 bits: a bitmap has at most this many chunks. */
#define CHUNK_KEYS_MAX 65536u

static_assert(PDB_CHUNK_ROWS == 65536u, "one chunk is one roaring container");
static_assert(PDB_CHUNK_WORDS * 64u == PDB_CHUNK_ROWS, "chunk bitsets cover one container");

enum container_kind { CONTAINER_ARRAY, CONTAINER_BITSET, CONTAINER_RUN };

static roaring_bitmap_t *roaring_of(struct index_bitmap *bitmap)
{
    return (roaring_bitmap_t *)bitmap;
}

static const roaring_bitmap_t *roaring_of_const(const struct index_bitmap *bitmap)
{
    return (const roaring_bitmap_t *)bitmap;
}

static uint32_t positions_run_count(const uint16_t *positions, uint32_t count);
static enum container_kind container_kind_choose(uint32_t count, uint32_t run_count);
static int container_append(roaring_bitmap_t *roaring, uint32_t chunk_index, void *container,
                            uint8_t type);
static const void *chunk_container(const roaring_bitmap_t *roaring, uint32_t chunk_index,
                                   uint8_t *type_out);
static void container_or_words(const void *container, uint8_t type, uint64_t *words);
static void words_set_range(uint64_t *words, uint32_t begin, uint32_t end);
static uint32_t container_cardinality(const void *container, uint8_t type);

/* ---- Life cycle and building ------------------------------------------------------------ */

struct index_bitmap *index_bitmap_create(void)
{
    return (struct index_bitmap *)roaring_bitmap_create();
}

void index_bitmap_destroy(struct index_bitmap *bitmap)
{
    if (bitmap != NULL) roaring_bitmap_free(roaring_of(bitmap));
}

int index_bitmap_append_positions(struct index_bitmap *bitmap, uint32_t chunk_index,
                                  const uint16_t *positions, uint32_t count)
{
    assert(count >= 1 && count <= PDB_CHUNK_ROWS);
    uint32_t run_count = positions_run_count(positions, count);

    switch (container_kind_choose(count, run_count)) {
    case CONTAINER_ARRAY: {
        array_container_t *array = array_container_create_given_capacity((int32_t)count);
        if (array == NULL) return -1;
        memcpy(array->array, positions, count * sizeof(uint16_t));
        array->cardinality = (int32_t)count;
        return container_append(roaring_of(bitmap), chunk_index, array, ARRAY_CONTAINER_TYPE_CODE);
    }
    case CONTAINER_BITSET: {
        bitset_container_t *bitset = bitset_container_create(); /* zeroed */
        if (bitset == NULL) return -1;
        /* More than 4 rows a word on average: gather each word in a register rather than
         * chaining read-modify-writes through memory. */
        uint64_t *words = bitset->array;
        uint32_t word_index = positions[0] >> 6;
        uint64_t word = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t position = positions[i];
            if (position >> 6 != word_index) {
                words[word_index] = word;
                word_index = position >> 6;
                word = 0;
            }
            word |= 1ull << (position & 63u);
        }
        words[word_index] = word;
        bitset->cardinality = (int32_t)count;
        return container_append(roaring_of(bitmap), chunk_index, bitset,
                                BITSET_CONTAINER_TYPE_CODE);
    }
    case CONTAINER_RUN: {
        run_container_t *run = run_container_create_given_capacity((int32_t)run_count);
        if (run == NULL) return -1;
        int32_t runs = 0;
        uint32_t start = positions[0];
        for (uint32_t i = 1; i <= count; i++) {
            if (i == count || positions[i] != positions[i - 1] + 1u) {
                run->runs[runs].value = (uint16_t)start;
                run->runs[runs].length = (uint16_t)(positions[i - 1] - start);
                runs++;
                if (i < count) start = positions[i];
            }
        }
        run->n_runs = runs;
        return container_append(roaring_of(bitmap), chunk_index, run, RUN_CONTAINER_TYPE_CODE);
    }
    }
    return -1;
}

int index_bitmap_append_words(struct index_bitmap *bitmap, uint32_t chunk_index,
                              const uint64_t *words)
{
    uint32_t count = 0;
    uint32_t run_count = 0;
    uint64_t carry = 0; /* top bit of the previous word */
    for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
        uint64_t word = words[w];
        count += (uint32_t)__builtin_popcountll(word);
        run_count += (uint32_t)__builtin_popcountll(word & ~((word << 1) | carry));
        carry = word >> 63;
    }
    if (count == 0) return 0;

    switch (container_kind_choose(count, run_count)) {
    case CONTAINER_ARRAY: {
        array_container_t *array = array_container_create_given_capacity((int32_t)count);
        if (array == NULL) return -1;
        uint32_t used = 0;
        for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
            for (uint64_t word = words[w]; word != 0; word &= word - 1)
                array->array[used++] = (uint16_t)(w * 64u + (uint32_t)__builtin_ctzll(word));
        }
        array->cardinality = (int32_t)count;
        return container_append(roaring_of(bitmap), chunk_index, array, ARRAY_CONTAINER_TYPE_CODE);
    }
    case CONTAINER_BITSET: {
        bitset_container_t *bitset = bitset_container_create();
        if (bitset == NULL) return -1;
        memcpy(bitset->array, words, BITSET_CONTAINER_SIZE_BYTES);
        bitset->cardinality = (int32_t)count;
        return container_append(roaring_of(bitmap), chunk_index, bitset,
                                BITSET_CONTAINER_TYPE_CODE);
    }
    case CONTAINER_RUN: {
        run_container_t *run = run_container_create_given_capacity((int32_t)run_count);
        if (run == NULL) return -1;
        /* Walk the runs word by word: a run starts at a set bit after a clear one and ends
         * before the next clear bit. */
        int32_t runs = 0;
        uint32_t bit = 0;
        while (bit < PDB_CHUNK_ROWS) {
            uint32_t w = bit >> 6;
            uint64_t word = words[w] & (~0ull << (bit & 63u));
            while (word == 0 && ++w < PDB_CHUNK_WORDS)
                word = words[w];
            if (word == 0) break;
            uint32_t start = w * 64u + (uint32_t)__builtin_ctzll(word);
            uint64_t clear = ~words[w] & (~0ull << (start & 63u));
            while (clear == 0 && ++w < PDB_CHUNK_WORDS)
                clear = ~words[w];
            uint32_t end = w < PDB_CHUNK_WORDS ? w * 64u + (uint32_t)__builtin_ctzll(clear)
                                               : PDB_CHUNK_ROWS; /* exclusive */
            run->runs[runs].value = (uint16_t)start;
            run->runs[runs].length = (uint16_t)(end - 1u - start);
            runs++;
            bit = end;
        }
        assert((uint32_t)runs == run_count);
        run->n_runs = runs;
        return container_append(roaring_of(bitmap), chunk_index, run, RUN_CONTAINER_TYPE_CODE);
    }
    }
    return -1;
}

/* ---- Reading ---------------------------------------------------------------------------- */

bool index_bitmap_add(struct index_bitmap *bitmap, uint32_t row)
{
    return roaring_bitmap_add_checked(roaring_of(bitmap), row);
}

bool index_bitmap_remove(struct index_bitmap *bitmap, uint32_t row)
{
    return bitmap != NULL && roaring_bitmap_remove_checked(roaring_of(bitmap), row);
}

uint64_t index_bitmap_cardinality(const struct index_bitmap *bitmap)
{
    return bitmap == NULL ? 0 : roaring_bitmap_get_cardinality(roaring_of_const(bitmap));
}

bool index_bitmap_contains(const struct index_bitmap *bitmap, uint32_t row)
{
    if (bitmap == NULL) return false;
    uint8_t type;
    const void *container = chunk_container(roaring_of_const(bitmap), row >> 16, &type);
    if (container == NULL) return false;
    uint16_t position = (uint16_t)(row & 0xFFFFu);
    switch (type) {
    case BITSET_CONTAINER_TYPE_CODE: {
        const bitset_container_t *bitset = container;
        return (bitset->array[position >> 6] >> (position & 63u)) & 1u;
    }
    case ARRAY_CONTAINER_TYPE_CODE: {
        const array_container_t *array = container;
        int32_t low = 0, high = array->cardinality - 1;
        while (low <= high) {
            int32_t middle = low + (high - low) / 2;
            uint16_t value = array->array[middle];
            if (value == position) return true;
            if (value < position)
                low = middle + 1;
            else
                high = middle - 1;
        }
        return false;
    }
    case RUN_CONTAINER_TYPE_CODE: {
        const run_container_t *run = container;
        int32_t low = 0, high = run->n_runs - 1;
        while (low <= high) {
            int32_t middle = low + (high - low) / 2;
            uint32_t start = run->runs[middle].value;
            uint32_t end = start + run->runs[middle].length;
            if (position < start)
                high = middle - 1;
            else if (position > end)
                low = middle + 1;
            else
                return true;
        }
        return false;
    }
    default:
        assert(!"unknown container type");
        return false;
    }
}

uint64_t index_bitmap_and_cardinality(const struct index_bitmap *a, const struct index_bitmap *b)
{
    if (a == NULL || b == NULL) return 0;
    return roaring_bitmap_and_cardinality(roaring_of_const(a), roaring_of_const(b));
}

void index_bitmap_statistics(const struct index_bitmap *bitmap,
                             struct index_bitmap_statistics *statistics_out)
{
    memset(statistics_out, 0, sizeof *statistics_out);
    if (bitmap == NULL) return;
    const roaring_array_t *ra = &roaring_of_const(bitmap)->high_low_container;
    for (int32_t i = 0; i < ra->size; i++) {
        uint8_t type = ra->typecodes[i];
        const void *container = container_unwrap_shared(ra->containers[i], &type);
        statistics_out->cardinality += container_cardinality(container, type);
        statistics_out->array_containers += type == ARRAY_CONTAINER_TYPE_CODE;
        statistics_out->bitset_containers += type == BITSET_CONTAINER_TYPE_CODE;
        statistics_out->run_containers += type == RUN_CONTAINER_TYPE_CODE;
    }
    statistics_out->chunk_count = (uint32_t)ra->size;
    statistics_out->serialized_size = index_bitmap_serialized_size(bitmap);
}

uint32_t index_chunk_cardinality(const struct index_bitmap *bitmap, uint32_t chunk_index)
{
    if (bitmap == NULL) return 0;
    uint8_t type;
    const void *container = chunk_container(roaring_of_const(bitmap), chunk_index, &type);
    return container == NULL ? 0 : container_cardinality(container, type);
}

void index_chunk_bitset(const struct index_bitmap *bitmap, uint32_t chunk_index,
                        uint64_t *out_words)
{
    uint8_t type = 0;
    const void *container =
        bitmap == NULL ? NULL : chunk_container(roaring_of_const(bitmap), chunk_index, &type);
    if (container != NULL && type == BITSET_CONTAINER_TYPE_CODE) {
        memcpy(out_words, ((const bitset_container_t *)container)->array,
               BITSET_CONTAINER_SIZE_BYTES);
        return;
    }
    memset(out_words, 0, BITSET_CONTAINER_SIZE_BYTES);
    if (container != NULL) container_or_words(container, type, out_words);
}

void index_chunk_bitset_or(const struct index_bitmap *bitmap, uint32_t chunk_index, uint64_t *words)
{
    if (bitmap == NULL) return;
    uint8_t type;
    const void *container = chunk_container(roaring_of_const(bitmap), chunk_index, &type);
    if (container != NULL) container_or_words(container, type, words);
}

/* ---- Portable serialisation ------------------------------------------------------------- */

size_t index_bitmap_serialized_size(const struct index_bitmap *bitmap)
{
    return bitmap == NULL ? 0 : roaring_bitmap_portable_size_in_bytes(roaring_of_const(bitmap));
}

void index_bitmap_serialize(const struct index_bitmap *bitmap, uint8_t *out)
{
    if (bitmap == NULL) return;
    size_t written = roaring_bitmap_portable_serialize(roaring_of_const(bitmap), (char *)out);
    assert(written == index_bitmap_serialized_size(bitmap));
    (void)written;
}

enum pdb_status index_bitmap_deserialize(const uint8_t *bytes, size_t size, uint64_t row_count,
                                         struct index_bitmap **bitmap_out, struct pdb_error *error)
{
    if (size == 0) {
        *bitmap_out = NULL; /* the empty set, as index_bitmap_serialize(NULL) wrote it */
        return PDB_OK;
    }
    /* The size check reads only within `size` bytes, allocates nothing and prints nothing
     * (CRoaring 0.2.66's deserialiser prints to stderr on short input): run it first. */
    size_t expected = roaring_bitmap_portable_deserialize_size((const char *)bytes, size);
    if (expected != size) {
        return error_set(error, PDB_ERR_CORRUPT,
                         "roaring bitmap of %zu bytes is malformed (%zu bytes parse)", size,
                         expected);
    }
    roaring_bitmap_t *roaring = roaring_bitmap_portable_deserialize_safe((const char *)bytes, size);
    if (roaring == NULL) {
        /* The bytes passed the same checks just above: only an allocation can fail here. */
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding a roaring bitmap");
    }
    struct index_bitmap *bitmap = (struct index_bitmap *)roaring;
    if (index_bitmap_validate(bitmap, row_count) != 0) {
        roaring_bitmap_free(roaring);
        return error_set(error, PDB_ERR_CORRUPT,
                         "roaring bitmap of %zu bytes has invalid containers or rows beyond %llu",
                         size, (unsigned long long)row_count);
    }
    *bitmap_out = bitmap;
    return PDB_OK;
}

/* ---- Checks ----------------------------------------------------------------------------- */

static int container_validate(const void *container, uint8_t type, uint32_t row_limit)
{
    switch (type) {
    case ARRAY_CONTAINER_TYPE_CODE: {
        const array_container_t *array = container;
        if (array->cardinality < 1 || array->cardinality > (int32_t)ARRAY_CARDINALITY_MAX)
            return -1;
        if (array->array == NULL) return -1;
        for (int32_t i = 1; i < array->cardinality; i++)
            if (array->array[i] <= array->array[i - 1]) return -1;
        return array->array[array->cardinality - 1] < row_limit ? 0 : -1;
    }
    case BITSET_CONTAINER_TYPE_CODE: {
        const bitset_container_t *bitset = container;
        if (bitset->array == NULL) return -1;
        uint64_t count = 0;
        uint32_t highest = 0;
        for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
            uint64_t word = bitset->array[w];
            if (word == 0) continue;
            count += (uint64_t)__builtin_popcountll(word);
            highest = w * 64u + 63u - (uint32_t)__builtin_clzll(word);
        }
        if (count <= ARRAY_CARDINALITY_MAX || count != (uint64_t)bitset->cardinality) return -1;
        return highest < row_limit ? 0 : -1;
    }
    case RUN_CONTAINER_TYPE_CODE: {
        const run_container_t *run = container;
        if (run->n_runs < 1 || run->runs == NULL) return -1;
        uint32_t previous_end = 0;
        for (int32_t i = 0; i < run->n_runs; i++) {
            uint32_t start = run->runs[i].value;
            uint32_t end = start + run->runs[i].length; /* inclusive */
            if (end >= PDB_CHUNK_ROWS) return -1;
            if (i > 0 && start <= previous_end) return -1;
            previous_end = end;
        }
        return previous_end < row_limit ? 0 : -1;
    }
    default:
        return -1;
    }
}

int index_bitmap_validate(const struct index_bitmap *bitmap, uint64_t row_count)
{
    if (bitmap == NULL) return 0;
    const roaring_array_t *ra = &roaring_of_const(bitmap)->high_low_container;
    if (ra->size < 0 || ra->size > (int32_t)CHUNK_KEYS_MAX) return -1;
    if (ra->size > 0 && (ra->keys == NULL || ra->containers == NULL || ra->typecodes == NULL))
        return -1;
    uint64_t chunk_limit = (row_count + PDB_CHUNK_ROWS - 1u) / PDB_CHUNK_ROWS;
    for (int32_t i = 0; i < ra->size; i++) {
        uint32_t key = ra->keys[i];
        if (i > 0 && key <= ra->keys[i - 1]) return -1;
        if (key >= chunk_limit) return -1;
        uint8_t type = ra->typecodes[i];
        const void *container = ra->containers[i];
        if (container == NULL) return -1;
        if (type == SHARED_CONTAINER_TYPE_CODE) {
            const shared_container_t *shared = container;
            type = shared->typecode;
            container = shared->container;
            if (container == NULL || type == SHARED_CONTAINER_TYPE_CODE) return -1;
        }
        uint64_t left = row_count - (uint64_t)key * PDB_CHUNK_ROWS;
        uint32_t row_limit = left < PDB_CHUNK_ROWS ? (uint32_t)left : PDB_CHUNK_ROWS;
        if (container_validate(container, type, row_limit) != 0) return -1;
    }
    return 0;
}

/* ---- Containers ------------------------------------------------------------------------- */

/* The smallest kind for `count` rows in `run_count` runs, by the sizes of the portable form:
 * an array takes 2 bytes a row (at most 4096 rows), a bitset 8 KiB, runs 2 + 4 bytes a run. */
static enum container_kind container_kind_choose(uint32_t count, uint32_t run_count)
{
    uint64_t run_size = 2u + 4ull * run_count;
    if (count <= ARRAY_CARDINALITY_MAX) {
        return run_size < 2ull * count ? CONTAINER_RUN : CONTAINER_ARRAY;
    }
    return run_size < BITSET_CONTAINER_SIZE_BYTES ? CONTAINER_RUN : CONTAINER_BITSET;
}

/* The runs of ascending positions, counted only as far as it takes to know whether a run
 * container is the smallest kind: once the runs pass what container_kind_choose accepts, the
 * exact number no longer matters and a bound past it is returned. On random data this reads a
 * fraction of the positions: the count is the build's costliest loop after the grouping. */
static uint32_t positions_run_count(const uint16_t *positions, uint32_t count)
{
    /* Runs above this lose to an array (2 bytes a row) or to a bitset (8 KiB). */
    uint64_t run_limit = count <= ARRAY_CARDINALITY_MAX ? (2ull * count - 2u) / 4u
                                                        : (BITSET_CONTAINER_SIZE_BYTES - 2u) / 4u;
    uint32_t run_count = 1;
    uint32_t i = 1;
    while (i < count) {
        uint32_t block_end = count - i > 256u ? i + 256u : count;
        uint32_t breaks = 0;
        for (; i < block_end; i++)
            breaks += (uint16_t)(positions[i] - positions[i - 1]) != 1u;
        run_count += breaks;
        if (run_count > run_limit) return run_count; /* too many for runs: stop counting */
    }
    return run_count;
}

/* Appends `container` (taken) as the last one; frees it on failure. */
static int container_append(roaring_bitmap_t *roaring, uint32_t chunk_index, void *container,
                            uint8_t type)
{
    roaring_array_t *ra = &roaring->high_low_container;
    assert(chunk_index < CHUNK_KEYS_MAX);
    assert(ra->size == 0 || ra->keys[ra->size - 1] < chunk_index);
    /* ra_append grows the arrays without checking; grow them here where failure is seen. */
    if (!extend_array(ra, 1)) {
        container_free(container, type);
        return -1;
    }
    ra_append(ra, (uint16_t)chunk_index, container, type);
    return 0;
}

/* The container of chunk `chunk_index` (unwrapped if shared), or NULL. */
static const void *chunk_container(const roaring_bitmap_t *roaring, uint32_t chunk_index,
                                   uint8_t *type_out)
{
    const roaring_array_t *ra = &roaring->high_low_container;
    if (chunk_index >= CHUNK_KEYS_MAX || ra->size == 0) return NULL;
    int32_t low = 0, high = ra->size - 1;
    while (low <= high) {
        int32_t middle = low + (high - low) / 2;
        uint32_t key = ra->keys[middle];
        if (key == chunk_index) {
            uint8_t type = ra->typecodes[middle];
            const void *container = container_unwrap_shared(ra->containers[middle], &type);
            *type_out = type;
            return container;
        }
        if (key < chunk_index)
            low = middle + 1;
        else
            high = middle - 1;
    }
    return NULL;
}

static void container_or_words(const void *container, uint8_t type, uint64_t *words)
{
    switch (type) {
    case BITSET_CONTAINER_TYPE_CODE:
        simd_kernels()->bitset_or(words, ((const bitset_container_t *)container)->array,
                                  PDB_CHUNK_WORDS);
        return;
    case ARRAY_CONTAINER_TYPE_CODE: {
        const array_container_t *array = container;
        const uint16_t *positions = array->array;
        for (int32_t i = 0; i < array->cardinality; i++)
            words[positions[i] >> 6] |= 1ull << (positions[i] & 63u);
        return;
    }
    case RUN_CONTAINER_TYPE_CODE: {
        const run_container_t *run = container;
        for (int32_t i = 0; i < run->n_runs; i++) {
            uint32_t start = run->runs[i].value;
            words_set_range(words, start, start + run->runs[i].length + 1u);
        }
        return;
    }
    default:
        assert(!"unknown container type");
    }
}

/* Sets bits [begin, end) of a chunk bitset; begin < end <= PDB_CHUNK_ROWS. */
static void words_set_range(uint64_t *words, uint32_t begin, uint32_t end)
{
    uint32_t first = begin >> 6;
    uint32_t last = (end - 1u) >> 6;
    uint64_t first_mask = ~0ull << (begin & 63u);
    uint64_t last_mask = ~0ull >> (63u - ((end - 1u) & 63u));
    if (first == last) {
        words[first] |= first_mask & last_mask;
        return;
    }
    words[first] |= first_mask;
    for (uint32_t w = first + 1u; w < last; w++)
        words[w] = ~0ull;
    words[last] |= last_mask;
}

static uint32_t container_cardinality(const void *container, uint8_t type)
{
    switch (type) {
    case BITSET_CONTAINER_TYPE_CODE:
        return (uint32_t)((const bitset_container_t *)container)->cardinality;
    case ARRAY_CONTAINER_TYPE_CODE:
        return (uint32_t)((const array_container_t *)container)->cardinality;
    case RUN_CONTAINER_TYPE_CODE: {
        const run_container_t *run = container;
        uint32_t total = 0;
        for (int32_t i = 0; i < run->n_runs; i++)
            total += run->runs[i].length + 1u;
        return total;
    }
    default:
        assert(!"unknown container type");
        return 0;
    }
}

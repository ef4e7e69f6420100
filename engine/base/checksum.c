/*
 * XXH3 wrapper (see checksum.h).
 */
#include "base/checksum.h"

#include <xxhash.h>

uint64_t checksum_bytes(const void *data, size_t size)
{
    return XXH3_64bits(data, size);
}

uint64_t hash_bytes(const void *data, size_t size)
{
    return XXH3_64bits_withSeed(data, size, 0x9e3779b97f4a7c15ull);
}

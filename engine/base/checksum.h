/*
 * Checksums for files, blocks and records: XXH3-64 from libxxhash, wrapped here so that it
 * is the only file that includes xxhash.h. A checksum of 0 is valid; there is no sentinel.
 */
#ifndef PDB_BASE_CHECKSUM_H
#define PDB_BASE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t checksum_bytes(const void *data, size_t size);

/* 64-bit hash for hash tables (same function, seeded, so table layout never equals a
 * stored checksum by construction). */
uint64_t hash_bytes(const void *data, size_t size);

#endif

/*
 * Dictionary files: the code -> string table of one category or tags column at one
 * generation, named "dict-<attribute index, 4 digits>-g<generation>.pdd".
 *
 *   offset   size            field
 *   0        8               magic "PDBDICT1"
 *   8        4               format version (1)
 *   12       4               entry count N
 *   16       8               string bytes B
 *   24       8*(N+1)         offsets into the bytes, from 0 to B, non-decreasing
 *   ...      B               the strings, back to back
 *   end-8    8               xxh3 of every byte before it
 */
#ifndef PDB_STORAGE_DICTIONARY_FILE_H
#define PDB_STORAGE_DICTIONARY_FILE_H

#include <stdint.h>

#include "column/dictionary.h"

#define DICTIONARY_FILE_NAME_SIZE 64u

void dictionary_file_name(char *out, uint32_t attribute_index, uint64_t generation);

/* Writes durably; *size_out and *checksum_out describe the file for the manifest. */
enum pdb_status dictionary_file_write(const char *path, const struct dictionary *dictionary,
                                      uint64_t *size_out, uint64_t *checksum_out,
                                      struct pdb_error *error);

/* Reads into `dictionary` (initialised and empty). expected_checksum comes from the
 * manifest and must match the file's own. */
enum pdb_status dictionary_file_read(const char *path, uint64_t expected_checksum,
                                     struct dictionary *dictionary, struct pdb_error *error);

#endif

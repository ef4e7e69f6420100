/*
 * pdb_db_stats: rows, chunks, bytes per column on disk and in memory, files on disk.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "storage/file_io.h"

enum pdb_status pdb_db_stats(struct pdb_db *db, struct pdb_stats *stats, struct pdb_error *error)
{
    uint32_t attributes = db->schema.attribute_count;
    struct pdb_column_stats *columns = mem_calloc(attributes, sizeof *columns);
    if (columns == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    enum pdb_status status = PDB_OK;
    for (uint32_t a = 0; a < attributes && status == PDB_OK; a++) {
        const struct column *column;
        status = table_column(&db->table, a, &column, error);
        if (status != PDB_OK) break;
        struct pdb_column_stats *out = &columns[a];
        out->name = db->schema.attributes[a].name;
        out->type = db->schema.attributes[a].type;
        bool has_dictionary = out->type == PDB_TYPE_CATEGORY || out->type == PDB_TYPE_TAGS;
        if (has_dictionary) {
            out->distinct_count = column->dictionary.entry_count;
            out->bytes_on_disk += db->manifest.dictionaries[a].size_bytes;
            out->bytes_in_memory += column->dictionary.bytes_size +
                                    (uint64_t)column->dictionary.entry_count * sizeof(uint64_t);
        }
        for (uint32_t k = 0; k < column->chunk_count; k++) {
            const struct column_chunk *chunk = &column->chunks[k];
            out->null_count += chunk->null_count;
            out->bytes_in_memory += column_chunk_memory_size(chunk, out->type);
            const struct chunk_directory *directory;
            status = db_chunk_directory(db, k, &directory, error);
            if (status != PDB_OK) break;
            out->bytes_on_disk += directory->blocks[a].size;
        }
    }
    if (status != PDB_OK) {
        mem_free(columns);
        return status;
    }
    memset(stats, 0, sizeof *stats);
    stats->row_count = db->table.row_count;
    stats->chunk_count = db->manifest.chunk_count;
    stats->column_count = attributes;
    stats->generation = db->manifest.generation;
    stats->bytes_ingested = db->manifest.bytes_ingested;
    stats->deleted_count = db->manifest.deleted_count;
    stats->bytes_on_disk += db->manifest.deleted.size_bytes;
    stats->columns = columns;
    for (uint32_t k = 0; k < db->manifest.chunk_count; k++) stats->bytes_on_disk += db->manifest.chunks[k].size_bytes;
    for (uint32_t a = 0; a < attributes; a++) stats->bytes_on_disk += db->manifest.dictionaries[a].size_bytes;
    for (uint32_t e = 0; e < db->manifest.event_file_count; e++)
        stats->bytes_on_disk += db->manifest.event_files[e].file.size_bytes;
    static const char *const small_files[] = {"MANIFEST", DB_SCHEMA_FILE};
    for (size_t i = 0; i < 2; i++) {
        char path[PDB_PATH_SIZE_MAX];
        uint64_t size;
        if (path_join(path, db->path, small_files[i], NULL) == PDB_OK && file_size(path, &size, NULL) == PDB_OK)
            stats->bytes_on_disk += size;
    }
    return PDB_OK;
}

void pdb_stats_deinit(struct pdb_stats *stats)
{
    mem_free(stats->columns);
    stats->columns = NULL;
}

/*
 * The case-folded form of text columns (column/column.h: struct column_text_fold), which
 * ISTARTS WITH, IENDS WITH and ICONTAINS scan with the kernels of their case-sensitive forms
 * and the pattern folded once by the binder. Row i's fold is exactly casefold_into of its
 * value, so these tests keep the meaning docs/SEGMENTS.md gives them.
 */
#ifndef PDB_QUERY_TEXT_FOLD_H
#define PDB_QUERY_TEXT_FOLD_H

#include "base/status.h"
#include "column/column.h"

/* Builds the fold of every chunk of the TEXT column that has none yet; the chunks own them.
 * Errors: out of memory, or a folded chunk over PDB_CHUNK_TEXT_BYTES_MAX (limit); chunks
 * folded before the failure keep their fold. */
enum pdb_status text_fold_column(struct column *column, struct pdb_error *error);

#endif

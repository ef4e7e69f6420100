/*
 * Timestamps: int64 seconds since 1970-01-01T00:00:00Z (UTC, proleptic Gregorian).
 *
 * Accepted text forms (the same in CSV input and segment literals):
 *   YYYY-MM-DD                       midnight UTC
 *   YYYY-MM-DD[T ]HH:MM[:SS[.frac]]  UTC; fractional seconds are truncated (floor)
 *   ... followed by Z, +HH:MM, -HH:MM, +HHMM or +HH  an offset from UTC
 *   an integer (optionally signed)    seconds since the epoch
 * Years 0001..9999. Anything else is rejected with a reason.
 */
#ifndef PDB_BASE_TIMESTAMP_H
#define PDB_BASE_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_TEXT_SIZE 32 /* "YYYY-MM-DDTHH:MM:SSZ" plus room for signed epochs */

/* Parses text[0..size). Returns NULL on success, or a static string naming the problem. */
const char *timestamp_parse(const char *text, size_t size, int64_t *seconds_out);

/* Formats as "YYYY-MM-DDTHH:MM:SSZ" into buffer (>= TIMESTAMP_TEXT_SIZE bytes). */
void timestamp_format(int64_t seconds, char *buffer);

/* Days since the epoch of a civil date (valid for any year). */
int64_t timestamp_days_from_civil(int64_t year, unsigned month, unsigned day);

/* Current wall-clock time in seconds. */
int64_t timestamp_now(void);

#endif

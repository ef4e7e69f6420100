/*
 * The retail generator's driver: options, the block pipeline, and the output files.
 *
 * Pipeline: rows are grouped in blocks of RETAIL_GEN_BLOCK_ROWS. Worker threads claim blocks
 * in increasing order and fill them in one of `slot_count` = workers + 2 preallocated
 * buffers (block k uses slot k % slot_count, free once block k - slot_count is written);
 * the calling thread writes the blocks strictly in order. Since a row depends only on
 * (seed, now, row index), the bytes are the same for any thread count, and memory is
 * slot_count * RETAIL_GEN_BLOCK_ROWS * RETAIL_ROW_SIZE_MAX whatever the profile count.
 * One mutex guards the claim counter, the written counter and the slot states.
 */
#include "retail_gen.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "retail_gen_internal.h"

#define BLOCK_SIZE_MAX ((size_t)RETAIL_GEN_BLOCK_ROWS * RETAIL_ROW_SIZE_MAX)
/* Slots beyond the worker count: one being written, one ready to be written. */
#define EXTRA_SLOTS 2u
#define SLOTS_MAX (RETAIL_GEN_THREADS_MAX + EXTRA_SLOTS)
#define SLOT_EMPTY UINT64_MAX

static const char schema_text[] =
    "# Retail customer profiles written by `profiledb gen` (see datasets/README.md).\n"
    "customer_id        text      identifier primary\n"
    "email              text      identifier pii\n"
    "phone              text      identifier pii\n"
    "first_name         text      pii\n"
    "last_name          text      pii\n"
    "country            category  indexed\n"
    "city               category  indexed\n"
    "gender             category\n"
    "birth_year         int\n"
    "age                int\n"
    "signup_at          timestamp\n"
    "last_seen_at       timestamp\n"
    "loyalty_tier       category  indexed\n"
    "total_spend        float\n"
    "order_count        int\n"
    "interests          tags      indexed\n"
    "consent_email      bool\n"
    "consent_sms        bool\n"
    "consent_ads        bool\n"
    "consent_analytics  bool\n"
    "is_vip             bool\n";

static const char csv_header[] =
    "customer_id,email,phone,first_name,last_name,country,city,gender,birth_year,age,"
    "signup_at,last_seen_at,loyalty_tier,total_spend,order_count,interests,consent_email,"
    "consent_sms,consent_ads,consent_analytics,is_vip";

struct slot {
    char *buffer; /* BLOCK_SIZE_MAX bytes */
    size_t size;
    uint64_t block_index; /* SLOT_EMPTY until a worker has filled it */
};

struct pipeline {
    struct retail_row_context row_context;
    uint64_t profile_count;
    uint64_t block_count;
    uint32_t slot_count;
    struct slot slots[SLOTS_MAX];
    pthread_mutex_t mutex;
    pthread_cond_t block_ready; /* a slot was filled (the writer waits) */
    pthread_cond_t slot_free;   /* a block was written or the run aborted (workers wait) */
    uint64_t next_block;        /* next block to claim */
    uint64_t blocks_written;
    bool is_aborted;
};

const char *retail_gen_schema_text(void)
{
    return schema_text;
}

const char *retail_gen_csv_header(void)
{
    return csv_header;
}

void retail_gen_options_init(struct retail_gen_options *options)
{
    *options = (struct retail_gen_options){
        .profile_count = RETAIL_GEN_DEFAULT_PROFILES,
        .seed = RETAIL_GEN_DEFAULT_SEED,
        .now_s = RETAIL_GEN_DEFAULT_NOW,
        .thread_count = 0,
    };
}

/* ---- Blocks and workers ------------------------------------------------------------- */

static size_t block_fill(const struct pipeline *pipeline, uint64_t block_index, char *buffer)
{
    uint64_t first = block_index * RETAIL_GEN_BLOCK_ROWS;
    uint64_t end = first + RETAIL_GEN_BLOCK_ROWS;
    if (end > pipeline->profile_count) end = pipeline->profile_count;
    size_t size = 0;
    for (uint64_t row = first; row < end; row++)
        size += retail_row_write(&pipeline->row_context, row, buffer + size);
    return size;
}

static void *worker_main(void *argument)
{
    struct pipeline *pipeline = argument;
    pthread_mutex_lock(&pipeline->mutex);
    for (;;) {
        while (!pipeline->is_aborted && pipeline->next_block < pipeline->block_count &&
               pipeline->next_block >= pipeline->blocks_written + pipeline->slot_count)
            pthread_cond_wait(&pipeline->slot_free, &pipeline->mutex);
        if (pipeline->is_aborted || pipeline->next_block >= pipeline->block_count) break;
        uint64_t block_index = pipeline->next_block++;
        struct slot *slot = &pipeline->slots[block_index % pipeline->slot_count];
        pthread_mutex_unlock(&pipeline->mutex);

        size_t size = block_fill(pipeline, block_index, slot->buffer);

        pthread_mutex_lock(&pipeline->mutex);
        slot->size = size;
        slot->block_index = block_index;
        pthread_cond_signal(&pipeline->block_ready);
    }
    pthread_mutex_unlock(&pipeline->mutex);
    return NULL;
}

static unsigned worker_count_for(const struct retail_gen_options *options, uint64_t block_count)
{
    long count = options->thread_count;
    if (count == 0) count = sysconf(_SC_NPROCESSORS_ONLN);
    if (count < 1) count = 1;
    if (count > (long)RETAIL_GEN_THREADS_MAX) count = RETAIL_GEN_THREADS_MAX;
    if ((uint64_t)count > block_count) count = (long)block_count;
    return (unsigned)count;
}

/* ---- Writing ------------------------------------------------------------------------ */

static enum pdb_status write_bytes(FILE *out, const char *bytes, size_t size,
                                   struct pdb_error *error)
{
    errno = 0;
    if (size > 0 && fwrite(bytes, 1, size, out) != size) {
        int saved = errno != 0 ? errno : EIO;
        return error_set_errno(error, PDB_ERR_IO, saved, "write failed");
    }
    return PDB_OK;
}

static enum pdb_status options_check(const struct retail_gen_options *options,
                                     struct pdb_error *error)
{
    if (options->now_s != 0 &&
        (options->now_s < RETAIL_GEN_NOW_MIN || options->now_s > RETAIL_GEN_NOW_MAX)) {
        return error_set(error, PDB_ERR_USAGE,
                         "reference time %lld is out of range (years 1990 to 9000)",
                         (long long)options->now_s);
    }
    return PDB_OK;
}

/* Writes every block in order from the slots the workers fill. */
static enum pdb_status pipeline_drain(struct pipeline *pipeline, FILE *out,
                                      const struct retail_gen_options *options,
                                      uint64_t *bytes_written, struct pdb_error *error)
{
    for (uint64_t block_index = 0; block_index < pipeline->block_count; block_index++) {
        struct slot *slot = &pipeline->slots[block_index % pipeline->slot_count];
        pthread_mutex_lock(&pipeline->mutex);
        while (slot->block_index != block_index)
            pthread_cond_wait(&pipeline->block_ready, &pipeline->mutex);
        size_t size = slot->size;
        pthread_mutex_unlock(&pipeline->mutex);

        enum pdb_status status = write_bytes(out, slot->buffer, size, error);
        /* From here on a worker may refill the slot: use `size`, not slot->size. */
        pthread_mutex_lock(&pipeline->mutex);
        if (status != PDB_OK)
            pipeline->is_aborted = true;
        else
            pipeline->blocks_written++;
        pthread_cond_broadcast(&pipeline->slot_free);
        pthread_mutex_unlock(&pipeline->mutex);
        if (status != PDB_OK) return status;

        *bytes_written += size;
        if (options->on_progress != NULL) {
            uint64_t rows = (block_index + 1) * (uint64_t)RETAIL_GEN_BLOCK_ROWS;
            if (rows > pipeline->profile_count) rows = pipeline->profile_count;
            options->on_progress(rows, *bytes_written, options->progress_context);
        }
    }
    return PDB_OK;
}

/* The same, generating each block on this thread (one worker or threads unavailable). */
static enum pdb_status pipeline_run_inline(struct pipeline *pipeline, FILE *out,
                                           const struct retail_gen_options *options,
                                           uint64_t *bytes_written, struct pdb_error *error)
{
    struct slot *slot = &pipeline->slots[0];
    for (uint64_t block_index = 0; block_index < pipeline->block_count; block_index++) {
        slot->size = block_fill(pipeline, block_index, slot->buffer);
        enum pdb_status status = write_bytes(out, slot->buffer, slot->size, error);
        if (status != PDB_OK) return status;
        *bytes_written += slot->size;
        if (options->on_progress != NULL) {
            uint64_t rows = (block_index + 1) * (uint64_t)RETAIL_GEN_BLOCK_ROWS;
            if (rows > pipeline->profile_count) rows = pipeline->profile_count;
            options->on_progress(rows, *bytes_written, options->progress_context);
        }
    }
    return PDB_OK;
}

enum pdb_status retail_gen_write_csv(FILE *out, const struct retail_gen_options *options,
                                     struct pdb_error *error)
{
    assert(out != NULL && options != NULL);
    enum pdb_status status = options_check(options, error);
    if (status != PDB_OK) return status;

    uint64_t block_count = options->profile_count / RETAIL_GEN_BLOCK_ROWS +
                           (options->profile_count % RETAIL_GEN_BLOCK_ROWS != 0);
    unsigned worker_count = worker_count_for(options, block_count);
    /* A single worker would only hand blocks to this thread: generate here instead. */
    if (worker_count == 1) worker_count = 0;

    struct pipeline *pipeline = mem_calloc(1, sizeof *pipeline);
    if (pipeline == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    retail_row_context_init(&pipeline->row_context, options->seed,
                            options->now_s != 0 ? options->now_s : RETAIL_GEN_DEFAULT_NOW);
    pipeline->profile_count = options->profile_count;
    pipeline->block_count = block_count;
    pipeline->slot_count = worker_count == 0 ? 1 : worker_count + EXTRA_SLOTS;
    uint32_t slots_allocated = 0;
    pthread_t threads[RETAIL_GEN_THREADS_MAX];
    unsigned threads_started = 0;
    bool has_sync = false;
    uint64_t bytes_written = 0;

    for (; slots_allocated < pipeline->slot_count; slots_allocated++) {
        struct slot *slot = &pipeline->slots[slots_allocated];
        slot->buffer = mem_alloc(BLOCK_SIZE_MAX);
        slot->block_index = SLOT_EMPTY;
        if (slot->buffer == NULL) {
            status = error_set(error, PDB_ERR_NO_MEMORY,
                               "out of memory for %u generator buffers of %zu bytes",
                               pipeline->slot_count, BLOCK_SIZE_MAX);
            goto fail;
        }
    }

    status = write_bytes(out, csv_header, sizeof csv_header - 1, error);
    if (status == PDB_OK) status = write_bytes(out, "\n", 1, error);
    if (status != PDB_OK) goto fail;
    bytes_written = sizeof csv_header;

    if (worker_count > 0) {
        if (pthread_mutex_init(&pipeline->mutex, NULL) != 0) {
            worker_count = 0;
        } else if (pthread_cond_init(&pipeline->block_ready, NULL) != 0) {
            pthread_mutex_destroy(&pipeline->mutex);
            worker_count = 0;
        } else if (pthread_cond_init(&pipeline->slot_free, NULL) != 0) {
            pthread_cond_destroy(&pipeline->block_ready);
            pthread_mutex_destroy(&pipeline->mutex);
            worker_count = 0;
        } else {
            has_sync = true;
        }
    }
    for (; threads_started < worker_count; threads_started++) {
        if (pthread_create(&threads[threads_started], NULL, worker_main, pipeline) != 0) break;
    }
    if (threads_started > 0) {
        status = pipeline_drain(pipeline, out, options, &bytes_written, error);
    } else {
        /* No threads (none wanted or none could start): slot 0 serves the calling thread. */
        status = pipeline_run_inline(pipeline, out, options, &bytes_written, error);
    }
    if (status != PDB_OK) goto fail;

    if (fflush(out) != 0) {
        status = error_set_errno(error, PDB_ERR_IO, errno, "write failed");
        goto fail;
    }
    if (options->on_progress != NULL)
        options->on_progress(options->profile_count, bytes_written, options->progress_context);

fail:
    for (unsigned i = 0; i < threads_started; i++)
        pthread_join(threads[i], NULL);
    if (has_sync) {
        pthread_cond_destroy(&pipeline->slot_free);
        pthread_cond_destroy(&pipeline->block_ready);
        pthread_mutex_destroy(&pipeline->mutex);
    }
    for (uint32_t i = 0; i < slots_allocated; i++)
        mem_free(pipeline->slots[i].buffer);
    mem_free(pipeline);
    return status;
}

/* ---- Files -------------------------------------------------------------------------- */

/* mkdir -p: creates every missing directory of path. */
static enum pdb_status directory_create_all(const char *path, struct pdb_error *error)
{
    char partial[PDB_PATH_SIZE_MAX];
    size_t size = strlen(path);
    memcpy(partial, path, size + 1);
    for (size_t i = 1; i <= size; i++) {
        if (partial[i] != '/' && partial[i] != '\0') continue;
        if (partial[i - 1] == '/') continue;
        char saved = partial[i];
        partial[i] = '\0';
        if (mkdir(partial, 0777) != 0 && errno != EEXIST) {
            return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create directory",
                                   partial);
        }
        partial[i] = saved;
    }
    struct stat info;
    if (stat(path, &info) != 0)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create directory", path);
    if (!S_ISDIR(info.st_mode))
        return error_set(error, PDB_ERR_IO, "%s: exists and is not a directory", path);
    return PDB_OK;
}

static enum pdb_status schema_file_write(const char *path, struct pdb_error *error)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot open", path);
    size_t size = sizeof schema_text - 1;
    bool ok = fwrite(schema_text, 1, size, file) == size;
    int saved = errno;
    if (fclose(file) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(path);
        return error_set_errno(error, PDB_ERR_IO, saved != 0 ? saved : EIO, "%s: write failed",
                               path);
    }
    return PDB_OK;
}

enum pdb_status retail_gen_write(const char *out_dir, const struct retail_gen_options *options,
                                 struct pdb_error *error)
{
    assert(out_dir != NULL && options != NULL);
    enum pdb_status status = options_check(options, error);
    if (status != PDB_OK) return status;
    if (out_dir[0] == '\0')
        return error_set(error, PDB_ERR_USAGE, "the output directory name is empty");
    size_t dir_size = strlen(out_dir);
    if (dir_size + sizeof "/profiles.csv" > PDB_PATH_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "output directory path is %zu bytes (limit %u)",
                         dir_size, PDB_PATH_SIZE_MAX - (unsigned)sizeof "/profiles.csv");
    }
    status = directory_create_all(out_dir, error);
    if (status != PDB_OK) return status;

    char path[PDB_PATH_SIZE_MAX];
    snprintf(path, sizeof path, "%s/retail.schema", out_dir);
    status = schema_file_write(path, error);
    if (status != PDB_OK) return status;

    snprintf(path, sizeof path, "%s/profiles.csv", out_dir);
    FILE *file = fopen(path, "w");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot open", path);
    status = retail_gen_write_csv(file, options, error);
    if (fclose(file) != 0 && status == PDB_OK)
        status = error_set_errno(error, PDB_ERR_IO, errno, "write failed");
    if (status != PDB_OK) {
        /* A truncated file must not pass for a complete data set. */
        unlink(path);
        if (status == PDB_ERR_IO) error_prefix(error, "%s: ", path);
    }
    return status;
}

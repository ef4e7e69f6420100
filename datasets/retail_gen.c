/*
 * The retail generator's driver: options, the block pipeline, and the output files.
 *
 * Pipeline: rows are grouped in blocks of RETAIL_GEN_BLOCK_ROWS. Worker threads claim blocks
 * in increasing order and fill them in one of `slot_count` = workers + 2 preallocated
 * slots (block k uses slot k % slot_count, free once block k - slot_count is written);
 * the calling thread writes the blocks strictly in order. A slot has one buffer per output:
 * the profiles, and with events one per event type (the block's profiles' events, grown on
 * demand: a profile's events are heavy-tailed). Since a row and its events depend only on
 * (seed, now, events per profile, row index), the bytes are the same for any thread count,
 * and memory is bounded by slot_count blocks whatever the profile count.
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
#include "retail_events.h"
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
    "is_vip             bool\n"
    "\n"
    "# Behavioural events (`profiledb ingest --events TYPE FILE`), keyed by customer_id.\n"
    "event purchase\n"
    "    amount     float\n"
    "    category   category\n"
    "    channel    category\n"
    "event add_to_cart\n"
    "    sku        text\n"
    "    price      float\n"
    "event page_view\n"
    "    url        text\n";

static const char csv_header[] =
    "customer_id,email,phone,first_name,last_name,country,city,gender,birth_year,age,"
    "signup_at,last_seen_at,loyalty_tier,total_spend,order_count,interests,consent_email,"
    "consent_sms,consent_ads,consent_analytics,is_vip";

/* Outputs: the profiles, then one per event type. */
#define OUTPUT_PROFILES 0
#define OUTPUT_COUNT (1 + RETAIL_EVENT_TYPE_COUNT)
/* First capacity of an event buffer, per profile of the block and event of the target. */
#define EVENT_BYTES_PER_EXPECTED_EVENT 64u

struct slot {
    char *buffers[OUTPUT_COUNT]; /* profiles: BLOCK_SIZE_MAX bytes; events: grown */
    size_t capacities[OUTPUT_COUNT];
    size_t sizes[OUTPUT_COUNT];
    uint64_t event_counts[RETAIL_EVENT_TYPE_COUNT];
    uint64_t block_index; /* SLOT_EMPTY until a worker has filled it */
};

struct pipeline {
    struct retail_row_context row_context;
    struct retail_event_context *event_context; /* NULL without events */
    uint32_t output_count;                      /* 1, or OUTPUT_COUNT with events */
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
    bool is_out_of_memory; /* a worker could not grow an event buffer */
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
        .events_per_profile = RETAIL_GEN_DEFAULT_EVENTS_PER_PROFILE,
    };
}

_Static_assert(RETAIL_GEN_EVENT_TYPES == RETAIL_EVENT_TYPE_COUNT, "event type counts");
_Static_assert(RETAIL_GEN_EVENTS_PER_PROFILE_MAX == RETAIL_EVENTS_PER_PROFILE_MAX, "limits");

const char *retail_gen_event_type_name(unsigned type_index)
{
    assert(type_index < RETAIL_GEN_EVENT_TYPES);
    return retail_event_type_name((enum retail_event_type)type_index);
}

const char *retail_gen_event_csv_header(unsigned type_index)
{
    assert(type_index < RETAIL_GEN_EVENT_TYPES);
    return retail_event_csv_header((enum retail_event_type)type_index);
}

/* ---- Blocks and workers ------------------------------------------------------------- */

/* Makes room for `needed` more bytes in output `output` of the slot. */
static bool slot_reserve(struct slot *slot, unsigned output, size_t needed)
{
    if (slot->capacities[output] - slot->sizes[output] >= needed) return true;
    size_t capacity = slot->capacities[output];
    void *buffer = slot->buffers[output];
    if (mem_grow(&buffer, &capacity, slot->sizes[output] + needed, 1) != 0) return false;
    slot->buffers[output] = buffer;
    slot->capacities[output] = capacity;
    return true;
}

/* Fills the slot with the block's profiles and their events; false when out of memory. */
static bool block_fill(const struct pipeline *pipeline, uint64_t block_index, struct slot *slot)
{
    uint64_t first = block_index * RETAIL_GEN_BLOCK_ROWS;
    uint64_t end = first + RETAIL_GEN_BLOCK_ROWS;
    if (end > pipeline->profile_count) end = pipeline->profile_count;
    memset(slot->sizes, 0, sizeof slot->sizes);
    memset(slot->event_counts, 0, sizeof slot->event_counts);
    char *profiles = slot->buffers[OUTPUT_PROFILES];
    for (uint64_t row = first; row < end; row++) {
        struct retail_row_facts facts;
        slot->sizes[OUTPUT_PROFILES] += retail_row_write(
            &pipeline->row_context, row, profiles + slot->sizes[OUTPUT_PROFILES], &facts);
        if (pipeline->event_context == NULL) continue;
        struct retail_event_plan plan;
        retail_events_plan(pipeline->event_context, row, &facts, &plan);
        for (unsigned type = 0; type < RETAIL_EVENT_TYPE_COUNT; type++) {
            unsigned output = 1 + type;
            if (!slot_reserve(slot, output,
                              (size_t)plan.counts[type] * RETAIL_EVENT_ROW_SIZE_MAX))
                return false;
            slot->sizes[output] +=
                retail_events_write(pipeline->event_context, &plan, (enum retail_event_type)type,
                                    slot->buffers[output] + slot->sizes[output]);
            slot->event_counts[type] += plan.counts[type];
        }
    }
    return true;
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

        bool is_filled = block_fill(pipeline, block_index, slot);

        pthread_mutex_lock(&pipeline->mutex);
        if (is_filled) {
            slot->block_index = block_index;
        } else {
            pipeline->is_out_of_memory = true;
            pipeline->is_aborted = true;
            pthread_cond_broadcast(&pipeline->slot_free);
        }
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
    if (options->events_per_profile > RETAIL_GEN_EVENTS_PER_PROFILE_MAX) {
        return error_set(error, PDB_ERR_USAGE, "%llu events per profile is more than %u",
                         (unsigned long long)options->events_per_profile,
                         RETAIL_GEN_EVENTS_PER_PROFILE_MAX);
    }
    return PDB_OK;
}

static enum pdb_status out_of_memory(struct pdb_error *error)
{
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory for the generated events");
}

/* Writes a filled slot to the outputs and counts it in the totals. */
static enum pdb_status slot_write(const struct pipeline *pipeline, const struct slot *slot,
                                  FILE *const *outs, struct retail_gen_totals *totals,
                                  struct pdb_error *error)
{
    for (uint32_t output = 0; output < pipeline->output_count; output++) {
        enum pdb_status status =
            write_bytes(outs[output], slot->buffers[output], slot->sizes[output], error);
        if (status != PDB_OK) {
            totals->failed_output = (int)output;
            return status;
        }
        totals->bytes[output] += slot->sizes[output];
        totals->bytes_written += slot->sizes[output];
    }
    for (unsigned type = 0; type < RETAIL_EVENT_TYPE_COUNT; type++) {
        totals->event_counts[type] += slot->event_counts[type];
        totals->events_written += slot->event_counts[type];
    }
    return PDB_OK;
}

static void progress_report(const struct pipeline *pipeline, uint64_t block_index,
                            const struct retail_gen_options *options,
                            const struct retail_gen_totals *totals)
{
    if (options->on_progress == NULL) return;
    uint64_t rows = (block_index + 1) * (uint64_t)RETAIL_GEN_BLOCK_ROWS;
    if (rows > pipeline->profile_count) rows = pipeline->profile_count;
    options->on_progress(rows, totals->bytes_written, options->progress_context);
}

/* Writes every block in order from the slots the workers fill. */
static enum pdb_status pipeline_drain(struct pipeline *pipeline, FILE *const *outs,
                                      const struct retail_gen_options *options,
                                      struct retail_gen_totals *totals, struct pdb_error *error)
{
    for (uint64_t block_index = 0; block_index < pipeline->block_count; block_index++) {
        struct slot *slot = &pipeline->slots[block_index % pipeline->slot_count];
        pthread_mutex_lock(&pipeline->mutex);
        while (slot->block_index != block_index && !pipeline->is_out_of_memory)
            pthread_cond_wait(&pipeline->block_ready, &pipeline->mutex);
        bool is_out_of_memory = slot->block_index != block_index;
        pthread_mutex_unlock(&pipeline->mutex);
        if (is_out_of_memory) return out_of_memory(error);

        /* No worker touches the slot until blocks_written moves past it. */
        enum pdb_status status = slot_write(pipeline, slot, outs, totals, error);
        pthread_mutex_lock(&pipeline->mutex);
        if (status != PDB_OK)
            pipeline->is_aborted = true;
        else
            pipeline->blocks_written++;
        pthread_cond_broadcast(&pipeline->slot_free);
        pthread_mutex_unlock(&pipeline->mutex);
        if (status != PDB_OK) return status;
        progress_report(pipeline, block_index, options, totals);
    }
    return PDB_OK;
}

/* The same, generating each block on this thread (one worker or threads unavailable). */
static enum pdb_status pipeline_run_inline(struct pipeline *pipeline, FILE *const *outs,
                                           const struct retail_gen_options *options,
                                           struct retail_gen_totals *totals,
                                           struct pdb_error *error)
{
    struct slot *slot = &pipeline->slots[0];
    for (uint64_t block_index = 0; block_index < pipeline->block_count; block_index++) {
        if (!block_fill(pipeline, block_index, slot)) return out_of_memory(error);
        enum pdb_status status = slot_write(pipeline, slot, outs, totals, error);
        if (status != PDB_OK) return status;
        progress_report(pipeline, block_index, options, totals);
    }
    return PDB_OK;
}

enum pdb_status retail_gen_write_csv(FILE *out, const struct retail_gen_options *options,
                                     struct pdb_error *error)
{
    struct retail_gen_totals totals;
    return retail_gen_write_streams(out, NULL, options, &totals, error);
}

/* Writes the CSV header of every output. */
static enum pdb_status headers_write(const struct pipeline *pipeline, FILE *const *outs,
                                     struct retail_gen_totals *totals, struct pdb_error *error)
{
    for (uint32_t output = 0; output < pipeline->output_count; output++) {
        const char *header = output == OUTPUT_PROFILES
                                 ? csv_header
                                 : retail_event_csv_header((enum retail_event_type)(output - 1));
        size_t size = strlen(header);
        enum pdb_status status = write_bytes(outs[output], header, size, error);
        if (status == PDB_OK) status = write_bytes(outs[output], "\n", 1, error);
        if (status != PDB_OK) {
            totals->failed_output = (int)output;
            return status;
        }
        totals->bytes[output] += size + 1;
        totals->bytes_written += size + 1;
    }
    return PDB_OK;
}

enum pdb_status retail_gen_write_streams(FILE *profiles_out, FILE *const *event_outs,
                                         const struct retail_gen_options *options,
                                         struct retail_gen_totals *totals,
                                         struct pdb_error *error)
{
    assert(profiles_out != NULL && options != NULL && totals != NULL);
    memset(totals, 0, sizeof *totals);
    totals->failed_output = -1;
    enum pdb_status status = options_check(options, error);
    if (status != PDB_OK) return status;
    bool has_events = event_outs != NULL && options->events_per_profile > 0;
    FILE *outs[OUTPUT_COUNT] = {profiles_out};
    for (unsigned type = 0; has_events && type < RETAIL_EVENT_TYPE_COUNT; type++) {
        assert(event_outs[type] != NULL);
        outs[1 + type] = event_outs[type];
    }

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
    pipeline->output_count = has_events ? OUTPUT_COUNT : 1;
    uint32_t slots_allocated = 0;
    pthread_t threads[RETAIL_GEN_THREADS_MAX];
    unsigned threads_started = 0;
    bool has_sync = false;

    if (has_events) {
        pipeline->event_context = mem_alloc(sizeof *pipeline->event_context);
        if (pipeline->event_context == NULL) {
            status = out_of_memory(error);
            goto fail;
        }
        retail_event_context_init(pipeline->event_context, &pipeline->row_context,
                                  (uint32_t)options->events_per_profile);
    }
    /* Events of a type, for the block at the target rate (grown when a block has more). */
    size_t event_capacity = (size_t)RETAIL_GEN_BLOCK_ROWS * EVENT_BYTES_PER_EXPECTED_EVENT *
                            (size_t)(options->events_per_profile / 2 + 1);
    for (; slots_allocated < pipeline->slot_count; slots_allocated++) {
        struct slot *slot = &pipeline->slots[slots_allocated];
        slot->block_index = SLOT_EMPTY;
        bool is_allocated = true;
        for (uint32_t output = 0; output < pipeline->output_count; output++) {
            size_t capacity = output == OUTPUT_PROFILES ? BLOCK_SIZE_MAX : event_capacity;
            slot->buffers[output] = mem_alloc(capacity);
            slot->capacities[output] = capacity;
            if (slot->buffers[output] == NULL) is_allocated = false;
        }
        if (!is_allocated) {
            slots_allocated++;
            status = error_set(error, PDB_ERR_NO_MEMORY,
                               "out of memory for %u generator buffers of %zu bytes",
                               pipeline->slot_count, BLOCK_SIZE_MAX);
            goto fail;
        }
    }

    status = headers_write(pipeline, outs, totals, error);
    if (status != PDB_OK) goto fail;

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
        status = pipeline_drain(pipeline, outs, options, totals, error);
    } else {
        /* No threads (none wanted or none could start): slot 0 serves the calling thread. */
        status = pipeline_run_inline(pipeline, outs, options, totals, error);
    }
    if (status != PDB_OK) goto fail;

    for (uint32_t output = 0; output < pipeline->output_count; output++) {
        if (fflush(outs[output]) != 0) {
            totals->failed_output = (int)output;
            status = error_set_errno(error, PDB_ERR_IO, errno, "write failed");
            goto fail;
        }
    }
    totals->profile_count = options->profile_count;
    if (options->on_progress != NULL)
        options->on_progress(options->profile_count, totals->bytes_written,
                             options->progress_context);

fail:
    if (threads_started > 0) {
        /* Workers may wait for a slot the writer will never free. */
        pthread_mutex_lock(&pipeline->mutex);
        if (status != PDB_OK) pipeline->is_aborted = true;
        pthread_cond_broadcast(&pipeline->slot_free);
        pthread_mutex_unlock(&pipeline->mutex);
    }
    for (unsigned i = 0; i < threads_started; i++)
        pthread_join(threads[i], NULL);
    if (has_sync) {
        pthread_cond_destroy(&pipeline->slot_free);
        pthread_cond_destroy(&pipeline->block_ready);
        pthread_mutex_destroy(&pipeline->mutex);
    }
    for (uint32_t i = 0; i < slots_allocated; i++)
        for (uint32_t output = 0; output < OUTPUT_COUNT; output++)
            mem_free(pipeline->slots[i].buffers[output]);
    mem_free(pipeline->event_context);
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
    if (dir_size + sizeof "/add_to_cart.csv" > PDB_PATH_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "output directory path is %zu bytes (limit %u)",
                         dir_size, PDB_PATH_SIZE_MAX - (unsigned)sizeof "/add_to_cart.csv");
    }
    status = directory_create_all(out_dir, error);
    if (status != PDB_OK) return status;

    char path[PDB_PATH_SIZE_MAX];
    snprintf(path, sizeof path, "%s/retail.schema", out_dir);
    status = schema_file_write(path, error);
    if (status != PDB_OK) return status;

    /* The output files: profiles.csv, then <type>.csv per event type. Event files of an
     * earlier run are removed when this one writes none: they would not match. */
    bool has_events = options->events_per_profile > 0;
    uint32_t file_count = has_events ? OUTPUT_COUNT : 1;
    char paths[OUTPUT_COUNT][PDB_PATH_SIZE_MAX];
    for (uint32_t output = 0; output < OUTPUT_COUNT; output++) {
        if (output == OUTPUT_PROFILES)
            snprintf(paths[output], sizeof paths[output], "%s/profiles.csv", out_dir);
        else
            snprintf(paths[output], sizeof paths[output], "%s/%s.csv", out_dir,
                     retail_event_type_name((enum retail_event_type)(output - 1)));
        if (output >= file_count) unlink(paths[output]);
    }
    FILE *files[OUTPUT_COUNT] = {NULL};
    uint32_t files_opened = 0;
    int failed_output = -1;
    for (; files_opened < file_count; files_opened++) {
        files[files_opened] = fopen(paths[files_opened], "w");
        if (files[files_opened] == NULL) {
            status = error_set_errno(error, PDB_ERR_IO, errno, "cannot open");
            failed_output = (int)files_opened;
            break;
        }
    }
    if (status == PDB_OK) {
        struct retail_gen_totals totals;
        status = retail_gen_write_streams(files[OUTPUT_PROFILES], has_events ? files + 1 : NULL,
                                          options, &totals, error);
        failed_output = totals.failed_output;
        if (options->totals != NULL) *options->totals = totals;
    }
    for (uint32_t output = 0; output < files_opened; output++) {
        if (fclose(files[output]) != 0 && status == PDB_OK) {
            status = error_set_errno(error, PDB_ERR_IO, errno, "write failed");
            failed_output = (int)output;
        }
    }
    if (status != PDB_OK) {
        /* Truncated files must not pass for a complete data set. */
        for (uint32_t output = 0; output < files_opened; output++)
            unlink(paths[output]);
        if (status == PDB_ERR_IO && failed_output >= 0)
            error_prefix(error, "%s: ", paths[failed_output]);
    }
    return status;
}

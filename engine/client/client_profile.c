/*
 * GET over the network: the request, and the profile built from its response.
 *
 * A struct pdb_client_profile owns a copy of the response payload; attribute names are copied
 * NUL-terminated into one block, and strings and tags point into the payload copy, so every
 * pointer handed out lives until pdb_client_profile_destroy.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "client/client_internal.h"

struct pdb_client_profile {
    uint32_t row_id;
    uint32_t attribute_count;
    uint8_t *payload; /* owned copy of the response */
    char *names;      /* attribute_count NUL-terminated names */
    struct pdb_attribute_info *infos;
    struct pdb_value *values;
    bool *is_masked;
    const char **tag_data; /* every tag of every attribute... */
    uint32_t *tag_sizes;   /* ...with its size */
};

void pdb_client_profile_destroy(struct pdb_client_profile *profile)
{
    if (profile == NULL) return;
    mem_free(profile->payload);
    mem_free(profile->names);
    mem_free(profile->infos);
    mem_free(profile->values);
    mem_free(profile->is_masked);
    mem_free(profile->tag_data);
    mem_free(profile->tag_sizes);
    mem_free(profile);
}

/* Builds the profile from a GET response payload; NULL when malformed or out of memory
 * (*is_malformed says which). */
static struct pdb_client_profile *profile_decode(const uint8_t *data, uint32_t size,
                                                 bool *is_malformed)
{
    *is_malformed = false;
    struct pdb_client_profile *profile = mem_calloc(1, sizeof *profile);
    if (profile == NULL) return NULL;
    profile->payload = mem_alloc(size ? size : 1);
    if (profile->payload == NULL) goto fail;
    memcpy(profile->payload, data, size);
    struct protocol_reader reader;
    protocol_reader_init(&reader, profile->payload, size);
    profile->row_id = protocol_get_u32(&reader);
    profile->attribute_count = protocol_get_u32(&reader);
    uint32_t count = profile->attribute_count;
    if (reader.failed || count > PDB_ATTRIBUTES_MAX + PDB_COMPUTED_ATTRIBUTES_MAX) goto malformed;
    /* First pass: validate and count tags and name bytes. */
    size_t tag_total = 0, name_bytes = 0;
    struct protocol_reader first = reader;
    for (uint32_t a = 0; a < count; a++) {
        struct protocol_value value;
        if (!protocol_value_decode(&first, &value)) goto malformed;
        tag_total += value.state == PROTOCOL_VALUE_PRESENT && value.type == PDB_TYPE_TAGS
                         ? value.tag_count
                         : 0;
        name_bytes += value.name.size + 1;
    }
    if (!protocol_reader_is_done(&first)) goto malformed;
    profile->names = mem_alloc(name_bytes + 1);
    profile->infos = mem_calloc(count + 1, sizeof *profile->infos);
    profile->values = mem_calloc(count + 1, sizeof *profile->values);
    profile->is_masked = mem_calloc(count + 1, sizeof *profile->is_masked);
    profile->tag_data = mem_calloc(tag_total + 1, sizeof *profile->tag_data);
    profile->tag_sizes = mem_calloc(tag_total + 1, sizeof *profile->tag_sizes);
    if (!profile->names || !profile->infos || !profile->values || !profile->is_masked ||
        !profile->tag_data || !profile->tag_sizes)
        goto fail;
    size_t names_used = 0, tags_used = 0;
    for (uint32_t a = 0; a < count; a++) {
        struct protocol_value decoded;
        protocol_value_decode(&reader, &decoded); /* validated above */
        char *name = profile->names + names_used;
        memcpy(name, decoded.name.data, decoded.name.size);
        name[decoded.name.size] = '\0';
        names_used += decoded.name.size + 1;
        profile->infos[a] =
            (struct pdb_attribute_info){name, (enum pdb_type)decoded.type, decoded.flags};
        struct pdb_value *value = &profile->values[a];
        value->type = (enum pdb_type)decoded.type;
        value->is_null = decoded.state != PROTOCOL_VALUE_PRESENT;
        profile->is_masked[a] = decoded.state == PROTOCOL_VALUE_MASKED;
        if (value->is_null) continue;
        value->bool_value = decoded.bool_value;
        value->int_value = decoded.int_value;
        value->float_value = decoded.float_value;
        value->string_data = decoded.string.data;
        value->string_size = decoded.string.size;
        if (decoded.type == PDB_TYPE_TAGS) {
            struct protocol_reader tags;
            protocol_reader_init(&tags, profile->payload, size);
            tags.offset = decoded.tags_offset;
            value->tag_data = profile->tag_data + tags_used;
            value->tag_sizes = profile->tag_sizes + tags_used;
            value->tag_count = decoded.tag_count;
            for (uint32_t t = 0; t < decoded.tag_count; t++) {
                struct protocol_string tag = protocol_get_string(&tags, PDB_TEXT_VALUE_SIZE_MAX);
                profile->tag_data[tags_used] = tag.data;
                profile->tag_sizes[tags_used] = tag.size;
                tags_used++;
            }
        }
    }
    return profile;
malformed:
    *is_malformed = true;
fail:
    pdb_client_profile_destroy(profile);
    return NULL;
}

static enum pdb_status get(struct pdb_client *client, const struct protocol_get_request *request,
                           struct pdb_client_profile **profile_out, struct pdb_error *error)
{
    size_t start = client_frame_begin(client, PROTOCOL_OP_GET);
    enum pdb_status status = client_frame_send(
        client, start, protocol_get_request_encode(&client->output, request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_GET, &frame, error);
    if (status != PDB_OK) return status;
    bool is_malformed;
    struct pdb_client_profile *profile =
        profile_decode(frame.payload, frame.payload_size, &is_malformed);
    if (profile == NULL) {
        if (!is_malformed)
            return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", client->address);
        client->is_broken = true;
        return error_set(error, PDB_ERR_PROTOCOL, "%s: malformed GET response", client->address);
    }
    *profile_out = profile;
    return PDB_OK;
}

enum pdb_status pdb_client_get(struct pdb_client *client, uint32_t row_id,
                               struct pdb_client_profile **profile_out, struct pdb_error *error)
{
    struct protocol_get_request request = {.by = PROTOCOL_GET_BY_ROW_ID, .row_id = row_id};
    return get(client, &request, profile_out, error);
}

enum pdb_status pdb_client_get_by_key(struct pdb_client *client, const char *attribute,
                                      const char *key, struct pdb_client_profile **profile_out,
                                      struct pdb_error *error)
{
    struct protocol_get_request request = {.by = PROTOCOL_GET_BY_KEY,
                                           .attribute = {attribute, (uint32_t)strlen(attribute)},
                                           .key = {key, (uint32_t)strlen(key)}};
    return get(client, &request, profile_out, error);
}

uint32_t pdb_client_profile_row_id(const struct pdb_client_profile *profile)
{
    return profile->row_id;
}

uint32_t pdb_client_profile_attribute_count(const struct pdb_client_profile *profile)
{
    return profile->attribute_count;
}

void pdb_client_profile_attribute(const struct pdb_client_profile *profile,
                                  uint32_t attribute_index, struct pdb_attribute_info *info)
{
    if (attribute_index < profile->attribute_count) *info = profile->infos[attribute_index];
}

void pdb_client_profile_value(const struct pdb_client_profile *profile, uint32_t attribute_index,
                              struct pdb_value *value)
{
    if (attribute_index < profile->attribute_count) *value = profile->values[attribute_index];
}

bool pdb_client_profile_is_masked(const struct pdb_client_profile *profile,
                                  uint32_t attribute_index)
{
    return attribute_index < profile->attribute_count && profile->is_masked[attribute_index];
}

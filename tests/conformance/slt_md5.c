/*
 * MD5 for the conformance harness: the one file that reaches nettle (<nettle/md5.h>, linked
 * with -lnettle, Debian package nettle-dev).
 *
 * sqllogictest states large results as "N values hashing to <md5>", the MD5 of the values,
 * each followed by "\n", printed as 32 lower-case hex digits. struct slt_md5 is storage for
 * nettle's context, so callers need not include nettle's header.
 */
#include "slt.h"

#include <assert.h>
#include <nettle/md5.h>
#include <stdalign.h>

static_assert(sizeof(struct md5_ctx) <= sizeof(struct slt_md5), "slt_md5 holds an md5_ctx");
static_assert(alignof(struct md5_ctx) <= alignof(struct slt_md5), "slt_md5 aligns an md5_ctx");

static struct md5_ctx *context_of(struct slt_md5 *md5)
{
    return (struct md5_ctx *)(void *)md5->state;
}

void slt_md5_init(struct slt_md5 *md5)
{
    md5_init(context_of(md5));
}

void slt_md5_update(struct slt_md5 *md5, const void *data, size_t size)
{
    md5_update(context_of(md5), size, data);
}

void slt_md5_hex(struct slt_md5 *md5, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t digest[MD5_DIGEST_SIZE];
    md5_digest(context_of(md5), sizeof digest, digest);
    for (int i = 0; i < MD5_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[32] = '\0';
}

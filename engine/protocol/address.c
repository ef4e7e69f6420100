/*
 * "host:port" and "[ipv6]:port" addresses, as given to `serve --listen` and `--connect`.
 * Pure string work: resolving the host is the caller's business.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/protocol_address.h"

bool protocol_address_split(const char *text, char *host, size_t host_size, uint16_t *port_out)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon[1] == '\0') return false;
    const char *host_start = text;
    size_t host_length = (size_t)(colon - text);
    if (text[0] == '[') {
        if (host_length < 2 || colon[-1] != ']') return false;
        host_start = text + 1;
        host_length -= 2;
    } else if (memchr(text, ':', host_length) != NULL) {
        return false; /* a bare IPv6 address needs brackets */
    }
    if (host_length == 0 || host_length >= host_size) return false;
    unsigned long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        port = port * 10 + (unsigned long)(*p - '0');
        if (port > 65535) return false;
    }
    memcpy(host, host_start, host_length);
    host[host_length] = '\0';
    *port_out = (uint16_t)port;
    return true;
}

bool protocol_host_is_loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
           strncmp(host, "127.", 4) == 0;
}

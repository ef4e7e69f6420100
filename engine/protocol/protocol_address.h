/*
 * Network addresses in text form: "host:port" or "[ipv6]:port" (no I/O, no resolution).
 */
#ifndef PDB_PROTOCOL_ADDRESS_H
#define PDB_PROTOCOL_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Splits `text` into a NUL-terminated host (brackets removed) and a port 0..65535. False when
 * the text is not of that form or the host does not fit in host_size. */
bool protocol_address_split(const char *text, char *host, size_t host_size, uint16_t *port_out);

/* True for "localhost", "::1" and 127.0.0.0/8 written numerically. */
bool protocol_host_is_loopback(const char *host);

#endif

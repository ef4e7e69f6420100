/*
 * Exact numeric comparison bounds for the binder.
 *
 * A comparison `x op literal` on int64 values (int and timestamp attributes) or on doubles
 * (float attributes) becomes one inclusive range [low, high], compared by exact numeric
 * value, never by a rounded conversion: on an int attribute `age < 30.5` is [MIN, 30] and
 * `age = 30.5` is empty; on a float attribute `x < 9007199254740993` is x <= 2^53 (the
 * literal has no double twin). Doubles are finite; -0.0 compares equal to 0.0.
 * op is one of the ast_operator values = < <= > >= (a != is the negation of =).
 */
#include <float.h>
#include <math.h>

#include "query/ast.h"
#include "query/query_internal.h"

#define TWO_POW_63 9223372036854775808.0

void bounds_int_from_integer(int op, int64_t value, int64_t *low, int64_t *high, bool *is_empty)
{
    *is_empty = false;
    *low = INT64_MIN;
    *high = INT64_MAX;
    switch (op) {
    case AST_OP_EQUAL:
        *low = *high = value;
        break;
    case AST_OP_LESS:
        if (value == INT64_MIN)
            *is_empty = true;
        else
            *high = value - 1;
        break;
    case AST_OP_LESS_EQUAL:
        *high = value;
        break;
    case AST_OP_GREATER:
        if (value == INT64_MAX)
            *is_empty = true;
        else
            *low = value + 1;
        break;
    case AST_OP_GREATER_EQUAL:
        *low = value;
        break;
    default:
        *is_empty = true;
        break;
    }
}

void bounds_int_from_double(int op, double value, int64_t *low, int64_t *high, bool *is_empty)
{
    *is_empty = false;
    *low = INT64_MIN;
    *high = INT64_MAX;
    if (value >= TWO_POW_63) { /* above every int64 */
        *is_empty = op == AST_OP_EQUAL || op == AST_OP_GREATER || op == AST_OP_GREATER_EQUAL;
        return;
    }
    if (value < -TWO_POW_63) { /* below every int64 */
        *is_empty = op == AST_OP_EQUAL || op == AST_OP_LESS || op == AST_OP_LESS_EQUAL;
        return;
    }
    /* -2^63 <= value < 2^63: floor and ceil are exact int64 values (a double at or above
     * 2^53 is an integer, and the largest double below 2^63 is 2^63 - 1024). */
    int64_t floor_value = (int64_t)floor(value);
    int64_t ceil_value = (int64_t)ceil(value);
    switch (op) {
    case AST_OP_EQUAL:
        if (floor_value != ceil_value)
            *is_empty = true;
        else
            *low = *high = floor_value;
        break;
    case AST_OP_LESS: /* x < v  <=>  x <= ceil(v) - 1 */
        if (ceil_value == INT64_MIN)
            *is_empty = true;
        else
            *high = ceil_value - 1;
        break;
    case AST_OP_LESS_EQUAL:
        *high = floor_value;
        break;
    case AST_OP_GREATER:
        *low = floor_value + 1;
        break; /* floor_value < 2^63 - 1 */
    case AST_OP_GREATER_EQUAL:
        *low = ceil_value;
        break;
    default:
        *is_empty = true;
        break;
    }
}

void bounds_float_from_double(int op, double value, double *low, double *high, bool *is_empty)
{
    value += 0.0; /* -0.0 -> 0.0 */
    *is_empty = false;
    *low = -INFINITY;
    *high = INFINITY;
    switch (op) {
    case AST_OP_EQUAL:
        *low = *high = value;
        break;
    case AST_OP_LESS:
        *high = nextafter(value, -INFINITY);
        break;
    case AST_OP_LESS_EQUAL:
        *high = value;
        break;
    case AST_OP_GREATER:
        *low = nextafter(value, INFINITY);
        break;
    case AST_OP_GREATER_EQUAL:
        *low = value;
        break;
    default:
        *is_empty = true;
        break;
    }
    /* Values are finite: a bound at infinity on the wrong side matches nothing. */
    if (*low == INFINITY || *high == -INFINITY || *low > *high) *is_empty = true;
}

/* -1, 0, 1 as double d is below, equal to or above the integer v (exactly). */
static int compare_double_int64(double d, int64_t v)
{
    if (d >= TWO_POW_63) return 1;
    if (d < -TWO_POW_63) return -1;
    double truncated = trunc(d);
    int64_t whole = (int64_t)truncated;
    if (whole != v) return whole < v ? -1 : 1;
    return (d > truncated) - (d < truncated);
}

bool bounds_int64_to_double(int64_t value, double *out)
{
    double d = (double)value;
    if (compare_double_int64(d, value) != 0) return false;
    *out = d;
    return true;
}

bool bounds_double_to_int64(double value, int64_t *out)
{
    if (!(value >= -TWO_POW_63 && value < TWO_POW_63)) return false;
    if (floor(value) != value) return false;
    *out = (int64_t)value;
    return true;
}

void bounds_float_from_integer(int op, int64_t value, double *low, double *high, bool *is_empty)
{
    double near = (double)value;
    int order = compare_double_int64(near, value);
    if (order == 0) {
        bounds_float_from_double(op, near, low, high, is_empty);
        return;
    }
    /* No double equals the literal: it lies strictly between below and above. */
    double below = order < 0 ? near : nextafter(near, -INFINITY);
    double above = order < 0 ? nextafter(near, INFINITY) : near;
    *is_empty = false;
    *low = -INFINITY;
    *high = INFINITY;
    switch (op) {
    case AST_OP_LESS:
    case AST_OP_LESS_EQUAL:
        *high = below;
        break;
    case AST_OP_GREATER:
    case AST_OP_GREATER_EQUAL:
        *low = above;
        break;
    default:
        *is_empty = true;
        break; /* = : no double equals it */
    }
}

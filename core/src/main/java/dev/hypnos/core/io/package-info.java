/**
 * Low-level reading: random-access inputs over files and byte arrays, and a bounds-checked
 * decoder for the TSDB primitives (big-endian integers, varints, length-prefixed strings, CRC32C).
 */
@NullMarked
package dev.hypnos.core.io;

import org.jspecify.annotations.NullMarked;

/**
 * The TSDB index (format version 2): {@link dev.hypnos.core.index.IndexReader} for symbols, label
 * names and values, postings and series entries; {@link dev.hypnos.core.index.Postings}, primitive
 * iterators over series references with intersect, merge and without; and {@link
 * dev.hypnos.core.index.CorruptBlockException} for data that does not match the format. The byte
 * layout is summarised in FORMAT.md beside these sources.
 */
@NullMarked
package dev.hypnos.core.index;

import org.jspecify.annotations.NullMarked;

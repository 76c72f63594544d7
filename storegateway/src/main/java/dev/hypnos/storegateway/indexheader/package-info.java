/**
 * The index-header: a local file holding the parts of a block's {@code index} needed to resolve
 * label matchers (the symbol table and the postings offset table), built from byte ranges of the
 * bucket object, in Thanos's binary layout (BinaryFormatV1, see FORMATS.md §6).
 * {@link dev.hypnos.storegateway.indexheader.IndexHeaderWriter} builds the file,
 * {@link dev.hypnos.storegateway.indexheader.IndexHeaderReader} reads it, and
 * {@link dev.hypnos.storegateway.indexheader.LazyIndexHeader} opens it on first use and closes it
 * when idle.
 */
@NullMarked
package dev.hypnos.storegateway.indexheader;

import org.jspecify.annotations.NullMarked;

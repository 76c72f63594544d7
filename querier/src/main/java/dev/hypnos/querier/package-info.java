/** Hypnos querier module. */
@NullMarked
package dev.hypnos.querier;

import org.jspecify.annotations.NullMarked;

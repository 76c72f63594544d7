/** Hypnos promql module. */
@NullMarked
package dev.hypnos.promql;

import org.jspecify.annotations.NullMarked;

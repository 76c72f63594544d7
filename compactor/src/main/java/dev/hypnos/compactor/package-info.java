/** Hypnos compactor module. */
@NullMarked
package dev.hypnos.compactor;

import org.jspecify.annotations.NullMarked;

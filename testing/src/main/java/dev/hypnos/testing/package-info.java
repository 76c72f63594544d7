/** Test fixtures: real components (promtool), deterministic data generators. */
@NullMarked
package dev.hypnos.testing;

import org.jspecify.annotations.NullMarked;

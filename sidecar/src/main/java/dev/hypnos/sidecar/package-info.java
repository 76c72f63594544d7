/** Hypnos sidecar module. */
@NullMarked
package dev.hypnos.sidecar;

import org.jspecify.annotations.NullMarked;

/** Hypnos sidecar-client module. */
@NullMarked
package dev.hypnos.sidecarclient;

import org.jspecify.annotations.NullMarked;

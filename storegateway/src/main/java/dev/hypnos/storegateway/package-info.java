/** Hypnos storegateway module. */
@NullMarked
package dev.hypnos.storegateway;

import org.jspecify.annotations.NullMarked;

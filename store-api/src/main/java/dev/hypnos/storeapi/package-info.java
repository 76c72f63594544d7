/** Hypnos store-api module. */
@NullMarked
package dev.hypnos.storeapi;

import org.jspecify.annotations.NullMarked;

/** Series, series sets and their merge: what queries read, whatever the source. */
@NullMarked
package dev.hypnos.core.storage;

import org.jspecify.annotations.NullMarked;

@NullMarked
package dev.hypnos.core.chunk;

import org.jspecify.annotations.NullMarked;

@NullMarked
package dev.hypnos.core.index;

import org.jspecify.annotations.NullMarked;

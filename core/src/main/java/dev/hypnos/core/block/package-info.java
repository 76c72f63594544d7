@NullMarked
package dev.hypnos.core.block;

import org.jspecify.annotations.NullMarked;

/** Small, dependency-free utilities shared by the core packages (hashing). */
@NullMarked
package dev.hypnos.core.util;

import org.jspecify.annotations.NullMarked;

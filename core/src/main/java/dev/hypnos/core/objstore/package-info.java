@NullMarked
package dev.hypnos.core.objstore;

import org.jspecify.annotations.NullMarked;

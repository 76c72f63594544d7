@NullMarked
package dev.hypnos.core.labels;

import org.jspecify.annotations.NullMarked;

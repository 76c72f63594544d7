/**
 * Native-histogram sample values ({@link dev.hypnos.core.histogram.FloatHistogram}): exponential
 * bucket schemas and custom bucket bounds (NHCB).
 */
@NullMarked
package dev.hypnos.core.histogram;

import org.jspecify.annotations.NullMarked;

/**
 * PromQL function kernels as static code over primitive arrays, independent of the AST: rate
 * extrapolation, over-time aggregations, linear regression, quantiles, classic-histogram
 * quantiles, Kahan summation.
 */
@NullMarked
package dev.hypnos.promql.engine.kernel;

import org.jspecify.annotations.NullMarked;

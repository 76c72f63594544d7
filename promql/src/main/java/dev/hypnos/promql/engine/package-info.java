/**
 * The PromQL engine with Prometheus 3.x semantics.
 *
 * <p>{@link dev.hypnos.promql.engine.Engine} evaluates instant and range queries over a {@link
 * dev.hypnos.core.storage.Queryable}. Evaluation works step by step: before the first step every
 * selector's time range is computed (offsets, {@code @}, subqueries, lookback) and its series are
 * loaded once; each step then evaluates the whole tree at its timestamp, which makes results step
 * invariant by construction. Windows are left-open, {@code (t - range, t]}; a stale marker ends a
 * series; subquery steps are aligned to multiples of their step.
 *
 * <p>Results are {@link dev.hypnos.promql.engine.Value}s (scalar, string, vector, matrix) with
 * {@link dev.hypnos.promql.engine.Annotations} whose texts follow Prometheus's. Errors are {@link
 * dev.hypnos.promql.engine.QueryException}s with a {@link
 * dev.hypnos.promql.engine.QueryException.Kind}.
 *
 * <p>Samples are floats or native histograms ({@link dev.hypnos.core.histogram.FloatHistogram});
 * see promql/CONFORMANCE.md for what works on histograms. Not supported: counter-reset hints of
 * histograms and start timestamps. The sample limit counts the samples one step or one range selection holds, which is
 * close to, but not exactly, Prometheus's peak count.
 */
@NullMarked
package dev.hypnos.promql.engine;

import org.jspecify.annotations.NullMarked;

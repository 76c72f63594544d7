/**
 * A runner for Prometheus's PromQL test scripts ({@code promql/promqltest/testdata/*.test}):
 * {@link dev.hypnos.promql.testscript.ScriptParser} reads the format, {@link
 * dev.hypnos.promql.testscript.ScriptRunner} loads the series into a {@link
 * dev.hypnos.core.storage.MemoryStorage}, evaluates every {@code eval} with the {@link
 * dev.hypnos.promql.engine.Engine} and compares like the Go harness, giving one {@link
 * dev.hypnos.promql.testscript.EvalResult} per eval.
 */
@NullMarked
package dev.hypnos.promql.testscript;

import org.jspecify.annotations.NullMarked;

package dev.hypnos.promql.engine;

import dev.hypnos.promql.parser.ParserOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link Engine}.
 *
 * @param lookbackDelta how far back an instant selector looks for a sample (default 5m)
 * @param maxSamples most samples a query may hold in memory at once
 * @param timeout longest a query may run
 * @param defaultEvalInterval subquery step when none is written (default 1m)
 * @param delayedNameRemoval Prometheus's {@code promql-delayed-name-removal}: drop {@code
 *     __name__} only at the end of evaluation
 * @param parserOptions parser features (experimental functions, duration expressions, ...)
 */
public record EngineOptions(
    Duration lookbackDelta,
    int maxSamples,
    Duration timeout,
    Duration defaultEvalInterval,
    boolean delayedNameRemoval,
    ParserOptions parserOptions) {
  public static final EngineOptions DEFAULT =
      new EngineOptions(Duration.ofMinutes(5), 50_000_000, Duration.ofMinutes(2), Duration.ofMinutes(1), false, ParserOptions.DEFAULT);

  public EngineOptions {
    Objects.requireNonNull(lookbackDelta, "lookbackDelta");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(defaultEvalInterval, "defaultEvalInterval");
    Objects.requireNonNull(parserOptions, "parserOptions");
    if (lookbackDelta.isNegative() || lookbackDelta.isZero()) {
      throw new IllegalArgumentException("lookback delta must be positive, got " + lookbackDelta);
    }
    if (maxSamples <= 0) {
      throw new IllegalArgumentException("max samples must be positive, got " + maxSamples);
    }
    if (defaultEvalInterval.toMillis() <= 0) {
      throw new IllegalArgumentException("default evaluation interval must be positive, got " + defaultEvalInterval);
    }
  }

  public EngineOptions withMaxSamples(int n) {
    return new EngineOptions(lookbackDelta, n, timeout, defaultEvalInterval, delayedNameRemoval, parserOptions);
  }

  public EngineOptions withTimeout(Duration t) {
    return new EngineOptions(lookbackDelta, maxSamples, t, defaultEvalInterval, delayedNameRemoval, parserOptions);
  }

  public EngineOptions withDelayedNameRemoval(boolean on) {
    return new EngineOptions(lookbackDelta, maxSamples, timeout, defaultEvalInterval, on, parserOptions);
  }

  public EngineOptions withParserOptions(ParserOptions p) {
    return new EngineOptions(lookbackDelta, maxSamples, timeout, defaultEvalInterval, delayedNameRemoval, p);
  }
}

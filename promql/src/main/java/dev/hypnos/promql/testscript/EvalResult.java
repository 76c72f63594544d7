package dev.hypnos.promql.testscript;

import java.util.Objects;

/**
 * The outcome of one {@code eval} of a test script.
 *
 * @param file script name as given
 * @param line 1-based line of the eval command
 * @param expr the query
 * @param status passed, failed or skipped
 * @param message why it failed or was skipped (expected vs got), empty when passed
 */
public record EvalResult(String file, int line, String expr, Status status, String message) {
  /** Outcome kind. */
  public enum Status {
    PASSED,
    FAILED,
    SKIPPED
  }

  public EvalResult {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(expr, "expr");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
  }

  /** {@code file:line}, the id used by eval-features.tsv. */
  public String id() {
    return file + ":" + line;
  }

  @Override
  public String toString() {
    return id() + " " + status.name().toLowerCase(java.util.Locale.ROOT) + (message.isEmpty() ? "" : ": " + message);
  }
}

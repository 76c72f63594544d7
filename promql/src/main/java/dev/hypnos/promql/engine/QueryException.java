package dev.hypnos.promql.engine;

/**
 * A query that cannot be evaluated: bad arguments, matching errors, limits, timeout. The message
 * is Prometheus's text (e.g. "vector cannot contain metrics with the same labelset").
 */
public class QueryException extends RuntimeException {
  /** Category, for mapping to API error types in one place. */
  public enum Kind {
    EXECUTION,
    BAD_DATA,
    TOO_MANY_SAMPLES,
    TIMEOUT,
    CANCELED,
    STORAGE
  }

  private final Kind kind;

  public QueryException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public QueryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}

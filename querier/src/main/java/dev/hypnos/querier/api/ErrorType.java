package dev.hypnos.querier.api;

/** Prometheus's API error types with their default HTTP status codes ({@code getDefaultErrorCode}). */
public enum ErrorType {
  BAD_DATA("bad_data", 400),
  EXECUTION("execution", 422),
  CANCELED("canceled", 499),
  TIMEOUT("timeout", 503),
  INTERNAL("internal", 500),
  UNAVAILABLE("unavailable", 503),
  NOT_FOUND("not_found", 404);

  private final String text;
  private final int httpStatus;

  ErrorType(String text, int httpStatus) {
    this.text = text;
    this.httpStatus = httpStatus;
  }

  /** The {@code errorType} field value. */
  public String text() {
    return text;
  }

  public int httpStatus() {
    return httpStatus;
  }
}

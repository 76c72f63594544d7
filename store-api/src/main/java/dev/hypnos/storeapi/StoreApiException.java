package dev.hypnos.storeapi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Store API failure with a {@link Category} that tells the caller what kind of failure it is.
 * The category is turned into a gRPC status code in exactly one place, {@link GrpcStatuses}.
 *
 * <p>Messages say what was being done and with what, e.g. {@code "parse matcher job=~\"(\":
 * missing closing )"}.
 */
public final class StoreApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; each maps to one gRPC status code. */
  public enum Category {
    /** The request is malformed: bad matcher, min time after max time, no matchers. */
    INVALID_ARGUMENT,
    /** A limit was hit (series, chunks, bytes, concurrency). */
    RESOURCE_EXHAUSTED,
    /** A dependency (object storage, Prometheus, a remote store) cannot be reached now. */
    UNAVAILABLE,
    /** A bug or corrupt data on our side. */
    INTERNAL,
    /** The caller went away or gave up (deadline, cancellation, closed stream). */
    CANCELLED
  }

  private final Category category;

  public StoreApiException(Category category, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.category = Objects.requireNonNull(category, "category");
  }

  public StoreApiException(Category category, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.category = Objects.requireNonNull(category, "category");
  }

  public Category category() {
    return category;
  }

  public static StoreApiException invalidArgument(String message) {
    return new StoreApiException(Category.INVALID_ARGUMENT, message);
  }

  public static StoreApiException invalidArgument(String message, @Nullable Throwable cause) {
    return new StoreApiException(Category.INVALID_ARGUMENT, message, cause);
  }

  public static StoreApiException resourceExhausted(String message) {
    return new StoreApiException(Category.RESOURCE_EXHAUSTED, message);
  }

  public static StoreApiException unavailable(String message, @Nullable Throwable cause) {
    return new StoreApiException(Category.UNAVAILABLE, message, cause);
  }

  public static StoreApiException internal(String message, @Nullable Throwable cause) {
    return new StoreApiException(Category.INTERNAL, message, cause);
  }

  public static StoreApiException cancelled(String message) {
    return new StoreApiException(Category.CANCELLED, message);
  }

  @Override
  public String toString() {
    return "StoreApiException[" + category + "]: " + getMessage();
  }
}

package dev.hypnos.querier.api;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** An API answer that is an error: its type and the message sent in the {@code error} field. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorType type;

  public ApiException(ErrorType type, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.type = Objects.requireNonNull(type, "type");
  }

  public ApiException(ErrorType type, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.type = Objects.requireNonNull(type, "type");
  }

  /** Prometheus's {@code invalidParamError}: {@code invalid parameter "name": detail}. */
  public static ApiException invalidParam(String parameter, String detail) {
    return new ApiException(ErrorType.BAD_DATA, "invalid parameter \"" + parameter + "\": " + detail);
  }

  public static ApiException badData(String message) {
    return new ApiException(ErrorType.BAD_DATA, message);
  }

  public ErrorType type() {
    return type;
  }
}

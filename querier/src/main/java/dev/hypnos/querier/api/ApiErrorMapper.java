package dev.hypnos.querier.api;

import dev.hypnos.promql.engine.QueryException;
import dev.hypnos.promql.parser.ParseException;
import dev.hypnos.storeapi.StoreApiException;
import java.io.InterruptedIOException;

/**
 * The only place where exceptions become API error types (and so HTTP status codes), following
 * Prometheus's {@code returnAPIError} and Thanos's querier:
 *
 * <ul>
 *   <li>a PromQL syntax error: {@code bad_data} (400), message {@code invalid parameter "query":
 *       1:5: parse error: ...};
 *   <li>engine timeout: {@code timeout} (503); cancellation: {@code canceled} (499);
 *   <li>too many samples and other evaluation errors: {@code execution} (422);
 *   <li>store failures without partial response: {@code execution} (422), as Thanos reports a
 *       failed Select (its storage errors are not Prometheus's {@code ErrStorage}); a bad request
 *       to a store: {@code bad_data};
 *   <li>anything else: {@code internal} (500).
 * </ul>
 */
public final class ApiErrorMapper {
  private ApiErrorMapper() {}

  public static ApiException map(Throwable t) {
    if (t instanceof ApiException a) {
      return a;
    }
    if (t instanceof ParseException p) {
      return ApiException.invalidParam("query", p.getMessage());
    }
    if (t instanceof QueryException q) {
      return switch (q.kind()) {
        case BAD_DATA -> new ApiException(ErrorType.BAD_DATA, q.getMessage(), q);
        case TIMEOUT -> new ApiException(ErrorType.TIMEOUT, q.getMessage(), q);
        case CANCELED -> new ApiException(ErrorType.CANCELED, q.getMessage(), q);
        case TOO_MANY_SAMPLES, EXECUTION -> new ApiException(ErrorType.EXECUTION, q.getMessage(), q);
        case STORAGE -> storage(q.getCause() != null ? q.getCause() : q, q.getMessage());
      };
    }
    if (t instanceof StoreApiException s) {
      return storage(s, s.getMessage());
    }
    if (t instanceof InterruptedIOException) {
      return new ApiException(ErrorType.CANCELED, "query was canceled: " + t.getMessage(), t);
    }
    if (t instanceof IllegalArgumentException) {
      return new ApiException(ErrorType.BAD_DATA, String.valueOf(t.getMessage()), t);
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return new ApiException(ErrorType.INTERNAL, msg, t);
  }

  private static ApiException storage(Throwable cause, String message) {
    Throwable c = cause;
    while (c != null && !(c instanceof StoreApiException)) {
      c = c.getCause();
    }
    if (c instanceof StoreApiException s) {
      return switch (s.category()) {
        case INVALID_ARGUMENT -> new ApiException(ErrorType.BAD_DATA, message, cause);
        case CANCELLED -> new ApiException(ErrorType.CANCELED, message, cause);
        default -> new ApiException(ErrorType.EXECUTION, message, cause);
      };
    }
    return new ApiException(ErrorType.EXECUTION, message, cause);
  }
}

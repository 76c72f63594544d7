package dev.hypnos.storeapi;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;

/**
 * The one place where Store API failures become gRPC statuses and back.
 *
 * <table>
 *   <caption>Category to status code</caption>
 *   <tr><th>category</th><th>gRPC code</th></tr>
 *   <tr><td>INVALID_ARGUMENT</td><td>INVALID_ARGUMENT</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED</td><td>RESOURCE_EXHAUSTED</td></tr>
 *   <tr><td>UNAVAILABLE</td><td>UNAVAILABLE</td></tr>
 *   <tr><td>INTERNAL</td><td>INTERNAL</td></tr>
 *   <tr><td>CANCELLED</td><td>CANCELLED</td></tr>
 * </table>
 *
 * Anything else thrown by a store (an {@link IOException}, a bug) becomes INTERNAL with the
 * exception's message.
 */
public final class GrpcStatuses {
  private GrpcStatuses() {}

  /** The gRPC code for a category. */
  public static Status.Code code(StoreApiException.Category category) {
    return switch (category) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case INTERNAL -> Status.Code.INTERNAL;
      case CANCELLED -> Status.Code.CANCELLED;
    };
  }

  /** The category for a gRPC code received from a remote store. */
  public static StoreApiException.Category category(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> StoreApiException.Category.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED -> StoreApiException.Category.RESOURCE_EXHAUSTED;
      case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED -> StoreApiException.Category.UNAVAILABLE;
      case CANCELLED -> StoreApiException.Category.CANCELLED;
      default -> StoreApiException.Category.INTERNAL;
    };
  }

  /** The status to close a call with after {@code failure}; the description is its message. */
  public static Status toStatus(Throwable failure) {
    if (failure instanceof StoreApiException e) {
      return Status.fromCode(code(e.category())).withDescription(e.getMessage()).withCause(e);
    }
    if (failure instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (failure instanceof StatusException e) {
      return e.getStatus();
    }
    String message = failure.getMessage();
    return Status.INTERNAL
        .withDescription(message != null ? message : failure.getClass().getName())
        .withCause(failure);
  }

  /**
   * A Store API exception for a status received from a remote store, naming what was being done
   * ({@code doing}, e.g. "series from store 10.0.0.1:10901").
   */
  public static StoreApiException fromStatus(String doing, Status status) {
    String description = status.getDescription();
    return new StoreApiException(
        category(status.getCode()),
        doing + ": " + status.getCode() + (description != null ? ": " + description : ""),
        status.getCause());
  }
}

package dev.hypnos.core.server;

import java.util.List;
import java.util.Optional;

/**
 * Tells whether a server can take traffic, and if not, why. Called on every {@code /-/ready}
 * request, so implementations must be cheap or cache their answer.
 *
 * <p>Concurrency: implementations are called from HTTP worker threads and must be thread-safe.
 */
@FunctionalInterface
public interface ReadinessCheck {
  /** A check that always passes. */
  ReadinessCheck ALWAYS = () -> Optional.empty();

  /** Empty when ready; otherwise a short reason for operators, such as "initial block sync not finished". */
  Optional<String> notReadyReason();

  /** Passes when every check passes; otherwise reports the first failing check's reason. */
  static ReadinessCheck all(List<ReadinessCheck> checks) {
    List<ReadinessCheck> copy = List.copyOf(checks);
    return () -> {
      for (ReadinessCheck c : copy) {
        Optional<String> reason = c.notReadyReason();
        if (reason.isPresent()) {
          return reason;
        }
      }
      return Optional.empty();
    };
  }
}

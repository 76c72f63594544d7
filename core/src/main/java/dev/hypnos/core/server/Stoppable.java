package dev.hypnos.core.server;

import java.time.Duration;

/** A running component that stops accepting work and finishes what is in flight within a grace period. */
@FunctionalInterface
public interface Stoppable {
  /**
   * Stops accepting new work, waits up to {@code grace} for work in flight, then abandons what is
   * left and releases resources. Called at most once by {@link Lifecycle}.
   */
  void stop(Duration grace) throws Exception;
}

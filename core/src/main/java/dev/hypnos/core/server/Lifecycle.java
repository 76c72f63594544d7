package dev.hypnos.core.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs a server until it is told to stop, then stops its parts in reverse order of registration.
 *
 * <p>Typical use: register the bucket, the block syncer, the gRPC server and the HTTP server as
 * they start; call {@link #handleSignals()}; block in {@link #awaitStopRequest()}; then {@link
 * #close()}. SIGTERM and SIGINT request the stop, so the main thread returns normally and the
 * process exits 0 after an orderly shutdown. A shutdown hook also runs the same close for exits
 * that do not go through the main thread (another thread calling {@code System.exit}); whichever
 * comes first does the work, once.
 *
 * <p>Each {@link Stoppable} gets the whole grace period to finish work in flight; a failing part
 * is logged and the others still stop.
 *
 * <p>Concurrency: thread-safe; {@link #close()} is idempotent and may race with the shutdown hook.
 */
public final class Lifecycle implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Lifecycle.class.getName());

  private final Duration grace;
  private final List<Part> parts = new ArrayList<>();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stoppedLatch = new CountDownLatch(1);
  private boolean closing;
  private volatile String stopReason = "";
  private final Thread hook = new Thread(this::closeFromHook, "lifecycle-shutdown-hook");
  private boolean hookInstalled;

  private record Part(String name, Stoppable stoppable) {}

  /** @param grace how long each part may take to finish work in flight */
  public Lifecycle(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace period " + grace + " is negative");
    }
    this.grace = grace;
  }

  /** Registers a part to stop with the grace period; parts stop in reverse order of registration. */
  public synchronized void add(String name, Stoppable stoppable) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(stoppable, "stoppable");
    if (closing) {
      throw new IllegalStateException("add " + name + ": the lifecycle is already closing");
    }
    parts.add(new Part(name, stoppable));
  }

  /** Registers a resource to close (without a grace period) in reverse order of registration. */
  public <T extends AutoCloseable> T addCloseable(String name, T resource) {
    add(name, g -> resource.close());
    return resource;
  }

  /**
   * Makes SIGTERM and SIGINT request a stop (see {@link #awaitStopRequest()}) and installs a
   * shutdown hook that closes everything if the JVM exits another way. Where the JVM does not let
   * a program handle signals, only the hook is installed; the exit code is then the JVM's own.
   */
  public synchronized void handleSignals() {
    handleStopSignals();
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(hook);
      hookInstalled = true;
    }
  }

  /**
   * Makes SIGTERM and SIGINT request a stop, without a shutdown hook; returns what puts the
   * previous handlers back (nothing for a signal the JVM does not let a program handle).
   */
  public List<Runnable> handleStopSignals() {
    // sun.misc.Signal (module jdk.unsupported) is the only JDK way to handle SIGTERM without the
    // JVM starting its own exit: with a shutdown hook alone the exit code would be 143, not 0.
    List<Runnable> restore = new ArrayList<>(2);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal sig = new sun.misc.Signal(name);
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(sig, s -> requestStop("received SIG" + s.getName()));
        restore.add(() -> sun.misc.Signal.handle(sig, previous));
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        LOG.log(System.Logger.Level.DEBUG, "signal SIG{0} cannot be handled here: {1}", name, e.toString());
      }
    }
    return restore;
  }

  /** Wakes {@link #awaitStopRequest()}; {@code reason} is logged. Idempotent. */
  public void requestStop(String reason) {
    if (stopRequested.getCount() > 0) {
      stopReason = reason;
      LOG.log(System.Logger.Level.INFO, "stop requested: {0}", reason);
      stopRequested.countDown();
    }
  }

  /** Blocks until {@link #requestStop} is called (by a signal handler or a test). */
  public void awaitStopRequest() throws InterruptedException {
    stopRequested.await();
  }

  /** Like {@link #awaitStopRequest()} with a timeout; true when a stop was requested. */
  public boolean awaitStopRequest(Duration timeout) throws InterruptedException {
    return stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The reason given to the first {@link #requestStop}, empty if none yet. */
  public String stopReason() {
    return stopReason;
  }

  /**
   * Stops every part, in reverse order of registration, each within the grace period. Idempotent:
   * a second caller waits until the first has finished.
   */
  @Override
  public void close() {
    @Nullable List<Part> toStop;
    synchronized (this) {
      if (closing) {
        toStop = null;
      } else {
        closing = true;
        toStop = new ArrayList<>(parts);
      }
    }
    if (toStop == null) {
      awaitStopped();
      return;
    }
    requestStop("closing");
    try {
      for (int i = toStop.size() - 1; i >= 0; i--) {
        Part p = toStop.get(i);
        try {
          p.stoppable().stop(grace);
          LOG.log(System.Logger.Level.DEBUG, "stopped {0}", p.name());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          LOG.log(System.Logger.Level.WARNING, "stop " + p.name() + ": interrupted", e);
        } catch (Exception e) {
          LOG.log(System.Logger.Level.WARNING, "stop " + p.name() + ": " + e, e);
        }
      }
    } finally {
      stoppedLatch.countDown();
      synchronized (this) {
        if (hookInstalled && !Thread.currentThread().equals(hook)) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException alreadyShuttingDown) {
            // The JVM is exiting; the hook will find everything stopped.
          }
          hookInstalled = false;
        }
      }
    }
  }

  private void awaitStopped() {
    try {
      stoppedLatch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeFromHook() {
    requestStop("JVM shutdown");
    close();
  }
}

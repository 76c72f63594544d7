package dev.hypnos.querier.api;

import io.javalin.http.Context;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches the HTTP clients of running queries from one background thread: every interval it asks
 * each watched request's {@link ClientConnection} whether the client went away, and if so sets the
 * query's cancel flag (which the engine checks) and interrupts the request's thread (which wakes it
 * where it waits for series, so the Series streams are closed and their gRPC calls cancelled).
 *
 * <p>The query runs on the request's own thread, so watching adds no thread hand-off to a query.
 *
 * <p>Concurrency: thread-safe. A {@link Watch} is opened and closed by the request's thread; the
 * check and the close exclude each other, so no interrupt arrives after the close, and the close
 * clears one that arrived before it.
 */
final class ClientWatchdog implements AutoCloseable {
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  ClientWatchdog(Duration interval) {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hypnos-client-watchdog");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::checkAll, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void checkAll() {
    for (Watch w : watches) {
      try {
        w.check();
      } catch (RuntimeException e) {
        // One broken connection must not stop the watchdog; that request is no longer watched.
        watches.remove(w);
      }
    }
  }

  /** Starts watching the client of {@code ctx}'s request, which runs on the calling thread. */
  Watch watch(Context ctx, AtomicBoolean cancel) {
    Watch w = new Watch(ClientConnection.of(ctx), Thread.currentThread(), cancel);
    watches.add(w);
    return w;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One watched request. */
  final class Watch implements AutoCloseable {
    private final ClientConnection connection;
    private final Thread thread;
    private final AtomicBoolean cancel;
    private boolean done;
    private boolean clientGone;

    private Watch(ClientConnection connection, Thread thread, AtomicBoolean cancel) {
      this.connection = connection;
      this.thread = thread;
      this.cancel = cancel;
    }

    private synchronized void check() {
      if (done || clientGone) {
        return;
      }
      if (connection.closed()) {
        clientGone = true;
        cancel.set(true);
        thread.interrupt();
      }
    }

    /** Whether the client went away while the query ran. */
    synchronized boolean clientGone() {
      return clientGone;
    }

    /** Whether the response must close the connection (see {@link ClientConnection#mustClose()}). */
    synchronized boolean mustClose() {
      return connection.mustClose();
    }

    /** Stops watching; on the request's thread, clears the interrupt this watch may have sent. */
    @Override
    public synchronized void close() {
      done = true;
      watches.remove(this);
      if (clientGone && Thread.currentThread() == thread) {
        Thread.interrupted();
      }
    }
  }
}

package dev.hypnos.storegateway;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * Reads a block's batches on an executor, one batch ahead of the consumer, so that the blocks of a
 * request fetch from the bucket in parallel and a batch's range requests overlap with the sending
 * of the previous one. Memory: at most two batches per block. A stream nobody {@link #start}ed
 * reads its first batch on the consumer's thread when asked (a request's first block: no thread
 * hand-off before the first series of a small query).
 *
 * <p>Concurrency: used by one thread; batches are read by one task at a time. {@link #close} waits
 * for a running read (at most one batch) so the block can be released safely afterwards.
 */
final class PrefetchingStream implements SeriesStream {
  private final BlockSeriesStream inner;
  private final ExecutorService executor;
  private List<Item> ready = List.of();
  private int readyPos;
  private @Nullable Future<List<Item>> pending;
  private boolean done;

  PrefetchingStream(BlockSeriesStream inner, ExecutorService executor) {
    this.inner = inner;
    this.executor = executor;
  }

  /** Starts reading the first batch. */
  void start() {
    if (pending == null && !done) {
      pending = executor.submit(inner::nextBatch);
    }
  }

  @Override
  public @Nullable Item next() throws IOException {
    while (readyPos == ready.size()) {
      if (done) {
        return null;
      }
      List<Item> batch;
      if (pending == null) {
        // Nothing read ahead (the caller did not start this stream): read on this thread, which
        // would only wait for another one otherwise.
        try {
          batch = inner.nextBatch();
        } catch (IOException | RuntimeException | Error e) {
          done = true;
          throw e;
        }
      } else {
        batch = await();
      }
      if (batch.isEmpty()) {
        done = true;
        return null;
      }
      ready = batch;
      readyPos = 0;
      if (!inner.finished()) {
        start();
      } else {
        done = true;
      }
    }
    Item it = ready.get(readyPos);
    ready.set(readyPos++, null); // let the garbage collector take sent series while the batch drains
    return it;
  }

  private List<Item> await() throws IOException {
    Future<List<Item>> f = pending;
    pending = null;
    if (f == null) {
      return List.of();
    }
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw new InterruptedIOException("interrupted while reading series of block " + inner.block().id());
    } catch (ExecutionException e) {
      done = true;
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException("read series of block " + inner.block().id() + ": " + c, c);
    }
  }

  /** Waits for a running read to end, ignoring its outcome. */
  void close() {
    Future<List<Item>> f = pending;
    pending = null;
    done = true;
    if (f == null) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        f.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | java.util.concurrent.CancellationException e) {
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

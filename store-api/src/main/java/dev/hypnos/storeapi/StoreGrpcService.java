package dev.hypnos.storeapi;

import dev.hypnos.proto.thanos.store.SeriesBatch;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Serves a {@link StoreApi} as the gRPC service {@code thanos.Store}.
 *
 * <p>Series: the request is converted and validated (INVALID_ARGUMENT on bad input), then the
 * store's {@link StoreApi#series} runs on the {@code seriesExecutor} (by default one virtual thread
 * per call), sending into a sink that
 *
 * <ul>
 *   <li>frames series as the client asked: {@code response_batch_size <= 1} gives one {@code
 *       series} frame per series, a larger size gives {@code batch} frames of up to that many
 *       series; a warning or hints frame first flushes the pending batch;
 *   <li>waits before each frame until the call is ready (the client's flow-control window has
 *       room), so a slow client makes the store pause rather than the server buffer without bound;
 *   <li>throws CANCELLED once the client cancels, its deadline passes or the call ends otherwise.
 * </ul>
 *
 * The producer runs off the gRPC callback executor on purpose: gRPC delivers the on-ready and
 * on-cancel callbacks of a call one at a time on that call's serialized executor, so a producer
 * blocking inside the handler would never see them. Label calls run on the same executor. No
 * handler blocks (beyond a tried call, below), so the service may run on a server with a direct
 * executor ({@link GrpcServers#start} does), where callbacks run on the transport thread: one
 * thread hand-off less per call.
 *
 * <p>Small calls that {@linkplain StoreApi#seriesStartsQuickly start quickly} are first
 * tried on the thread that received them (the transport thread on {@link GrpcServers#start}'s
 * servers), when no other Series call of this service is running: the frames are held, and if the
 * store finishes within {@value #TRIAL_SERIES} series, {@value #TRIAL_BYTES} bytes of frames and
 * {@value #TRIAL_NANOS} ns (checked at each series sent), they are sent and the call ends with no
 * thread hand-off at all. A store that goes past any of these is stopped (its send throws), the
 * held frames are dropped and the call runs again from the start on the {@code seriesExecutor}, as
 * every other call does; so a large call reads its first part twice (and counts it twice in the
 * store's own metrics). The thread is held meanwhile, including whatever the store does before its
 * first series, which is why only calls the store says start quickly are tried. Only
 * one call at a time is tried this way: concurrent calls keep running in parallel on the executor.
 *
 * <p>Errors thrown by the store become statuses through {@link GrpcStatuses}.
 *
 * <p>Concurrency: thread-safe; every call has its own sink.
 */
public final class StoreGrpcService extends StoreGrpc.StoreImplBase {
  private static final Executor VIRTUAL_THREAD_PER_CALL =
      task -> Thread.ofVirtual().name("store-api-call").start(task);

  /** Budget of a call tried on the receiving thread (see the class comment). */
  static final int TRIAL_SERIES = 128;

  static final int TRIAL_BYTES = 256 * 1024;
  static final long TRIAL_NANOS = 1_000_000;

  private final StoreApi store;
  private final Executor seriesExecutor;
  private final long trialNanos;
  /** Series calls of this service running now (tried or on the executor). */
  private final AtomicInteger running = new AtomicInteger();

  /** Serves {@code store}, running each call's work on a new virtual thread. */
  public StoreGrpcService(StoreApi store) {
    this(store, VIRTUAL_THREAD_PER_CALL);
  }

  /** Like {@link #StoreGrpcService(StoreApi)} with another time budget for tried calls (tests). */
  StoreGrpcService(StoreApi store, long trialNanos) {
    this(store, VIRTUAL_THREAD_PER_CALL, trialNanos);
  }

  /**
   * Serves {@code store}, running each Series call's producer and each label call on {@code
   * seriesExecutor}. The producer blocks while the client is slow, so the executor should not be
   * small and bounded.
   */
  public StoreGrpcService(StoreApi store, Executor seriesExecutor) {
    this(store, seriesExecutor, TRIAL_NANOS);
  }

  private StoreGrpcService(StoreApi store, Executor seriesExecutor, long trialNanos) {
    this.store = Objects.requireNonNull(store, "store");
    this.seriesExecutor = Objects.requireNonNull(seriesExecutor, "seriesExecutor");
    this.trialNanos = trialNanos;
  }

  @Override
  public void series(
      dev.hypnos.proto.thanos.store.SeriesRequest request,
      StreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> responseObserver) {
    var observer = (ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse>) responseObserver;
    SeriesRequest req;
    try {
      req = ProtoConverters.toSeriesRequest(request);
    } catch (RuntimeException e) {
      observer.onError(GrpcStatuses.toStatus(e).asRuntimeException());
      return;
    }
    FramingSink sink = new FramingSink(observer, req.responseBatchSize());
    observer.setOnReadyHandler(sink::wake);
    observer.setOnCancelHandler(sink::cancel);
    // `running` drops before a call's last frame goes out: a client sending its next call once it
    // sees the end must find this one no longer running.
    if (store.seriesStartsQuickly(req) && running.compareAndSet(0, 1) && tryHere(req, observer)) {
      return;
    }
    running.incrementAndGet();
    try {
      seriesExecutor.execute(Context.current().wrap(() -> sink.run(store, req, running::decrementAndGet)));
    } catch (RejectedExecutionException e) {
      running.decrementAndGet();
      observer.onError(GrpcStatuses.toStatus(
              StoreApiException.unavailable("start series call: the executor rejected it", e))
          .asRuntimeException());
    }
  }

  /**
   * Runs the call on this thread within the trial budget, having counted it in {@link #running},
   * which it decrements before answering. Returns true when the call was answered (all frames
   * sent and completed, or failed with the store's error); false when the store went past the
   * budget, with nothing sent.
   */
  private boolean tryHere(SeriesRequest req,
      ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer) {
    FramingSink trial = FramingSink.trial(req.responseBatchSize(), trialNanos);
    try {
      store.series(req, trial);
      trial.flush();
    } catch (Throwable t) {
      running.decrementAndGet();
      if (pastTrialBudget(t)) {
        return false;
      }
      observer.onError(GrpcStatuses.toStatus(t).asRuntimeException());
      if (t instanceof Error err) {
        throw err;
      }
      return true;
    }
    running.decrementAndGet();
    for (dev.hypnos.proto.thanos.store.SeriesResponse frame : trial.held()) {
      observer.onNext(frame);
    }
    observer.onCompleted();
    return true;
  }

  /** Whether {@code t} is, or was caused by, the trial sink stopping the call (a store may wrap it). */
  private static boolean pastTrialBudget(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c == TrialExceeded.INSTANCE) {
        return true;
      }
    }
    return false;
  }

  /** Thrown by a trial sink whose call went past the budget; carries no stack trace. */
  private static final class TrialExceeded extends RuntimeException {
    private static final TrialExceeded INSTANCE = new TrialExceeded();

    private TrialExceeded() {
      super("series call went past the budget of a call answered on the receiving thread", null, false, false);
    }
  }

  @Override
  public void labelNames(
      dev.hypnos.proto.thanos.store.LabelNamesRequest request,
      StreamObserver<dev.hypnos.proto.thanos.store.LabelNamesResponse> responseObserver) {
    offload(responseObserver, "label names",
        () -> ProtoConverters.toProto(store.labelNames(ProtoConverters.toLabelNamesRequest(request))));
  }

  @Override
  public void labelValues(
      dev.hypnos.proto.thanos.store.LabelValuesRequest request,
      StreamObserver<dev.hypnos.proto.thanos.store.LabelValuesResponse> responseObserver) {
    offload(responseObserver, "label values",
        () -> ProtoConverters.toProto(store.labelValues(ProtoConverters.toLabelValuesRequest(request))));
  }

  /** A unary answer computed on the {@code seriesExecutor}, off the (possibly transport) callback thread. */
  private <T> void offload(StreamObserver<T> observer, String what, Answer<T> answer) {
    offload(seriesExecutor, observer, what, answer);
  }

  /** A unary answer computed on {@code executor}; an executor refusing the task answers UNAVAILABLE. */
  static <T> void offload(Executor executor, StreamObserver<T> observer, String what, Answer<T> answer) {
    try {
      executor.execute(Context.current().wrap(() -> answer(observer, answer)));
    } catch (RejectedExecutionException e) {
      observer.onError(GrpcStatuses.toStatus(
              StoreApiException.unavailable("start " + what + " call: the executor rejected it", e))
          .asRuntimeException());
    }
  }

  static <T> void answer(StreamObserver<T> observer, Answer<T> answer) {
    T response;
    try {
      response = answer.get();
    } catch (Exception e) {
      observer.onError(GrpcStatuses.toStatus(e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /** Computes a unary response; may block and throw. */
  @FunctionalInterface
  interface Answer<T> {
    T get() throws Exception;
  }

  /**
   * The sink of one Series call: frames responses, waits for the call to be ready before each
   * frame, and ends the call. Only the producer thread sends; {@link #wake} and {@link #cancel}
   * come from gRPC's callback thread.
   */
  private static final class FramingSink implements SeriesSink {
    /** Upper bound of one wait, in case a readiness signal is ever missed. */
    private static final long MAX_WAIT_MILLIS = 1_000;

    private final @Nullable ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer;
    private final int batchSize;
    // Trial mode (observer null): frames are held here within the budget instead of being sent.
    private final @Nullable List<dev.hypnos.proto.thanos.store.SeriesResponse> held;
    private final long trialStart;
    private final long trialNanos;
    private int trialSeries;
    private long trialBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrCancelled = lock.newCondition();
    private volatile boolean cancelled;
    private final SeriesBatch.Builder batch = SeriesBatch.newBuilder();

    FramingSink(ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer, int batchSize) {
      this.observer = observer;
      this.batchSize = batchSize;
      this.held = null;
      this.trialStart = 0;
      this.trialNanos = 0;
    }

    private FramingSink(int batchSize, long trialNanos) {
      this.observer = null;
      this.batchSize = batchSize;
      this.held = new ArrayList<>();
      this.trialNanos = trialNanos;
      this.trialStart = System.nanoTime();
    }

    /** A sink that holds its frames, throwing {@link TrialExceeded} once past the trial budget. */
    static FramingSink trial(int batchSize, long trialNanos) {
      return new FramingSink(batchSize, trialNanos);
    }

    List<dev.hypnos.proto.thanos.store.SeriesResponse> held() {
      return Objects.requireNonNull(held, "held frames of a trial sink");
    }

    private void checkTrialBudget() {
      if (++trialSeries > TRIAL_SERIES || trialBytes > TRIAL_BYTES || System.nanoTime() - trialStart > trialNanos) {
        throw TrialExceeded.INSTANCE;
      }
    }

    /** Runs the call; {@code ending} runs once, just before the call's end is sent. */
    void run(StoreApi store, SeriesRequest request, Runnable ending) {
      var observer = Objects.requireNonNull(this.observer, "observer of a sending sink");
      try {
        store.series(request, this);
        flush();
      } catch (Throwable t) {
        ending.run();
        if (!cancelled) {
          observer.onError(GrpcStatuses.toStatus(t).asRuntimeException());
        }
        if (t instanceof Error e) {
          throw e;
        }
        return;
      }
      ending.run();
      if (!cancelled) {
        observer.onCompleted();
      }
    }

    @Override
    public void send(SeriesResponse response) {
      checkNotCancelled();
      switch (response) {
        case SeriesResponse.SeriesItem s -> {
          if (held != null) {
            checkTrialBudget();
          }
          if (batchSize <= 1) {
            emit(dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder()
                .setSeries(ProtoConverters.toProto(s.series()))
                .build());
          } else {
            batch.addSeries(ProtoConverters.toProto(s.series()));
            if (batch.getSeriesCount() >= batchSize) {
              flush();
            }
          }
        }
        case SeriesResponse.Warning w -> {
          flush();
          emit(ProtoConverters.toProto(w));
        }
        case SeriesResponse.Hints h -> {
          flush();
          emit(ProtoConverters.toProto(h));
        }
      }
    }

    void flush() {
      if (batch.getSeriesCount() > 0) {
        var frame = dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder().setBatch(batch.build()).build();
        batch.clear();
        emit(frame);
      }
    }

    private void emit(dev.hypnos.proto.thanos.store.SeriesResponse frame) {
      List<dev.hypnos.proto.thanos.store.SeriesResponse> h = held;
      if (h != null) {
        h.add(frame);
        trialBytes += frame.getSerializedSize();
        return;
      }
      var observer = Objects.requireNonNull(this.observer, "observer of a sending sink");
      awaitReady(observer);
      observer.onNext(frame);
    }

    private void awaitReady(ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer) {
      if (observer.isReady()) {
        checkNotCancelled();
        return;
      }
      lock.lock();
      try {
        while (!cancelled && !observer.isReady()) {
          readyOrCancelled.await(MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StoreApiException.cancelled("send series: interrupted while waiting for the client to read");
      } finally {
        lock.unlock();
      }
      checkNotCancelled();
    }

    private void checkNotCancelled() {
      if (cancelled) {
        throw StoreApiException.cancelled("send series: the client cancelled the call or went away");
      }
    }

    void wake() {
      lock.lock();
      try {
        readyOrCancelled.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void cancel() {
      cancelled = true;
      wake();
    }
  }
}

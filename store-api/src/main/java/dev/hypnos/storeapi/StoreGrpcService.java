package dev.hypnos.storeapi;

import dev.hypnos.proto.thanos.store.SeriesBatch;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
 * handler blocks, so the service may run on a server with a direct executor ({@link
 * GrpcServers#start} does), where callbacks run on the transport thread: one thread hand-off less
 * per call.
 *
 * <p>Errors thrown by the store become statuses through {@link GrpcStatuses}.
 *
 * <p>Concurrency: thread-safe; every call has its own sink.
 */
public final class StoreGrpcService extends StoreGrpc.StoreImplBase {
  private static final Executor VIRTUAL_THREAD_PER_CALL =
      task -> Thread.ofVirtual().name("store-api-call").start(task);

  private final StoreApi store;
  private final Executor seriesExecutor;

  /** Serves {@code store}, running each call's work on a new virtual thread. */
  public StoreGrpcService(StoreApi store) {
    this(store, VIRTUAL_THREAD_PER_CALL);
  }

  /**
   * Serves {@code store}, running each Series call's producer and each label call on {@code
   * seriesExecutor}. The producer blocks while the client is slow, so the executor should not be
   * small and bounded.
   */
  public StoreGrpcService(StoreApi store, Executor seriesExecutor) {
    this.store = Objects.requireNonNull(store, "store");
    this.seriesExecutor = Objects.requireNonNull(seriesExecutor, "seriesExecutor");
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
    try {
      seriesExecutor.execute(Context.current().wrap(() -> sink.run(store, req)));
    } catch (RejectedExecutionException e) {
      observer.onError(GrpcStatuses.toStatus(
              StoreApiException.unavailable("start series call: the executor rejected it", e))
          .asRuntimeException());
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
    try {
      seriesExecutor.execute(Context.current().wrap(() -> answer(observer, answer)));
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

    private final ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer;
    private final int batchSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrCancelled = lock.newCondition();
    private volatile boolean cancelled;
    private final SeriesBatch.Builder batch = SeriesBatch.newBuilder();

    FramingSink(ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> observer, int batchSize) {
      this.observer = observer;
      this.batchSize = batchSize;
    }

    void run(StoreApi store, SeriesRequest request) {
      try {
        store.series(request, this);
        flush();
      } catch (Throwable t) {
        if (!cancelled) {
          observer.onError(GrpcStatuses.toStatus(t).asRuntimeException());
        }
        if (t instanceof Error e) {
          throw e;
        }
        return;
      }
      if (!cancelled) {
        observer.onCompleted();
      }
    }

    @Override
    public void send(SeriesResponse response) {
      checkNotCancelled();
      switch (response) {
        case SeriesResponse.SeriesItem s -> {
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

    private void flush() {
      if (batch.getSeriesCount() > 0) {
        var frame = dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder().setBatch(batch.build()).build();
        batch.clear();
        emit(frame);
      }
    }

    private void emit(dev.hypnos.proto.thanos.store.SeriesResponse frame) {
      awaitReady();
      observer.onNext(frame);
    }

    private void awaitReady() {
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

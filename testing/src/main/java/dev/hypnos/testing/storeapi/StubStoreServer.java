package dev.hypnos.testing.storeapi;

import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A misbehaving Store API endpoint on loopback for failure tests: it answers Info like a store
 * gateway (its external labels, all of time), and serves Series in one of three ways, ignoring the
 * request's matchers:
 *
 * <ul>
 *   <li>{@link Mode#SLOW}: {@code series} series {@code metric{<external labels>,
 *       instance="i00000"...}} in label order, one frame every {@code interval}; each carries one
 *       raw XOR chunk with a sample every 15 s from time 0 to {@link #DATA_END_MS} (value = sample
 *       index, a counter);
 *   <li>{@link Mode#HANG}: accepts the call and never answers;
 *   <li>{@link Mode#FAIL}: answers at once with status UNAVAILABLE.
 * </ul>
 *
 * It counts calls, frames sent and calls the client cancelled, so a test can see that a querier
 * gave up on it. {@link #main} runs one as a separate process (to be killed), printing {@code
 * stub store listening on 127.0.0.1:PORT} and then {@code stub store sent N} after each frame.
 *
 * <p>Concurrency: thread-safe.
 */
public final class StubStoreServer implements AutoCloseable {
  /** Last sample time of every SLOW series, milliseconds. */
  public static final long DATA_END_MS = 3_600_000;

  /** How Series calls are answered. */
  public enum Mode {
    SLOW,
    HANG,
    FAIL
  }

  private final Mode mode;
  private final Labels externalLabels;
  private final String metric;
  private final int seriesCount;
  private final Duration interval;
  private final @Nullable PrintStream progress;
  private final ScheduledExecutorService scheduler;
  private final Server server;
  private final StoreChunk chunk;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger frames = new AtomicInteger();
  private final AtomicInteger cancels = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();

  private StubStoreServer(Mode mode, Labels externalLabels, String metric, int seriesCount, Duration interval,
      @Nullable PrintStream progress) throws IOException {
    this.mode = mode;
    this.externalLabels = externalLabels;
    this.metric = metric;
    this.seriesCount = seriesCount;
    this.interval = interval;
    this.progress = progress;
    XorEncoder enc = new XorEncoder();
    for (long t = 0, i = 0; t <= DATA_END_MS; t += 15_000, i++) {
      enc.append(t, i);
    }
    this.chunk = StoreChunk.raw(0, DATA_END_MS, ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes()));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "stub-store-" + mode.name().toLowerCase(java.util.Locale.ROOT));
      t.setDaemon(true);
      return t;
    });
    this.server = GrpcServers.start("127.0.0.1:0", List.of(new Series(), InfoGrpcService.forStore(new InfoOnly())));
  }

  /**
   * Starts a stub on a free loopback port.
   *
   * @param seriesCount series a SLOW call streams
   * @param interval pause before each SLOW frame
   */
  public static StubStoreServer start(Mode mode, Labels externalLabels, String metric, int seriesCount,
      Duration interval) throws IOException {
    return new StubStoreServer(mode, externalLabels, metric, seriesCount, interval, null);
  }

  public int port() {
    return server.getPort();
  }

  /** {@code 127.0.0.1:port}, as a querier's {@code --endpoint}. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Series calls received. */
  public int calls() {
    return calls.get();
  }

  /** Series frames sent, over all calls. */
  public int frames() {
    return frames.get();
  }

  /** Series calls the client cancelled (or whose deadline passed) before they ended. */
  public int cancels() {
    return cancels.get();
  }

  /** SLOW calls that sent every series. */
  public int completed() {
    return completed.get();
  }

  /** Waits until {@code condition} holds, checking every 10 ms, at most {@code max}. */
  public static boolean await(java.util.function.BooleanSupplier condition, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** The series of index {@code i} as a SLOW call sends it. */
  public StoreSeries series(int i) {
    Map<String, String> m = new java.util.HashMap<>(externalLabels.toMap());
    m.put("__name__", metric);
    m.put("instance", String.format(java.util.Locale.ROOT, "i%05d", i));
    Labels l = Labels.fromMap(m);
    return new StoreSeries(l, List.of(chunk));
  }

  @Override
  public void close() throws InterruptedException {
    scheduler.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Series extends StoreGrpc.StoreImplBase {
    @Override
    public void series(dev.hypnos.proto.thanos.store.SeriesRequest request,
        StreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse> responseObserver) {
      calls.incrementAndGet();
      var observer = (ServerCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesResponse>) responseObserver;
      AtomicReference<@Nullable ScheduledFuture<?>> task = new AtomicReference<>();
      AtomicInteger next = new AtomicInteger();
      observer.setOnCancelHandler(() -> {
        cancels.incrementAndGet();
        ScheduledFuture<?> f = task.get();
        if (f != null) {
          f.cancel(false);
        }
      });
      switch (mode) {
        case HANG -> {}
        case FAIL -> observer.onError(Status.UNAVAILABLE.withDescription("stub store failing on purpose").asRuntimeException());
        case SLOW -> task.set(scheduler.scheduleWithFixedDelay(() -> {
          if (observer.isCancelled()) {
            return;
          }
          int i = next.getAndIncrement();
          if (i >= seriesCount) {
            if (i == seriesCount) {
              observer.onCompleted();
              completed.incrementAndGet();
            }
            ScheduledFuture<?> f = task.get();
            if (f != null) {
              f.cancel(false);
            }
            return;
          }
          observer.onNext(dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder()
              .setSeries(ProtoConverters.toProto(StubStoreServer.this.series(i))).build());
          int n = frames.incrementAndGet();
          PrintStream p = progress;
          if (p != null) {
            p.println("stub store sent " + n);
            p.flush();
          }
        }, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS));
      }
    }
  }

  /** Info, labels: the stub's external labels, all of time, no label data. */
  private final class InfoOnly implements StoreApi {
    @Override
    public void series(SeriesRequest request, SeriesSink sink) {
      throw new UnsupportedOperationException("the stub's Series is served by its own gRPC service");
    }

    @Override
    public LabelNamesResponse labelNames(LabelNamesRequest request) {
      return new LabelNamesResponse(List.of(), List.of(), null);
    }

    @Override
    public LabelValuesResponse labelValues(LabelValuesRequest request) {
      return new LabelValuesResponse(List.of(), List.of(), null);
    }

    @Override
    public StoreInfo info() {
      return new StoreInfo(List.of(externalLabels), Long.MIN_VALUE, Long.MAX_VALUE, false, true, List.of());
    }
  }

  /**
   * Runs a stub until killed: {@code MODE METRIC SERIES INTERVAL_MS [NAME=VALUE...]} (external
   * labels).
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: StubStoreServer slow|hang|fail METRIC SERIES INTERVAL_MS [NAME=VALUE...]");
      System.exit(2);
    }
    Map<String, String> ext = new java.util.TreeMap<>();
    List<String> rest = new ArrayList<>(List.of(args).subList(4, args.length));
    for (String kv : rest) {
      int eq = kv.indexOf('=');
      ext.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    StubStoreServer s = new StubStoreServer(Mode.valueOf(args[0].toUpperCase(java.util.Locale.ROOT)), Labels.fromMap(ext),
        args[1], Integer.parseInt(args[2]), Duration.ofMillis(Long.parseLong(args[3])), System.out);
    System.out.println("stub store listening on " + s.address());
    System.out.flush();
    Thread.currentThread().join();
  }
}

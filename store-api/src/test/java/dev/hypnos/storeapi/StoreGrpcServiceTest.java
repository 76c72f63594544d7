package dev.hypnos.storeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.hints.SeriesResponseHints;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class StoreGrpcServiceTest {
  private static final SeriesRequest ANY = SeriesRequest.builder(0, 1000, List.of(Matcher.re("__name__", ".*"))).build();

  private final List<Runnable> cleanup = new ArrayList<>();

  @AfterEach
  void close() {
    for (Runnable r : cleanup.reversed()) {
      r.run();
    }
  }

  enum Transport {
    IN_PROCESS,
    NETTY
  }

  private ManagedChannel serve(StoreApi store, Transport transport) throws IOException {
    // No time budget for tried calls: a cold JVM's first call may take longer than any budget.
    return serve(new StoreGrpcService(store, Long.MAX_VALUE), store, transport);
  }

  private ManagedChannel serve(StoreGrpcService service, StoreApi store, Transport transport) throws IOException {
    Server server;
    ManagedChannel channel;
    if (transport == Transport.IN_PROCESS) {
      String name = InProcessServerBuilder.generateName();
      server = InProcessServerBuilder.forName(name)
          .addService(service)
          .addService(InfoGrpcService.forStore(store))
          .build()
          .start();
      channel = InProcessChannelBuilder.forName(name).build();
    } else {
      server = GrpcServers.start("127.0.0.1:0", List.of(service, InfoGrpcService.forStore(store)));
      channel = GrpcServers.plaintextChannel("127.0.0.1", server.getPort());
    }
    cleanup.add(() -> {
      try {
        GrpcServers.shutdown(channel, Duration.ofSeconds(5));
        GrpcServers.shutdown(server, Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return channel;
  }

  private static StoreSeries series(int i) {
    return new StoreSeries(Labels.of("__name__", "m", "i", String.format("%06d", i)), List.of());
  }

  private static List<dev.hypnos.proto.thanos.store.SeriesResponse> frames(ManagedChannel ch, SeriesRequest req) {
    List<dev.hypnos.proto.thanos.store.SeriesResponse> out = new ArrayList<>();
    StoreGrpc.newBlockingStub(ch).series(ProtoConverters.toProto(req)).forEachRemaining(out::add);
    return out;
  }

  private static String shape(dev.hypnos.proto.thanos.store.SeriesResponse f) {
    return switch (f.getResultCase()) {
      case SERIES -> "S";
      case BATCH -> "B" + f.getBatch().getSeriesCount();
      case WARNING -> "W";
      case HINTS -> "H";
      case RESULT_NOT_SET -> "?";
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 10})
  void framesFollowTheBatchSizeAndWarningsFlush(int batchSize) throws IOException {
    Any hints = Any.pack(SeriesResponseHints.getDefaultInstance());
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      for (int i = 0; i < 7; i++) {
        if (i == 4) {
          sink.warning("halfway");
        }
        sink.series(series(i));
      }
      sink.send(new SeriesResponse.Hints(hints));
    });
    ManagedChannel ch = serve(store, Transport.IN_PROCESS);
    var frames = frames(ch, ANY.toBuilder().responseBatchSize(batchSize).build());
    List<String> shapes = frames.stream().map(StoreGrpcServiceTest::shape).toList();
    List<String> expected = switch (batchSize) {
      case 0, 1 -> List.of("S", "S", "S", "S", "W", "S", "S", "S", "H");
      case 3 -> List.of("B3", "B1", "W", "B3", "H");
      default -> List.of("B4", "W", "B3", "H");
    };
    assertThat(shapes).containsExactlyElementsOf(expected);
    List<Labels> got = new ArrayList<>();
    for (var f : frames) {
      for (SeriesResponse r : ProtoConverters.toSeriesResponses(f)) {
        if (r instanceof SeriesResponse.SeriesItem s) {
          got.add(s.series().labels());
        }
      }
    }
    assertThat(got).containsExactly(
        series(0).labels(), series(1).labels(), series(2).labels(), series(3).labels(),
        series(4).labels(), series(5).labels(), series(6).labels());
    assertThat(frames.get(frames.size() - 1).getHints()).isEqualTo(hints);
  }

  /**
   * A store that would produce forever: the client asks for a few frames at a time, and the
   * producer must stay within what was asked plus what the transport may buffer, then block
   * until asked for more, and see CANCELLED when the client cancels.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void slowClientBlocksTheProducerAndCancelReachesIt(Transport transport) throws Exception {
    // In process, readiness follows the client's requests exactly; over Netty, HTTP/2 windows
    // and socket buffers hold some megabytes.
    int payload = transport == Transport.NETTY ? 16 * 1024 : 16;
    long slack = transport == Transport.NETTY ? 2_000 : 1;
    ChunkData chunk = new ChunkData(ChunkData.Encoding.XOR, new byte[payload], 0, payload, 0);
    AtomicLong requested = new AtomicLong();
    AtomicLong produced = new AtomicLong();
    AtomicBoolean overran = new AtomicBoolean();
    CompletableFuture<Thread> producer = new CompletableFuture<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      producer.complete(Thread.currentThread());
      try {
        for (int i = 0; ; i++) {
          if (i > requested.get() + slack) {
            overran.set(true);
            throw StoreApiException.internal("producer ran " + i + " frames ahead of " + requested.get() + " requested", null);
          }
          sink.series(new StoreSeries(series(i).labels(), List.of(StoreChunk.raw(i, i, chunk))));
          produced.incrementAndGet();
        }
      } catch (RuntimeException e) {
        ended.complete(e);
        throw e;
      }
    });
    ManagedChannel ch = serve(store, transport);

    LinkedBlockingQueue<dev.hypnos.proto.thanos.store.SeriesResponse> received = new LinkedBlockingQueue<>();
    CompletableFuture<ClientCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesRequest>> call = new CompletableFuture<>();
    StoreGrpc.newStub(ch).series(ProtoConverters.toProto(ANY), new ClientResponseObserver<
        dev.hypnos.proto.thanos.store.SeriesRequest, dev.hypnos.proto.thanos.store.SeriesResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<dev.hypnos.proto.thanos.store.SeriesRequest> requestStream) {
        requestStream.disableAutoRequestWithInitial(0);
        call.complete(requestStream);
      }

      @Override
      public void onNext(dev.hypnos.proto.thanos.store.SeriesResponse value) {
        received.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    var stream = call.get(10, TimeUnit.SECONDS);
    Thread producerThread = producer.get(10, TimeUnit.SECONDS);
    int next = 0;
    for (int round = 0; round < 3; round++) {
      requested.addAndGet(5);
      stream.request(5);
      for (int k = 0; k < 5; k++) {
        var frame = received.poll(30, TimeUnit.SECONDS);
        assertThat(frame).as("frame %s", next).isNotNull();
        assertThat(frame.getSeries().getLabels(1).getValue()).isEqualTo(String.format("%06d", next));
        next++;
      }
      awaitBlockedOrOverran(producerThread, produced, overran);
      assertThat(overran).as("producer stayed within the client's demand plus transport buffers").isFalse();
      assertThat(produced.get()).isLessThanOrEqualTo(requested.get() + slack);
    }
    stream.cancel("test done", null);
    Throwable end = ended.get(30, TimeUnit.SECONDS);
    assertThat(end).isInstanceOfSatisfying(StoreApiException.class,
        e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.CANCELLED));
  }

  /** Waits until the producer thread is parked with an unchanged count, or it overran. */
  private static void awaitBlockedOrOverran(Thread producer, AtomicLong produced, AtomicBoolean overran)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int stable = 0;
    long last = -1;
    while (System.nanoTime() < deadline && !overran.get()) {
      Thread.State s = producer.getState();
      long now = produced.get();
      boolean parked = s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
      stable = parked && now == last ? stable + 1 : 0;
      last = now;
      if (stable >= 5) {
        return;
      }
      Thread.sleep(20);
    }
    assertThat(overran.get() || stable >= 5).as("producer blocked or overran within 30 s").isTrue();
  }

  private static List<Labels> seriesLabels(List<dev.hypnos.proto.thanos.store.SeriesResponse> frames) {
    List<Labels> got = new ArrayList<>();
    for (var f : frames) {
      for (SeriesResponse r : ProtoConverters.toSeriesResponses(f)) {
        if (r instanceof SeriesResponse.SeriesItem s) {
          got.add(s.series().labels());
        }
      }
    }
    return got;
  }

  /** A store reading locally: small calls are answered on the receiving thread, large ones re-run on a call thread. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aLocalStoreAnswersSmallCallsWithoutAHandOffAndReRunsLargeOnes(Transport transport) throws Exception {
    List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      threads.add(Thread.currentThread().getName());
      int n = req.matchers().get(0).value().equals("small") ? 10 : StoreGrpcService.TRIAL_SERIES + 50;
      sink.warning("first");
      for (int i = 0; i < n; i++) {
        sink.series(series(i));
      }
    }).local();
    ManagedChannel ch = serve(store, transport);
    for (int batch : new int[] {1, 16}) {
      threads.clear();
      var small = frames(ch, SeriesRequest.builder(0, 1000, List.of(Matcher.eq("__name__", "small")))
          .responseBatchSize(batch).build());
      assertThat(seriesLabels(small)).containsExactlyElementsOf(
          java.util.stream.IntStream.range(0, 10).mapToObj(i -> series(i).labels()).toList());
      assertThat(small.get(0).getWarning()).isEqualTo("first");
      assertThat(threads).hasSize(1);
      assertThat(threads.get(0)).doesNotContain("store-api-call");

      threads.clear();
      int n = StoreGrpcService.TRIAL_SERIES + 50;
      var large = frames(ch, SeriesRequest.builder(0, 1000, List.of(Matcher.eq("__name__", "large")))
          .responseBatchSize(batch).build());
      assertThat(seriesLabels(large)).as("every series once, in order, although the store ran twice")
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).mapToObj(i -> series(i).labels()).toList());
      assertThat(large.stream().filter(f -> f.hasWarning()).count()).isEqualTo(1);
      assertThat(threads).hasSize(2);
      assertThat(threads.get(1)).contains("store-api-call");
    }
  }

  @Test
  void aStoreWrappingTheTrialStopStillRunsAgain() throws Exception {
    AtomicLong runs = new AtomicLong();
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      runs.incrementAndGet();
      for (int i = 0; i <= StoreGrpcService.TRIAL_SERIES; i++) {
        try {
          sink.series(series(i));
        } catch (RuntimeException e) {
          throw new IOException("send series " + i, e);
        }
      }
    }).local();
    ManagedChannel ch = serve(store, Transport.NETTY);
    assertThat(seriesLabels(frames(ch, ANY))).hasSize(StoreGrpcService.TRIAL_SERIES + 1);
    assertThat(runs.get()).isEqualTo(2);
  }

  @Test
  void aTriedCallSlowerThanTheTimeBudgetRunsAgainOnACallThread() throws Exception {
    List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      threads.add(Thread.currentThread().getName());
      sink.series(series(0));
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sink.series(series(1));
    }).local();
    ManagedChannel ch = serve(new StoreGrpcService(store, TimeUnit.MILLISECONDS.toNanos(5)), store, Transport.NETTY);
    assertThat(seriesLabels(frames(ch, ANY))).containsExactly(series(0).labels(), series(1).labels());
    assertThat(threads).hasSize(2);
    assertThat(threads.get(0)).doesNotContain("store-api-call");
    assertThat(threads.get(1)).contains("store-api-call");
  }

  @Test
  void aLocalStoreTriesOneCallAtATimeAndReportsErrorsOfTriedCalls() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<String> blockedOn = new CompletableFuture<>();
    List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      String what = req.matchers().get(0).value();
      if (what.equals("fail")) {
        sink.series(series(0));
        throw new IOException("read chunk 7 of block 01ABC: unexpected end of object");
      }
      if (what.equals("block")) {
        if (!Thread.currentThread().getName().contains("store-api-call")) {
          // Tried on the transport thread: go past the budget, so that the call runs again on a
          // call thread and blocks there.
          for (int i = 0; i <= StoreGrpcService.TRIAL_SERIES; i++) {
            sink.series(series(i));
          }
        }
        blockedOn.complete(Thread.currentThread().getName());
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      threads.add(Thread.currentThread().getName());
      sink.series(series(1));
    }).local();
    ManagedChannel ch = serve(store, Transport.NETTY);
    assertThatThrownBy(() -> frames(ch, SeriesRequest.builder(0, 1000, List.of(Matcher.eq("__name__", "fail"))).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("block 01ABC");
        });
    CompletableFuture<List<dev.hypnos.proto.thanos.store.SeriesResponse>> blocked = CompletableFuture.supplyAsync(
        () -> frames(ch, SeriesRequest.builder(0, 1000, List.of(Matcher.eq("__name__", "block"))).build()));
    assertThat(blockedOn.get(30, TimeUnit.SECONDS)).contains("store-api-call");
    var meanwhile = frames(ch, SeriesRequest.builder(0, 1000, List.of(Matcher.eq("__name__", "other"))).build());
    assertThat(seriesLabels(meanwhile)).containsExactly(series(1).labels());
    assertThat(threads).as("a call while another runs goes to a call thread").hasSize(1);
    assertThat(threads.get(0)).contains("store-api-call");
    release.countDown();
    assertThat(seriesLabels(blocked.get(30, TimeUnit.SECONDS))).as("the tried run's frames were dropped")
        .containsExactly(series(1).labels());
  }

  @Test
  void storeErrorsBecomeStatusesAfterTheFramesSent() throws IOException {
    ScriptedStore failing = new ScriptedStore((req, sink) -> {
      sink.series(series(0));
      sink.series(series(1));
      throw new IOException("read chunk 7 of block 01ABC: unexpected end of object");
    });
    ManagedChannel ch = serve(failing, Transport.IN_PROCESS);
    Iterator<dev.hypnos.proto.thanos.store.SeriesResponse> it = StoreGrpc.newBlockingStub(ch).series(ProtoConverters.toProto(ANY));
    List<dev.hypnos.proto.thanos.store.SeriesResponse> got = new ArrayList<>();
    assertThatThrownBy(() -> it.forEachRemaining(got::add))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("block 01ABC");
        });
    assertThat(got).hasSize(2);

    ScriptedStore limited = new ScriptedStore((req, sink) -> {
      throw StoreApiException.resourceExhausted("select series: limit of 10 series exceeded");
    });
    ManagedChannel ch2 = serve(limited, Transport.IN_PROCESS);
    assertThatThrownBy(() -> frames(ch2, ANY))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("limit of 10 series");
        });
  }

  @Test
  void invalidRequestsNeverReachTheStore() throws IOException {
    ScriptedStore store = new ScriptedStore((req, sink) -> {});
    ManagedChannel ch = serve(store, Transport.IN_PROCESS);
    var badRegex = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMaxTime(10)
        .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.NRE).setName("job").setValue("a(b"))
        .build();
    assertThatThrownBy(() -> StoreGrpc.newBlockingStub(ch).series(badRegex).forEachRemaining(f -> {}))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("job!~\"a(b\"");
        });
    var reversed = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(10)
        .setMaxTime(5)
        .addMatchers(LabelMatcher.newBuilder().setName("job").setValue("a"))
        .build();
    assertThatThrownBy(() -> StoreGrpc.newBlockingStub(ch).series(reversed).forEachRemaining(f -> {}))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(store.seriesCalls).hasValue(0);
  }

  @Test
  void labelCallsAnswerAndMapErrors() throws IOException {
    ManagedChannel ok = serve(new ScriptedStore((req, sink) -> {}), Transport.IN_PROCESS);
    var names = StoreGrpc.newBlockingStub(ok).labelNames(
        dev.hypnos.proto.thanos.store.LabelNamesRequest.newBuilder().setStart(0).setEnd(10).build());
    assertThat(names.getNamesList()).containsExactly("__name__", "job");
    assertThat(names.getWarningsList()).containsExactly("names warning");
    var values = StoreGrpc.newBlockingStub(ok).labelValues(
        dev.hypnos.proto.thanos.store.LabelValuesRequest.newBuilder().setLabel("job").setStart(0).setEnd(10).build());
    assertThat(values.getValuesList()).containsExactly("a-job", "b-job");

    ManagedChannel down = serve(new ScriptedStore((req, sink) -> {},
        StoreApiException.unavailable("list blocks in bucket b: connection refused", null)), Transport.IN_PROCESS);
    assertThatThrownBy(() -> StoreGrpc.newBlockingStub(down).labelNames(
            dev.hypnos.proto.thanos.store.LabelNamesRequest.newBuilder().setStart(0).setEnd(10).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("connection refused");
        });
  }

  @Test
  void clientRoundTripsAndCancelsWhenItsSinkFails() throws Exception {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    ScriptedStore store = new ScriptedStore((req, sink) -> {
      try {
        for (int i = 0; ; i++) {
          sink.series(series(i));
        }
      } catch (RuntimeException e) {
        ended.complete(e);
        throw e;
      }
    });
    ManagedChannel ch = serve(store, Transport.IN_PROCESS);
    GrpcStoreApiClient client = new GrpcStoreApiClient(ch, "in-process");
    List<StoreSeries> got = new ArrayList<>();
    assertThatThrownBy(() -> client.series(ANY.toBuilder().responseBatchSize(4).build(), r -> {
          got.add(((SeriesResponse.SeriesItem) r).series());
          if (got.size() == 10) {
            throw new IllegalStateException("enough");
          }
        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("enough");
    assertThat(got).extracting(StoreSeries::labels).startsWith(series(0).labels(), series(1).labels());
    Throwable end = ended.get(30, TimeUnit.SECONDS);
    assertThat(end).isInstanceOfSatisfying(StoreApiException.class,
        e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.CANCELLED));

    assertThat(client.labelValues(LabelValuesRequest.of("x", 0, 1, List.of())).values()).containsExactly("a-x", "b-x");
    assertThat(client.info().supportsWithoutReplicaLabels()).isTrue();
    ScriptedStore failing = new ScriptedStore((req, sink) -> {
      throw StoreApiException.resourceExhausted("too many chunks");
    });
    GrpcStoreApiClient failingClient = new GrpcStoreApiClient(serve(failing, Transport.IN_PROCESS), "store-b");
    assertThatThrownBy(() -> failingClient.series(ANY, r -> {}))
        .isInstanceOfSatisfying(StoreApiException.class, e -> {
          assertThat(e.category()).isEqualTo(StoreApiException.Category.RESOURCE_EXHAUSTED);
          assertThat(e.getMessage()).contains("store-b").contains("too many chunks");
        });
  }
}

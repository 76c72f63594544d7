package dev.hypnos.querier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.PartialResponseStrategy;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProxyStoreTest {
  final List<ProxyStore> proxies = new ArrayList<>();

  @AfterEach
  void close() {
    proxies.forEach(ProxyStore::close);
  }

  static MemoryStorage data(String... jobs) {
    MemoryStorage st = new MemoryStorage();
    for (String job : jobs) {
      for (int i = 0; i < 300; i++) {
        st.append(Labels.of("__name__", "up", "job", job), i * 15_000L, i);
      }
    }
    return st;
  }

  static ProxyStore.Member member(String name, StoreApi api) throws IOException {
    return new ProxyStore.Member(name, api, api.info());
  }

  ProxyStore proxy(List<ProxyStore.Member> members, Duration timeout) {
    ProxyStore p = new ProxyStore(() -> members, timeout, true);
    proxies.add(p);
    return p;
  }

  record Collected(List<String> series, List<String> warnings, List<Integer> chunkCounts) {}

  static Collected collect(StoreApi api, SeriesRequest req) throws IOException {
    List<String> series = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<Integer> chunks = new ArrayList<>();
    api.series(req, r -> {
      switch (r) {
        case SeriesResponse.SeriesItem s -> {
          series.add(s.series().labels().toString());
          chunks.add(s.series().chunks().size());
        }
        case SeriesResponse.Warning w -> warnings.add(w.message());
        case SeriesResponse.Hints h -> {}
      }
    });
    return new Collected(series, warnings, chunks);
  }

  static SeriesRequest.Builder req(Matcher... ms) {
    return SeriesRequest.builder(0, 10_000_000, List.of(ms));
  }

  @Test
  void mergesSortedStreamsAndSendsIdenticalReplicaChunksOnce() throws IOException {
    StoreApi a = new QueryableStoreApi(data("api", "db"), Labels.of("cluster", "a"));
    StoreApi aCopy = new QueryableStoreApi(data("api", "db"), Labels.of("cluster", "a"));
    StoreApi b = new QueryableStoreApi(data("api", "web"), Labels.of("cluster", "b"));
    ProxyStore p = proxy(List.of(member("b", b), member("a", a), member("a-copy", aCopy)), Duration.ZERO);
    Collected c = collect(p, req(Matcher.eq("__name__", "up")).build());
    assertThat(c.series).containsExactly(
        "{__name__=\"up\", cluster=\"a\", job=\"api\"}",
        "{__name__=\"up\", cluster=\"a\", job=\"db\"}",
        "{__name__=\"up\", cluster=\"b\", job=\"api\"}",
        "{__name__=\"up\", cluster=\"b\", job=\"web\"}");
    // 300 samples = 3 chunks of <= 120; the copy's identical chunks are dropped.
    assertThat(c.chunkCounts).containsOnly(3);
    assertThat(c.warnings).isEmpty();
  }

  @Test
  void storesAreSelectedByExternalLabelsAndTime() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    StoreApi a = counting(new QueryableStoreApi(data("api"), Labels.of("cluster", "a")), calls);
    StoreApi b = new QueryableStoreApi(data("api"), Labels.of("cluster", "b"));
    ProxyStore p = proxy(List.of(member("a", a), member("b", b)), Duration.ZERO);
    Collected c = collect(p, req(Matcher.eq("__name__", "up"), Matcher.re("cluster", "b|c")).build());
    assertThat(c.series).containsExactly("{__name__=\"up\", cluster=\"b\", job=\"api\"}");
    assertThat(calls).hasValue(0);
    assertThat(ProxyStore.labelSetsMatch(List.of(Labels.of("cluster", "a")), List.of(Matcher.neq("cluster", "a"))))
        .isFalse();
    assertThat(ProxyStore.labelSetsMatch(List.of(), List.of(Matcher.eq("cluster", "a")))).isTrue();
    // A store whose time range ends before the request is not asked.
    StoreApi old = counting(new QueryableStoreApi(data("api"), Labels.of("cluster", "c"), 0, 1000), calls);
    ProxyStore p2 = proxy(List.of(member("old", old)), Duration.ZERO);
    assertThat(collect(p2, SeriesRequest.builder(5000, 9000, List.of(Matcher.eq("__name__", "up"))).build()).series)
        .isEmpty();
    assertThat(calls).hasValue(0);
  }

  @Test
  void aFailingStoreIsAWarningWithPartialResponseAndAnErrorWithout() throws IOException {
    StoreApi good = new QueryableStoreApi(data("api"), Labels.of("cluster", "a"));
    StoreApi broken = failing(new QueryableStoreApi(data("api"), Labels.of("cluster", "b")));
    ProxyStore p = proxy(List.of(member("good", good), member("broken:10901", broken)), Duration.ZERO);
    Collected c = collect(p, req(Matcher.eq("__name__", "up")).build());
    assertThat(c.series).containsExactly("{__name__=\"up\", cluster=\"a\", job=\"api\"}");
    assertThat(c.warnings).singleElement().asString().contains("broken:10901", "disk on fire");
    assertThatThrownBy(() -> collect(p,
            req(Matcher.eq("__name__", "up")).partialResponseStrategy(PartialResponseStrategy.ABORT).build()))
        .isInstanceOf(StoreApiException.class)
        .hasMessageContaining("broken:10901")
        .hasMessageContaining("disk on fire");
  }

  @Test
  void aHangingStoreIsCutOffByTheResponseTimeout() throws IOException {
    StoreApi good = new QueryableStoreApi(data("api"), Labels.of("cluster", "a"));
    CountDownLatch never = new CountDownLatch(1);
    StoreApi hanging = new Delegating(new QueryableStoreApi(data("api"), Labels.of("cluster", "b"))) {
      @Override
      public void series(SeriesRequest request, SeriesSink sink) {
        try {
          never.await();
        } catch (InterruptedException e) {
          throw StoreApiException.cancelled("interrupted");
        }
      }
    };
    ProxyStore p = proxy(List.of(member("good", good), member("hanging", hanging)), Duration.ofMillis(300));
    long start = System.nanoTime();
    Collected c = collect(p, req(Matcher.eq("__name__", "up")).build());
    assertThat(c.series).hasSize(1);
    assertThat(c.warnings).singleElement().asString().contains("hanging", "no response within 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void replicaLabelsAreStrippedAndResortedForStoresThatCannot() throws IOException {
    MemoryStorage st = new MemoryStorage();
    for (String r : List.of("1", "0")) {
      st.append(Labels.of("__name__", "up", "job", "x", "replica", r), 1000, 1);
      st.append(Labels.of("__name__", "up", "job", "y", "replica", r), 1000, 1);
    }
    StoreApi store = new QueryableStoreApi(st, Labels.EMPTY);
    StoreInfo info = store.info();
    StoreInfo cannot = new StoreInfo(info.labelSets(), info.minTime(), info.maxTime(), false, false, List.of());
    ProxyStore p = proxy(List.of(new ProxyStore.Member("old-sidecar", store, cannot)), Duration.ZERO);
    Collected c = collect(p, req(Matcher.eq("__name__", "up")).withoutReplicaLabels(List.of("replica")).build());
    // Each label set once; the two replicas' chunks are byte-identical here, so one remains.
    assertThat(c.series).containsExactly("{__name__=\"up\", job=\"x\"}", "{__name__=\"up\", job=\"y\"}");
    assertThat(c.chunkCounts).containsExactly(1, 1);
  }

  @Test
  void limitAndLabelCalls() throws IOException {
    StoreApi a = new QueryableStoreApi(data("api", "db"), Labels.of("cluster", "a"));
    StoreApi b = new QueryableStoreApi(data("web"), Labels.of("cluster", "b"));
    StoreApi broken = failing(b);
    ProxyStore p = proxy(List.of(member("a", a), member("b", b), member("broken", broken)), Duration.ZERO);
    assertThat(collect(p, req(Matcher.eq("__name__", "up")).limit(2).build()).series).hasSize(2);
    LabelValuesResponse jobs = p.labelValues(LabelValuesRequest.of("job", 0, 10_000_000, List.of()));
    assertThat(jobs.values()).containsExactly("api", "db", "web");
    assertThat(jobs.warnings()).singleElement().asString().contains("broken");
    LabelNamesResponse names = p.labelNames(LabelNamesRequest.of(0, 10_000_000, List.of()));
    assertThat(names.names()).containsExactly("__name__", "cluster", "job");
    assertThat(p.info().labelSets()).containsExactly(Labels.of("cluster", "a"), Labels.of("cluster", "b"));
  }

  static StoreApi counting(StoreApi api, AtomicInteger calls) {
    return new Delegating(api) {
      @Override
      public void series(SeriesRequest request, SeriesSink sink) throws IOException {
        calls.incrementAndGet();
        super.series(request, sink);
      }
    };
  }

  static StoreApi failing(StoreApi api) {
    return new Delegating(api) {
      @Override
      public void series(SeriesRequest request, SeriesSink sink) throws IOException {
        throw new IOException("disk on fire");
      }

      @Override
      public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
        throw new IOException("disk on fire");
      }

      @Override
      public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
        throw new IOException("disk on fire");
      }
    };
  }

  static class Delegating implements StoreApi {
    final StoreApi d;

    Delegating(StoreApi d) {
      this.d = d;
    }

    @Override
    public void series(SeriesRequest request, SeriesSink sink) throws IOException {
      d.series(request, sink);
    }

    @Override
    public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
      return d.labelNames(request);
    }

    @Override
    public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
      return d.labelValues(request);
    }

    @Override
    public StoreInfo info() throws IOException {
      return d.info();
    }
  }

  @Test
  void aSingleStoreStreamsDirectlyAndItsFailureIsAWarningOrAnError() throws IOException {
    StoreApi broken = failing(new QueryableStoreApi(data("api"), Labels.of("cluster", "b")));
    ProxyStore p = proxy(List.of(member("broken:10901", broken)), Duration.ZERO);
    Collected c = collect(p, req(Matcher.eq("__name__", "up")).build());
    assertThat(c.warnings).singleElement().asString().contains("store broken:10901: ", "disk on fire");
    assertThatThrownBy(() -> collect(p,
            req(Matcher.eq("__name__", "up")).partialResponseStrategy(PartialResponseStrategy.ABORT).build()))
        .isInstanceOf(StoreApiException.class)
        .hasMessageContaining("store broken:10901: ")
        .hasMessageContaining("disk on fire");
    // A failing sink (the consumer went away) is not the store's failure: it passes through as is.
    StoreApi good = new QueryableStoreApi(data("api", "db"), Labels.of("cluster", "a"));
    ProxyStore q = proxy(List.of(member("good", good)), Duration.ZERO);
    StoreApiException gone = StoreApiException.cancelled("client went away");
    assertThatThrownBy(() -> q.series(req(Matcher.eq("__name__", "up")).build(), r -> {
      throw gone;
    })).isSameAs(gone);
    assertThat(collect(q, req(Matcher.eq("__name__", "up")).build()).series()).hasSize(2);
  }
}

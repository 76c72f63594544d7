package dev.hypnos.querier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The fan-out's k-way merge on random store contents, against a merge built by sorting. */
class ProxyStoreMergeTest {
  /** A store that streams a fixed list as it is. */
  /** A store that sends the same responses to every Series call. */
  record ListStore(List<SeriesResponse> responses) implements StoreApi {
    static ListStore ofSeries(List<StoreSeries> series) {
      List<SeriesResponse> out = new ArrayList<>(series.size());
      for (StoreSeries s : series) {
        out.add(new SeriesResponse.SeriesItem(s));
      }
      return new ListStore(out);
    }

    @Override
    public void series(SeriesRequest request, SeriesSink sink) {
      responses.forEach(sink::send);
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
      return new StoreInfo(List.of(), Long.MIN_VALUE, Long.MAX_VALUE, false, true, List.of());
    }
  }

  static StoreChunk chunk(Random rnd) {
    long min = rnd.nextInt(4) * 1000L;
    byte[] data = new byte[] {0, 1, (byte) rnd.nextInt(3)};
    return StoreChunk.raw(min, min + 999, ChunkData.hashed(ChunkData.Encoding.XOR, data));
  }

  static String describe(StoreSeries s) {
    StringBuilder sb = new StringBuilder(s.labels().toString());
    for (StoreChunk c : s.chunks()) {
      sb.append(' ').append(c.minTime()).append('-').append(c.maxTime()).append(':').append(c.raw().array()[c.raw().offset() + 2]);
    }
    return sb.toString();
  }

  @Test
  void mergesLikeSortingAllStoresAndGroupingEqualLabelSets() throws IOException {
    Random rnd = new Random(5);
    for (int round = 0; round < 60; round++) {
      int stores = 2 + rnd.nextInt(5); // one store is streamed through without merging
      List<ProxyStore.Member> members = new ArrayList<>();
      // Reference: label set -> the copies in store order (within a store, in stream order).
      TreeMap<Labels, List<StoreSeries>> want = new TreeMap<>();
      for (int s = 0; s < stores; s++) {
        List<StoreSeries> list = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          if (rnd.nextInt(3) != 0) {
            continue;
          }
          Labels l = Labels.of("__name__", "m", "i", String.format("%03d", i), "x", rnd.nextInt(3) == 0 ? "é" : "a");
          int copies = rnd.nextInt(8) == 0 ? 2 : 1; // a store repeating a label set (unstripped replicas)
          for (int c = 0; c < copies; c++) {
            List<StoreChunk> chunks = new ArrayList<>();
            int n = 1 + rnd.nextInt(3);
            for (int k = 0; k < n; k++) {
              chunks.add(chunk(rnd));
            }
            list.add(new StoreSeries(l, chunks));
          }
        }
        list.sort((a, b) -> a.labels().compareTo(b.labels()));
        for (StoreSeries ss : list) {
          want.computeIfAbsent(ss.labels(), k -> new ArrayList<>()).add(ss);
        }
        ListStore st = ListStore.ofSeries(list);
        members.add(new ProxyStore.Member("store-" + s, st, st.info()));
      }
      List<String> expected = new ArrayList<>();
      for (List<StoreSeries> copies : want.values()) {
        expected.add(describe(copies.size() == 1 ? copies.get(0) : ProxyStore.mergeChunks(copies)));
      }
      List<String> got = new ArrayList<>();
      try (ProxyStore proxy = new ProxyStore(() -> members, Duration.ZERO, true)) {
        proxy.series(SeriesRequest.builder(0, 10_000, List.of(Matcher.eq("__name__", "m"))).build(), r -> {
          if (r instanceof SeriesResponse.SeriesItem si) {
            got.add(describe(si.series()));
          }
        });
      }
      assertThat(got).as("round %d with %d stores", round, stores).containsExactlyElementsOf(expected);
    }
  }

  /**
   * Streams many times longer than a store's hand-off queue, with warnings in between: every
   * series comes out once in label order, single copies as the very responses their store sent,
   * and every warning is forwarded.
   */
  @Test
  void longStreamsWithWarningsInBetween() throws IOException {
    int stores = 3;
    int perStore = 20 * ProxyStore.QUEUE_SIZE + 17;
    List<ProxyStore.Member> members = new ArrayList<>();
    TreeMap<Labels, Integer> copies = new TreeMap<>();
    List<SeriesResponse> sent = new ArrayList<>();
    for (int s = 0; s < stores; s++) {
      List<StoreSeries> series = new ArrayList<>();
      for (int i = 0; i < perStore; i++) {
        // Stores 0 and 1 share every fifth series; the rest is their own.
        String id = i % 5 == 0 && s < 2 ? "shared-" + i : s + "-" + i;
        Labels l = Labels.of("__name__", "m", "id", id);
        copies.merge(l, 1, Integer::sum);
        series.add(new StoreSeries(l, List.of(StoreChunk.raw(0, 999,
            ChunkData.hashed(ChunkData.Encoding.XOR, new byte[] {(byte) s})))));
      }
      series.sort((a, b) -> a.labels().compareTo(b.labels()));
      List<SeriesResponse> responses = new ArrayList<>();
      for (int i = 0; i < perStore; i++) {
        if (i % 300 == 0) {
          responses.add(new SeriesResponse.Warning("store " + s + " at " + i));
        }
        responses.add(new SeriesResponse.SeriesItem(series.get(i)));
      }
      sent.addAll(responses);
      StoreApi st = new ListStore(responses);
      members.add(new ProxyStore.Member("store-" + s, st, st.info()));
    }
    List<Labels> got = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    java.util.Set<SeriesResponse> forwarded = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    try (ProxyStore proxy = new ProxyStore(() -> members, Duration.ZERO, true)) {
      proxy.series(SeriesRequest.builder(0, 10_000, List.of(Matcher.eq("__name__", "m"))).build(), r -> {
        switch (r) {
          case SeriesResponse.SeriesItem si -> {
            got.add(si.series().labels());
            forwarded.add(r);
          }
          case SeriesResponse.Warning w -> warnings.add(w.message());
          case SeriesResponse.Hints h -> { }
        }
      });
    }
    assertThat(got).containsExactlyElementsOf(copies.keySet());
    assertThat(warnings).hasSize(3 * ((perStore + 299) / 300));
    long singlesForwardedAsSent = sent.stream().filter(forwarded::contains).count();
    assertThat(singlesForwardedAsSent).isEqualTo(copies.values().stream().filter(c -> c == 1).count());
  }

  @Test
  void handOffKeepsOrderAcrossWrapsAndTimesOutWhenEmpty() throws Exception {
    ProxyStore.HandOff q = new ProxyStore.HandOff(4);
    Object[] dst = new Object[4];
    assertThat(q.takeAll(dst, 1_000_000)).isZero(); // 1 ms, nothing queued
    int next = 0;
    int expect = 0;
    for (int round = 0; round < 10; round++) {
      int put = 1 + round % 4;
      for (int i = 0; i < put; i++) {
        q.put(next++);
      }
      int n = q.takeAll(dst, 0);
      assertThat(n).isEqualTo(put);
      for (int i = 0; i < n; i++) {
        assertThat(dst[i]).isEqualTo(expect++);
      }
    }
    // A full queue holds its producer until the consumer takes everything.
    for (int i = 0; i < 4; i++) {
      q.put(i);
    }
    java.util.concurrent.CompletableFuture<Void> fifth = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        q.put(4);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(q.takeAll(dst, 0)).isEqualTo(4);
    fifth.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(q.takeAll(dst, 0)).isEqualTo(1);
    assertThat(dst[0]).isEqualTo(4);
  }

  @Test
  void equalCopiesMergeToTheFirstAndDifferentOnesToTheirUnion() {
    StoreChunk a = StoreChunk.raw(0, 999, ChunkData.hashed(ChunkData.Encoding.XOR, new byte[] {1}));
    StoreChunk b = StoreChunk.raw(1000, 1999, ChunkData.hashed(ChunkData.Encoding.XOR, new byte[] {2}));
    StoreChunk c = StoreChunk.raw(500, 1499, ChunkData.hashed(ChunkData.Encoding.XOR, new byte[] {3}));
    Labels l = Labels.of("a", "1");
    StoreSeries first = new StoreSeries(l, List.of(a, b));
    assertThat(ProxyStore.mergeChunks(List.of(first, new StoreSeries(l, List.of(a, b))))).isSameAs(first);
    StoreSeries merged = ProxyStore.mergeChunks(List.of(first, new StoreSeries(l, List.of(a, c))));
    assertThat(merged.chunks()).containsExactly(a, c, b);
    // Unsorted first copy: sorted in the result.
    StoreSeries unsorted = ProxyStore.mergeChunks(List.of(new StoreSeries(l, List.of(b, a)), new StoreSeries(l, List.of(b, a))));
    assertThat(unsorted.chunks()).containsExactly(a, b);
  }
}

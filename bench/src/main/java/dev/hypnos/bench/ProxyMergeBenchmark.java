package dev.hypnos.bench;

import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.querier.ProxyStore;
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
import dev.hypnos.core.labels.Matcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The querier's fan-out merge ({@link ProxyStore#series}) across four in-memory stores: each
 * store streams its sorted series (one 120-sample XOR chunk each, labels like a node exporter's:
 * {@code __name__}, {@code instance}, {@code job}, {@code cpu}) on its own virtual thread through the
 * proxy's bounded queues into the k-way merge; the sink only counts.
 *
 * <p>{@code layout=disjoint}: {@value #MERGED} distinct series dealt round-robin to the stores, so
 * every step of the merge compares heads of all four streams. {@code layout=replicated}: the same
 * series in two stores each (two HA pairs whose replica label was stripped), so every output
 * series merges two copies and deduplicates their identical chunks.
 *
 * <p>One operation is one output series ({@code @OperationsPerInvocation}): the score is
 * ns/series.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProxyMergeBenchmark {
  /** Output series per call. */
  static final int MERGED = 100_000;
  static final int STORES = 4;

  @Param({"disjoint", "replicated"})
  public String layout = "disjoint";

  private ProxyStore proxy;
  private SeriesRequest request;

  /** A store that streams a fixed sorted list. */
  static final class ListStore implements StoreApi {
    final List<StoreSeries> series;

    ListStore(List<StoreSeries> series) {
      this.series = series;
    }

    @Override
    public void series(SeriesRequest request, SeriesSink sink) {
      for (int i = 0; i < series.size(); i++) {
        sink.send(new SeriesResponse.SeriesItem(series.get(i)));
      }
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

  /** Sorted series of the merged output, each with one XOR chunk (shared bytes, own hash). */
  static List<StoreSeries> series(int n) {
    List<StoreSeries> out = new ArrayList<>(n);
    XorEncoder enc = new XorEncoder();
    for (int i = 0; i < n; i++) {
      enc.reset();
      for (int k = 0; k < 120; k++) {
        enc.append(k * 15_000L + (k * 37 % 11), i + k);
      }
      Labels l = Labels.of("__name__", "node_cpu_seconds_total", "cpu", String.valueOf(i % 8),
          "instance", String.format("host-%06d:9100", i / 8), "job", "node");
      out.add(new StoreSeries(l, List.of(StoreChunk.raw(0, 119 * 15_000L, ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes())))));
    }
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    return out;
  }

  @Setup(Level.Trial)
  public void setUp() {
    List<StoreSeries> all = series(MERGED);
    List<List<StoreSeries>> perStore = new ArrayList<>();
    for (int s = 0; s < STORES; s++) {
      perStore.add(new ArrayList<>());
    }
    for (int i = 0; i < all.size(); i++) {
      if (layout.equals("disjoint")) {
        perStore.get(i % STORES).add(all.get(i));
      } else {
        // Pair (0, 1) holds the even series, pair (2, 3) the odd ones.
        int pair = (i % 2) * 2;
        perStore.get(pair).add(all.get(i));
        perStore.get(pair + 1).add(all.get(i));
      }
    }
    List<ProxyStore.Member> members = new ArrayList<>();
    for (int s = 0; s < STORES; s++) {
      ListStore st = new ListStore(perStore.get(s));
      members.add(new ProxyStore.Member("store-" + s, st, st.info()));
    }
    proxy = new ProxyStore(() -> members, Duration.ZERO, true);
    request = SeriesRequest.builder(Long.MIN_VALUE, Long.MAX_VALUE,
        List.of(Matcher.eq("__name__", "node_cpu_seconds_total"))).build();
    long n = run(null);
    if (n != MERGED) {
      throw new IllegalStateException("merged " + n + " series, expected " + MERGED);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    proxy.close();
  }

  private long run(Blackhole bh) {
    long[] count = new long[1];
    try {
      proxy.series(request, r -> {
        if (r instanceof SeriesResponse.SeriesItem s) {
          count[0]++;
          if (bh != null) {
            bh.consume(s.series());
          }
        }
      });
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return count[0];
  }

  @Benchmark
  @OperationsPerInvocation(MERGED)
  public long merge(Blackhole bh) {
    return run(bh);
  }
}

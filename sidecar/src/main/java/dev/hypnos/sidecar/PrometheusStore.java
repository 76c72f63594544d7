package dev.hypnos.sidecar;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storeapi.TsdbInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Store API answered by a Prometheus server, as the Thanos sidecar answers it.
 *
 * <ul>
 *   <li>External labels come from Prometheus's loaded configuration, read at start (no external
 *       labels: refused) and refreshed every {@code configInterval}.
 *   <li>Series: matchers on external labels are checked against them (a contradiction gives no
 *       series) and dropped; the rest go to remote read (streamed chunks passed through, or
 *       samples re-encoded into XOR chunks). Labels are extended with the external labels
 *       (external wins), replica labels removed, and everything re-sorted before sending, since
 *       both steps can change the order. {@code skip_chunks} uses {@code /api/v1/series}.
 *   <li>Label names and values use Prometheus's label API, with the external labels added.
 *   <li>Info: the external labels, min time = the lowest block or head time Prometheus has, max
 *       time unbounded.
 * </ul>
 *
 * <p>Memory: the answer is buffered for re-sorting (as in Thanos), but each streamed frame is
 * converted to its final form as it arrives, so only the converted series are held.
 *
 * <p>Concurrency: thread-safe. {@link #close} stops the refresh.
 */
public final class PrometheusStore implements StoreApi, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusStore.class);
  private static final Matcher ANY_NAME = Matcher.re("__name__", ".+");

  private final PrometheusClient client;
  private final @Nullable Path tsdbPath;
  private final boolean preferStreamed;
  private final ScheduledExecutorService refresher;
  private volatile Labels externalLabels;
  private volatile PrometheusClient.@Nullable ResponseType lastResponseType;

  private PrometheusStore(PrometheusClient client, @Nullable Path tsdbPath, boolean preferStreamed, Labels externalLabels) {
    this.client = client;
    this.tsdbPath = tsdbPath;
    this.preferStreamed = preferStreamed;
    this.externalLabels = externalLabels;
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "prometheus-config-refresh");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Reads Prometheus's external labels and starts refreshing them every {@code configInterval}.
   *
   * @param tsdbPath Prometheus's data directory, for the lowest block time; null to use the head
   *     only
   * @param preferStreamed whether to ask for streamed XOR chunks first (false: SAMPLES only)
   * @throws IOException when Prometheus cannot be reached
   * @throws IllegalStateException when Prometheus has no external labels
   */
  public static PrometheusStore start(
      PrometheusClient client, @Nullable Path tsdbPath, Duration configInterval, boolean preferStreamed) throws IOException {
    Objects.requireNonNull(client, "client");
    Labels ext = client.externalLabels();
    if (ext.isEmpty()) {
      throw new IllegalStateException("start the sidecar for Prometheus at " + client.baseUrl()
          + ": its configuration has no global.external_labels; the querier cannot tell its data apart from other"
          + " Prometheus servers' without them. Set external labels (e.g. cluster, replica) in prometheus.yml");
    }
    PrometheusStore store = new PrometheusStore(client, tsdbPath, preferStreamed, ext);
    long ms = configInterval.toMillis();
    if (ms > 0) {
      store.refresher.scheduleWithFixedDelay(store::refreshExternalLabels, ms, ms, TimeUnit.MILLISECONDS);
    }
    return store;
  }

  /** Re-reads the external labels; keeps the old ones when Prometheus fails or reports none. */
  public void refreshExternalLabels() {
    try {
      Labels ext = client.externalLabels();
      if (ext.isEmpty()) {
        LOG.warn("refresh external labels from {}: none configured any more; keeping {}", client.baseUrl(), externalLabels);
        return;
      }
      if (!ext.equals(externalLabels)) {
        LOG.info("external labels of {} changed from {} to {}", client.baseUrl(), externalLabels, ext);
        externalLabels = ext;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("refresh external labels from {}: {}", client.baseUrl(), e.toString());
    }
  }

  /** The external labels in use. */
  public Labels externalLabels() {
    return externalLabels;
  }

  /** The response type of the last remote read, null before the first one. */
  public PrometheusClient.@Nullable ResponseType lastResponseType() {
    return lastResponseType;
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) throws IOException {
    Labels ext = externalLabels;
    List<Matcher> matchers = promMatchers(request.matchers(), ext);
    if (matchers == null) {
      return;
    }
    List<String> without = request.withoutReplicaLabels();
    List<StoreSeries> out = new ArrayList<>();
    try {
      if (request.skipChunks()) {
        for (Labels ls : client.series(request.minTime(), request.maxTime(), matchers)) {
          out.add(new StoreSeries(finalLabels(ls, ext, without), List.of()));
        }
      } else {
        lastResponseType = client.remoteRead(request.minTime(), request.maxTime(), matchers, preferStreamed,
            (ls, chunks) -> out.add(new StoreSeries(finalLabels(ls, ext, without), chunks)));
      }
    } catch (IOException e) {
      throw StoreApiException.unavailable("read series " + request.matchers() + " from Prometheus at " + client.baseUrl()
          + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(StoreSeries::labels));
    long limit = request.hasLimit() ? request.limit() : Long.MAX_VALUE;
    long sent = 0;
    for (int i = 0; i < out.size() && sent < limit; ) {
      StoreSeries s = out.get(i);
      int j = i + 1;
      if (j < out.size() && out.get(j).labels().equals(s.labels())) {
        // equal after replica labels were removed: one series with all chunks
        List<StoreChunk> chunks = new ArrayList<>(s.chunks());
        while (j < out.size() && out.get(j).labels().equals(s.labels())) {
          chunks.addAll(out.get(j).chunks());
          j++;
        }
        chunks.sort(Comparator.comparingLong(StoreChunk::minTime));
        s = new StoreSeries(s.labels(), chunks);
      }
      sink.series(s);
      sent++;
      i = j;
    }
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
    Labels ext = externalLabels;
    List<Matcher> matchers = promMatchers(request.matchers(), ext);
    if (matchers == null) {
      return LabelNamesResponse.of(List.of());
    }
    List<String> names;
    try {
      names = client.labelNames(request.start(), request.end(), matchers);
    } catch (IOException e) {
      throw StoreApiException.unavailable("read label names from Prometheus at " + client.baseUrl() + ": " + e.getMessage(), e);
    }
    TreeSet<String> set = new TreeSet<>(Labels::compareStrings);
    set.addAll(names);
    if (!set.isEmpty()) {
      for (Label l : ext) {
        set.add(l.name());
      }
    }
    request.withoutReplicaLabels().forEach(set::remove);
    return LabelNamesResponse.of(limit(new ArrayList<>(set), request.limit()));
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
    if (request.withoutReplicaLabels().contains(request.label())) {
      return LabelValuesResponse.of(List.of());
    }
    Labels ext = externalLabels;
    List<Matcher> matchers = promMatchers(request.matchers(), ext);
    if (matchers == null) {
      return LabelValuesResponse.of(List.of());
    }
    String extValue = ext.get(request.label());
    if (extValue != null) {
      return LabelValuesResponse.of(List.of(extValue));
    }
    List<String> values;
    try {
      values = client.labelValues(request.label(), request.start(), request.end(), matchers);
    } catch (IOException e) {
      throw StoreApiException.unavailable("read values of label " + request.label() + " from Prometheus at "
          + client.baseUrl() + ": " + e.getMessage(), e);
    }
    TreeSet<String> set = new TreeSet<>(Labels::compareStrings);
    set.addAll(values);
    return LabelValuesResponse.of(limit(new ArrayList<>(set), request.limit()));
  }

  @Override
  public StoreInfo info() throws IOException {
    Labels ext = externalLabels;
    long min = lowestTime();
    return new StoreInfo(List.of(ext), min, Long.MAX_VALUE, false, true, List.of(new TsdbInfo(ext, min, Long.MAX_VALUE)));
  }

  /**
   * The lowest timestamp Prometheus holds: the earliest block in the TSDB directory or the head's
   * min time, whichever is lower; {@code Long.MIN_VALUE} when neither is known.
   */
  private long lowestTime() throws IOException {
    long min = Long.MAX_VALUE;
    Path dir = tsdbPath;
    if (dir != null && Files.isDirectory(dir)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          if (BlockId.isValid(p.getFileName().toString()) && Files.isRegularFile(p.resolve(BlockMetaJson.FILE_NAME))) {
            try {
              BlockMeta meta = BlockMetaJson.read(p);
              min = Math.min(min, meta.minTime());
            } catch (IOException | RuntimeException e) {
              LOG.debug("read meta.json of {} for the lowest time: {}", p, e.toString());
            }
          }
        }
      }
    }
    try {
      OptionalLong head = client.headMinTime();
      if (head.isPresent()) {
        min = Math.min(min, head.getAsLong());
      }
    } catch (IOException e) {
      throw StoreApiException.unavailable("read TSDB status from Prometheus at " + client.baseUrl() + ": " + e.getMessage(), e);
    }
    return min == Long.MAX_VALUE ? Long.MIN_VALUE : min;
  }

  /**
   * The matchers to send to Prometheus: those on external labels checked and dropped; null when one
   * contradicts the external labels. Never all-empty-matching (Prometheus's selector rules).
   */
  private static @Nullable List<Matcher> promMatchers(List<Matcher> matchers, Labels ext) {
    List<Matcher> out = new ArrayList<>(matchers.size() + 1);
    boolean anyNonEmpty = false;
    for (Matcher m : matchers) {
      String v = ext.get(m.name());
      if (v != null) {
        if (!m.matches(v)) {
          return null;
        }
        continue;
      }
      out.add(m);
      anyNonEmpty |= !m.matchesEmpty();
    }
    if (!anyNonEmpty && !(out.isEmpty() && matchers.isEmpty())) {
      out.add(ANY_NAME);
    }
    return out;
  }

  private static Labels finalLabels(Labels series, Labels ext, List<String> without) {
    List<Label> out = new ArrayList<>(series.size() + ext.size());
    for (Label l : series) {
      if (ext.get(l.name()) == null && !without.contains(l.name())) {
        out.add(l);
      }
    }
    for (Label l : ext) {
      if (!without.contains(l.name())) {
        out.add(l);
      }
    }
    return Labels.fromUnsorted(out);
  }

  private static List<String> limit(List<String> list, long limit) {
    return limit > 0 && list.size() > limit ? list.subList(0, (int) limit) : list;
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }

  @Override
  public String toString() {
    return "PrometheusStore{" + client.baseUrl() + ", " + externalLabels + "}";
  }
}

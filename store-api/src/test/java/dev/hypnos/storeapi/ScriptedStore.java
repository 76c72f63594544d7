package dev.hypnos.storeapi;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A hand-written store whose Series behaviour a test scripts; label calls answer or fail as told. */
final class ScriptedStore implements StoreApi {
  @FunctionalInterface
  interface Script {
    void run(SeriesRequest request, SeriesSink sink) throws IOException;
  }

  private final Script script;
  private final RuntimeException labelFailure;
  final AtomicInteger seriesCalls = new AtomicInteger();
  private volatile boolean local;

  ScriptedStore(Script script) {
    this(script, null);
  }

  ScriptedStore(Script script, RuntimeException labelFailure) {
    this.script = script;
    this.labelFailure = labelFailure;
  }

  /** Makes the store say its calls start quickly ({@link StoreApi#seriesStartsQuickly}). */
  ScriptedStore local() {
    local = true;
    return this;
  }

  @Override
  public boolean seriesStartsQuickly(SeriesRequest request) {
    return local;
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) throws IOException {
    seriesCalls.incrementAndGet();
    script.run(request, sink);
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) {
    if (labelFailure != null) {
      throw labelFailure;
    }
    return new LabelNamesResponse(List.of("__name__", "job"), List.of("names warning"), null);
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) {
    if (labelFailure != null) {
      throw labelFailure;
    }
    return LabelValuesResponse.of(List.of("a-" + request.label(), "b-" + request.label()));
  }

  @Override
  public StoreInfo info() {
    return new StoreInfo(List.of(), 0, 1000, false, true, List.of());
  }
}

package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import java.util.Objects;

/**
 * One item of a Series stream: a series, a warning, or store-specific hints. Series arrive sorted
 * by labels; warnings and hints may come at any point.
 */
public sealed interface SeriesResponse {

  /** A series; the gRPC adapter groups these into batches when the client asks. */
  record SeriesItem(StoreSeries series) implements SeriesResponse {
    public SeriesItem {
      Objects.requireNonNull(series, "series");
    }
  }

  /** A non-fatal problem, e.g. a partial response. */
  record Warning(String message) implements SeriesResponse {
    public Warning {
      Objects.requireNonNull(message, "message");
    }
  }

  /** Store-specific hints ({@code hintspb.SeriesResponseHints} for a store gateway). */
  record Hints(Any hints) implements SeriesResponse {
    public Hints {
      Objects.requireNonNull(hints, "hints");
    }
  }

  static SeriesResponse series(StoreSeries series) {
    return new SeriesItem(series);
  }

  static SeriesResponse warning(String message) {
    return new Warning(message);
  }

  static SeriesResponse hints(Any hints) {
    return new Hints(hints);
  }
}

package dev.hypnos.promql.parser;

/**
 * A half-open range {@code [start, end)} of character offsets into the query text. Prometheus
 * counts bytes; since queries are Java strings we count UTF-16 chars and convert to byte columns
 * only when formatting error positions.
 */
public record PositionRange(int start, int end) {
  /** The range of nodes built outside a parser (tests, rewrites). */
  public static final PositionRange NONE = new PositionRange(-1, -1);

  /**
   * Prometheus's {@code line:col} form of the start in {@code query} (1-based; the column counts
   * UTF-8 bytes), as used in parse errors and annotation suffixes; "unknown position" for an
   * empty query and "invalid position" for an offset outside it.
   */
  public String startPosition(String query) {
    return ParseException.position(query, start);
  }

  /** The smallest range covering both. */
  public PositionRange span(PositionRange other) {
    return new PositionRange(Math.min(start, other.start), Math.max(end, other.end));
  }
}

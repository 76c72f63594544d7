package dev.hypnos.promql.parser;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A PromQL syntax or type error. The message is formatted like Prometheus's: {@code 1:5: parse
 * error: unexpected <op:+>} where {@code line:col} is 1-based and the column counts UTF-8 bytes
 * from the start of the line (as Prometheus does).
 */
public final class ParseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final PositionRange position;
  private final String detail;
  private final String query;

  public ParseException(PositionRange position, String detail, String query) {
    super(position(query, position.start()) + ": parse error: " + detail);
    this.position = Objects.requireNonNull(position, "position");
    this.detail = Objects.requireNonNull(detail, "detail");
    this.query = Objects.requireNonNull(query, "query");
  }

  /** Where in the query the problem is (char offsets). */
  public PositionRange position() {
    return position;
  }

  /** The message without the position prefix, e.g. {@code unexpected <op:+>}. */
  public String detail() {
    return detail;
  }

  public String query() {
    return query;
  }

  static String position(String query, int pos) {
    if (query.isEmpty()) {
      return "unknown position";
    }
    if (pos < 0 || pos > query.length()) {
      return "invalid position";
    }
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < pos; i++) {
      if (query.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int col = query.substring(lineStart, pos).getBytes(StandardCharsets.UTF_8).length + 1;
    return line + ":" + col;
  }
}

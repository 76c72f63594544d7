package dev.hypnos.core.labels;

/**
 * A series selector that does not parse. The message has Prometheus's form,
 * {@code <line>:<column>: parse error: <detail>}, with a 1-based line and a 1-based column counted
 * in UTF-8 bytes as Prometheus counts them.
 */
public final class SelectorParseException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;
  private final String detail;

  SelectorParseException(int line, int column, String detail) {
    super(line + ":" + column + ": parse error: " + detail);
    this.line = line;
    this.column = column;
    this.detail = detail;
  }

  SelectorParseException(int line, int column, String detail, Throwable cause) {
    this(line, column, detail);
    initCause(cause);
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** The message without the position. */
  public String detail() {
    return detail;
  }
}

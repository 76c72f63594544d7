package dev.hypnos.promql.parser;

/** Unary {@code +} and {@code -}. */
public enum UnaryOp {
  ADD("+"),
  SUB("-");

  private final String text;

  UnaryOp(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}

package dev.hypnos.promql.parser;

/**
 * Binary operators with their precedence (higher binds tighter): {@code ^} (6, right
 * associative); {@code * / % atan2} (5); {@code + -} (4); comparisons and {@code </ >/} (3); {@code and unless}
 * (2); {@code or} (1).
 */
public enum BinaryOp {
  ADD("+", 4),
  SUB("-", 4),
  MUL("*", 5),
  DIV("/", 5),
  MOD("%", 5),
  ATAN2("atan2", 5),
  POW("^", 6),
  EQLC("==", 3),
  NEQ("!=", 3),
  LTE("<=", 3),
  LSS("<", 3),
  GTE(">=", 3),
  GTR(">", 3),
  /** {@code </}: trims native histogram observations above the scalar (not a comparison). */
  TRIM_UPPER("</", 3),
  /** {@code >/}: trims native histogram observations below the scalar (not a comparison). */
  TRIM_LOWER(">/", 3),
  AND("and", 2),
  UNLESS("unless", 2),
  OR("or", 1);

  private final String text;
  private final int precedence;

  BinaryOp(String text, int precedence) {
    this.text = text;
    this.precedence = precedence;
  }

  /** The operator as written in PromQL. */
  public String text() {
    return text;
  }

  public int precedence() {
    return precedence;
  }

  /** Only {@code ^} groups right to left. */
  public boolean isRightAssociative() {
    return this == POW;
  }

  /** {@code == != <= < >= >} (not the trim operators, which share their precedence). */
  public boolean isComparison() {
    return precedence == 3 && this != TRIM_UPPER && this != TRIM_LOWER;
  }

  /** {@code and}, {@code or}, {@code unless}: many-to-many, vectors only. */
  public boolean isSetOperator() {
    return this == AND || this == OR || this == UNLESS;
  }

  @Override
  public String toString() {
    return text;
  }
}

package dev.hypnos.core.labels;

/** The four label matching operators of PromQL, with their textual form. */
public enum MatchType {
  /** {@code =}: the value equals the given string. */
  EQ("="),
  /** {@code !=}: the value differs from the given string. */
  NEQ("!="),
  /** {@code =~}: the value fully matches the given RE2 regular expression. */
  RE("=~"),
  /** {@code !~}: the value does not fully match the given RE2 regular expression. */
  NRE("!~");

  private final String operator;

  MatchType(String operator) {
    this.operator = operator;
  }

  /** The PromQL operator, e.g. {@code =~}. */
  public String operator() {
    return operator;
  }

  /** True for {@link #RE} and {@link #NRE}. */
  public boolean isRegex() {
    return this == RE || this == NRE;
  }

  /** True for {@link #NEQ} and {@link #NRE}. */
  public boolean isNegative() {
    return this == NEQ || this == NRE;
  }

  /** The operator with the opposite outcome: EQ/NEQ and RE/NRE swap. */
  public MatchType inverse() {
    return switch (this) {
      case EQ -> NEQ;
      case NEQ -> EQ;
      case RE -> NRE;
      case NRE -> RE;
    };
  }

  /** The type for an operator string ({@code =}, {@code !=}, {@code =~}, {@code !~}). */
  public static MatchType fromOperator(String op) {
    for (MatchType t : values()) {
      if (t.operator.equals(op)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown label match operator \"" + op + "\"; expected =, !=, =~ or !~");
  }

  @Override
  public String toString() {
    return operator;
  }
}

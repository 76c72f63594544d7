package dev.hypnos.promql.parser;

/** The type an expression evaluates to. */
public enum ValueType {
  NONE("none", "none"),
  SCALAR("scalar", "scalar"),
  VECTOR("vector", "instant vector"),
  MATRIX("matrix", "range vector"),
  STRING("string", "string");

  private final String wireName;
  private final String documentedName;

  ValueType(String wireName, String documentedName) {
    this.wireName = wireName;
    this.documentedName = documentedName;
  }

  /** The name used in the HTTP API's {@code resultType} ("vector", "matrix", ...). */
  public String wireName() {
    return wireName;
  }

  /** The name used in error messages ("instant vector", "range vector", ...). */
  public String documentedName() {
    return documentedName;
  }
}

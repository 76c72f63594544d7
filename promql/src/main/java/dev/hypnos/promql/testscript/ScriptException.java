package dev.hypnos.promql.testscript;

/** A syntax error in a test script, naming the 1-based line. */
public final class ScriptException extends RuntimeException {
  private final int line;

  public ScriptException(int line, String message) {
    super("line " + line + ": " + message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}

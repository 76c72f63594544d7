package dev.hypnos.core.labels;

import org.jspecify.annotations.Nullable;

/**
 * A regular expression that RE2 (and so Prometheus) would reject. The message has Go's form,
 * {@code error parsing regexp: <problem>: `<offending text>`}, followed by a hint when the
 * construct is one that other regex dialects accept.
 */
public final class RegexSyntaxException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String problem;
  private final String offending;

  RegexSyntaxException(String problem, String offending, @Nullable String hint) {
    super("error parsing regexp: " + problem + ": `" + offending + "`" + (hint == null ? "" : " (" + hint + ")"));
    this.problem = problem;
    this.offending = offending;
  }

  /** The kind of error, e.g. {@code missing closing )}. */
  public String problem() {
    return problem;
  }

  /** The part of the expression the error is about. */
  public String offending() {
    return offending;
  }
}

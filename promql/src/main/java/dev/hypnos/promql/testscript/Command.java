package dev.hypnos.promql.testscript;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** One command of a test script. */
public sealed interface Command permits Command.Load, Command.Clear, Command.Eval {
  /** 1-based line of the command. */
  int line();

  /** {@code load <interval>}: series with one value per interval slot from time 0. */
  record Load(int line, long intervalMs, List<SeriesLine> series, boolean withNhcb) implements Command {
    public Load {
      series = List.copyOf(series);
    }
  }

  /** {@code clear}: deletes all loaded data. */
  record Clear(int line) implements Command {}

  /**
   * An expected annotation or failure text: exact {@code message}, or {@code regex} (find), or
   * neither for "any".
   */
  record Expect(@Nullable String message, @Nullable Pattern regex) {
    public boolean matches(String text) {
      if (message != null) {
        return message.equals(text);
      }
      if (regex != null) {
        return regex.matcher(text).find();
      }
      return true;
    }

    @Override
    public String toString() {
      return message != null ? "msg: " + message : regex != null ? "regex: " + regex : "any";
    }
  }

  /**
   * {@code eval instant at T expr} or {@code eval range from A to B step S expr} with its
   * expectations.
   *
   * @param range true for a range query
   * @param start evaluation time (instant) or range start, milliseconds
   * @param end equal to start for instant queries
   * @param stepMs 0 for instant queries
   * @param fail the expected failure, null when success is expected
   * @param warns expected warnings (empty: unchecked unless noWarn)
   * @param infos expected infos
   * @param rangeVector for {@code expect range vector}: {from, to, step}; null otherwise
   * @param expectedString for {@code expect string}
   * @param expectedScalar for a bare number line
   * @param expected the expected series lines, in written order
   */
  record Eval(
      int line,
      String expr,
      boolean range,
      long start,
      long end,
      long stepMs,
      @Nullable Expect fail,
      List<Expect> warns,
      List<Expect> infos,
      boolean noWarn,
      boolean noInfo,
      boolean ordered,
      long @Nullable [] rangeVector,
      @Nullable String expectedString,
      @Nullable Double expectedScalar,
      List<SeriesLine> expected)
      implements Command {
    public Eval {
      Objects.requireNonNull(expr, "expr");
      warns = List.copyOf(warns);
      infos = List.copyOf(infos);
      expected = List.copyOf(expected);
    }

    /** True when an expected line uses native-histogram notation. */
    public boolean expectsHistograms() {
      for (SeriesLine s : expected) {
        if (s.histogram()) {
          return true;
        }
      }
      return false;
    }
  }
}

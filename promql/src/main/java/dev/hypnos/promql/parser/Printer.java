package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.DurationExpr;
import dev.hypnos.promql.parser.Expr.FillValues;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.ParenExpr;
import dev.hypnos.promql.parser.Expr.StringLiteral;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.UnaryExpr;
import dev.hypnos.promql.parser.Expr.VectorMatching;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Prints expressions in the single-line form of Prometheus's {@code String()} methods, so that
 * parsing the output gives the same tree (apart from positions).
 */
public final class Printer {
  private Printer() {}

  /** The PromQL text of {@code expr}. */
  public static String print(Expr expr) {
    StringBuilder sb = new StringBuilder(64);
    write(sb, expr);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Expr expr) {
    write(sb, expr, false);
  }

  /**
   * {@code arithAfter}: the text is followed by an arithmetic operator (it is the left operand
   * of one), which an offset duration expression in parentheses would otherwise swallow.
   */
  private static void write(StringBuilder sb, Expr expr, boolean arithAfter) {
    switch (expr) {
      case NumberLiteral n -> writeNumber(sb, n);
      case StringLiteral s -> Labels.quoteGo(sb, s.value());
      case VectorSelector v -> writeVectorSelector(sb, v, true, arithAfter);
      case MatrixSelector m -> {
        VectorSelector v = m.selector();
        writeVectorSelector(sb, v, false, false);
        sb.append('[');
        writeRange(sb, m.rangeMs(), m.rangeExpr());
        sb.append(']');
        writeModifiers(sb, v, true, arithAfter);
      }
      case SubqueryExpr s -> {
        write(sb, s.expr());
        sb.append('[');
        writeRange(sb, s.rangeMs(), s.rangeExpr());
        sb.append(':');
        if (s.stepMs() != 0) {
          appendDuration(sb, s.stepMs());
        } else if (s.stepExpr() != null) {
          write(sb, s.stepExpr());
        }
        sb.append(']');
        writeAt(sb, s.at());
        writeOffset(sb, s.offsetMs(), s.offsetExpr(), arithAfter);
      }
      case Call c -> {
        sb.append(c.function().name()).append('(');
        writeList(sb, c.args());
        sb.append(')');
      }
      case AggregateExpr a -> {
        sb.append(a.op().text());
        if (a.without()) {
          sb.append(" without (");
          writeLabelList(sb, a.grouping());
          sb.append(") ");
        } else if (!a.grouping().isEmpty()) {
          sb.append(" by (");
          writeLabelList(sb, a.grouping());
          sb.append(") ");
        }
        sb.append('(');
        Expr param = a.param();
        if (param != null) {
          write(sb, param);
          sb.append(", ");
        }
        write(sb, a.expr());
        sb.append(')');
      }
      case BinaryExpr b -> {
        if (b.op() == BinaryOp.POW
            && b.lhs() instanceof NumberLiteral n
            && !n.duration()
            && n.value() == Double.POSITIVE_INFINITY) {
          // "+Inf ^ x" would parse as +(Inf ^ x); Prometheus prints it that way anyway.
          sb.append("Inf");
        } else {
          write(sb, b.lhs(), isArithmetic(b.op()));
        }
        sb.append(' ').append(b.op().text());
        if (b.returnBool()) {
          sb.append(" bool");
        }
        writeMatching(sb, b.matching());
        sb.append(' ');
        write(sb, b.rhs(), arithAfter);
      }
      case UnaryExpr u -> {
        sb.append(u.op().text());
        write(sb, u.expr(), arithAfter);
      }
      case ParenExpr p -> {
        sb.append('(');
        write(sb, p.expr());
        sb.append(')');
      }
      case DurationExpr d -> writeDuration(sb, d);
    }
  }

  private static void writeList(StringBuilder sb, List<Expr> exprs) {
    for (int i = 0; i < exprs.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      write(sb, exprs.get(i));
    }
  }

  private static void writeRange(StringBuilder sb, long ms, @Nullable DurationExpr expr) {
    if (expr != null) {
      write(sb, expr);
    } else {
      appendDuration(sb, ms);
    }
  }

  private static void writeMatching(StringBuilder sb, @Nullable VectorMatching vm) {
    if (vm == null) {
      return;
    }
    boolean grouped =
        vm.card() == Expr.Cardinality.MANY_TO_ONE || vm.card() == Expr.Cardinality.ONE_TO_MANY;
    if (!vm.matchingLabels().isEmpty() || vm.on() || grouped) {
      sb.append(vm.on() ? " on (" : " ignoring (");
      writeLabelList(sb, vm.matchingLabels());
      sb.append(')');
    }
    if (grouped) {
      sb.append(vm.card() == Expr.Cardinality.MANY_TO_ONE ? " group_left (" : " group_right (");
      writeLabelList(sb, vm.include());
      sb.append(')');
    }
    FillValues f = vm.fill();
    Double l = f.lhs();
    Double r = f.rhs();
    if (l != null && r != null && Double.compare(l, r) == 0) {
      sb.append(" fill (").append(formatGoV(l)).append(')');
    } else {
      if (l != null) {
        sb.append(" fill_left (").append(formatGoV(l)).append(')');
      }
      if (r != null) {
        sb.append(" fill_right (").append(formatGoV(r)).append(')');
      }
    }
  }

  private static void writeLabelList(StringBuilder sb, List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      String n = names.get(i);
      // "inf" and "nan" would lex as numbers, so they stay quoted (Prometheus prints them bare).
      if (Labels.isLegacyName(n)
          && !n.equalsIgnoreCase("inf")
          && !n.equalsIgnoreCase("nan")) {
        sb.append(n);
      } else {
        Labels.quoteGo(sb, n);
      }
    }
  }

  private static void writeVectorSelector(
      StringBuilder sb, VectorSelector v, boolean modifiers, boolean arithAfter) {
    String name = v.name();
    List<String> parts = new ArrayList<>(v.matchers().size());
    for (Matcher m : v.matchers()) {
      if (name != null
          && !name.isEmpty()
          && m.name().equals("__name__")
          && m.type() == MatchType.EQ
          && m.value().equals(name)) {
        continue;
      }
      parts.add(m.toString());
    }
    if (name != null) {
      if (isLegacyMetricName(name) || name.isEmpty()) {
        sb.append(name);
      } else {
        // A UTF-8 metric name has to go inside the braces to stay parseable.
        StringBuilder q = new StringBuilder();
        Labels.quoteGo(q, name);
        parts.add(0, q.toString());
      }
    }
    if (parts.isEmpty() && (name == null || name.isEmpty())) {
      sb.append("{}"); // e.g. info(x, {}); Prometheus prints nothing here
    } else if (!parts.isEmpty()) {
      sb.append('{');
      String first = name != null && !name.isEmpty() && !isLegacyMetricName(name)
          ? parts.remove(0)
          : null;
      parts.sort(Labels::compareStrings);
      if (first != null) {
        parts.add(0, first);
      }
      sb.append(String.join(",", parts));
      sb.append('}');
    }
    if (!modifiers) {
      return;
    }
    writeModifiers(sb, v, false, arithAfter);
  }

  /**
   * The @, anchored/smoothed and offset modifiers of {@code v}. Normally in Prometheus's order
   * (offset last); an offset in sign-chain form followed by an arithmetic operator goes first,
   * so that the @ or anchored/smoothed keyword after it ends the duration expression, which
   * would otherwise take in the operator ("x offset + + 1 - 2 @ 0 / y").
   */
  private static void writeModifiers(
      StringBuilder sb, VectorSelector v, boolean extendedFirst, boolean arithAfter) {
    boolean offsetFirst = arithAfter
        && signChainForm(v.offsetExpr())
        && (v.at() != null || v.anchored() || v.smoothed());
    if (offsetFirst) {
      writeOffset(sb, v.offsetMs(), v.offsetExpr(), arithAfter);
    }
    if (extendedFirst) {
      writeExtended(sb, v);
      writeAt(sb, v.at());
    } else {
      writeAt(sb, v.at());
      writeExtended(sb, v);
    }
    if (!offsetFirst) {
      writeOffset(sb, v.offsetMs(), v.offsetExpr(), arithAfter);
    }
  }

  private static void writeExtended(StringBuilder sb, VectorSelector v) {
    if (v.anchored()) {
      sb.append(" anchored");
    } else if (v.smoothed()) {
      sb.append(" smoothed");
    }
  }

  /** Whether the offset expression is printed after a "+ +" sign chain (see writeOffset). */
  private static boolean signChainForm(@Nullable DurationExpr expr) {
    if (expr == null || isPrimary(expr)) {
      return false;
    }
    if (expr.lhs() == null) {
      // "-step()" or "-(1 + 2)" is read back as a sign applied to one primary; "-1 ^ 2" is not
      // ("offset -1" would end the offset there).
      return !(expr.rhs() instanceof DurationExpr d && isPrimary(d))
          && !(expr.rhs() instanceof NumberLiteral);
    }
    return !print(expr).startsWith("(");
  }

  /** A parenthesised expression, step(), range(), min_of() or max_of(). */
  private static boolean isPrimary(DurationExpr d) {
    return d.wrapped()
        || switch (d.op()) {
          case STEP, RANGE, MIN_OF, MAX_OF -> true;
          default -> false;
        };
  }

  /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*}: a metric name that needs no quotes. */
  public static boolean isLegacyMetricName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * The structure of {@code expr} as printing and re-parsing preserves it: positions removed
   * and each selector's matchers in printed (sorted) order, metric-name matcher last.
   */
  public static Expr canonical(Expr expr) {
    return sortMatchers(stripPositions(expr));
  }

  private static Expr sortMatchers(Expr e) {
    return switch (e) {
      case VectorSelector v -> sortVs(v);
      case MatrixSelector m ->
          new MatrixSelector(sortVs(m.selector()), m.rangeMs(), m.rangeExpr(), m.position());
      case SubqueryExpr s ->
          new SubqueryExpr(
              sortMatchers(s.expr()), s.rangeMs(), s.rangeExpr(), s.stepMs(), s.stepExpr(),
              s.offsetMs(), s.offsetExpr(), s.at(), s.position());
      case Call c -> {
        List<Expr> args = new ArrayList<>(c.args().size());
        for (Expr a : c.args()) {
          args.add(sortMatchers(a));
        }
        yield new Call(c.function(), args, c.position());
      }
      case AggregateExpr a ->
          new AggregateExpr(
              a.op(), sortMatchers(a.expr()), a.param() == null ? null : sortMatchers(a.param()),
              a.grouping(), a.without(), a.position());
      case BinaryExpr b ->
          new BinaryExpr(
              b.op(), sortMatchers(b.lhs()), sortMatchers(b.rhs()), b.matching(), b.returnBool(),
              b.position());
      case UnaryExpr u -> new UnaryExpr(u.op(), sortMatchers(u.expr()), u.position());
      case ParenExpr p -> new ParenExpr(sortMatchers(p.expr()), p.position());
      default -> e;
    };
  }

  private static VectorSelector sortVs(VectorSelector v) {
    List<Matcher> ms = new ArrayList<>(v.matchers());
    String name = v.name();
    Matcher nameMatcher = null;
    if (name != null && !ms.isEmpty()) {
      nameMatcher = ms.remove(ms.size() - 1);
    }
    ms.sort((a, b) -> Labels.compareStrings(a.toString(), b.toString()));
    if (nameMatcher != null) {
      ms.add(nameMatcher);
    }
    return new VectorSelector(
        v.name(), ms, v.offsetMs(), v.offsetExpr(), v.at(), v.anchored(), v.smoothed(),
        v.bypassEmptyMatcherCheck(), v.position());
  }

  private static void writeAt(StringBuilder sb, @Nullable AtModifier at) {
    if (at == null) {
      return;
    }
    switch (at.kind()) {
      case TIMESTAMP ->
          sb.append(" @ ").append(BigDecimal.valueOf(at.timestampMs(), 3).toPlainString());
      case START -> sb.append(" @ start()");
      case END -> sb.append(" @ end()");
    }
  }

  private static boolean isArithmetic(BinaryOp op) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, MOD, POW -> true;
      default -> false;
    };
  }

  private static void writeOffset(
      StringBuilder sb, long ms, @Nullable DurationExpr expr, boolean arithAfter) {
    if (expr != null) {
      sb.append(" offset ");
      String text = print(expr);
      if (signChainForm(expr)) {
        // An unparenthesised arithmetic offset only arises from a leading sign chain such as
        // "offset + -1 - 2"; written plainly it would re-parse as "(x offset -1) - 2".
        sb.append("+ + ");
      } else if (arithAfter && expr.wrapped()) {
        // "x offset (1) * y" would read "* y" into the offset; "+(1)" ends the offset there.
        sb.append('+');
      }
      sb.append(text);
    } else if (ms > 0) {
      sb.append(" offset ");
      appendDuration(sb, ms);
    } else if (ms < 0) {
      sb.append(" offset -");
      appendDuration(sb, -ms);
    }
  }

  private static void writeDuration(StringBuilder sb, DurationExpr d) {
    if (d.wrapped()) {
      sb.append('(');
    }
    Expr lhs = d.lhs();
    Expr rhs = d.rhs();
    switch (d.op()) {
      case STEP -> sb.append("step()");
      case RANGE -> sb.append("range()");
      case MIN_OF, MAX_OF -> {
        sb.append(d.op().text()).append('(');
        write(sb, nonNull(lhs));
        sb.append(", ");
        write(sb, nonNull(rhs));
        sb.append(')');
      }
      default -> {
        if (lhs == null) {
          if (d.op() == Expr.DurationOp.SUB) {
            sb.append('-');
          }
          write(sb, nonNull(rhs));
        } else {
          write(sb, lhs);
          sb.append(' ').append(d.op().text()).append(' ');
          write(sb, nonNull(rhs));
        }
      }
    }
    if (d.wrapped()) {
      sb.append(')');
    }
  }

  private static Expr nonNull(@Nullable Expr e) {
    if (e == null) {
      throw new IllegalStateException("duration expression lacks an operand");
    }
    return e;
  }

  private static void writeNumber(StringBuilder sb, NumberLiteral n) {
    double v = n.value();
    if (n.duration() && !Double.isNaN(v) && !Double.isInfinite(v)) {
      // Prometheus prints -0 as "0s"; we keep the sign so that printing round-trips.
      if (v < 0 || Double.doubleToRawLongBits(v) == Long.MIN_VALUE) {
        sb.append('-');
        appendDuration(sb, secondsToMillis(-v));
      } else {
        appendDuration(sb, secondsToMillis(v));
      }
      return;
    }
    sb.append(formatFloat(v));
  }

  private static long secondsToMillis(double seconds) {
    // A whole number of milliseconds (every duration literal) prints exactly. Prometheus converts
    // via nanoseconds (time.Duration), which loses the last millisecond of durations beyond
    // about 104 days ("8888888881s" printed as "...48m999ms"); other values go that way too.
    long ms = Math.round(seconds * 1000);
    if (ms / 1000.0 == seconds) {
      return ms;
    }
    return (long) (seconds * 1e9) / 1_000_000L;
  }

  /** Go's {@code strconv.FormatFloat(v, 'f', -1, 64)}: shortest digits, no exponent. */
  public static String formatFloat(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return (Double.doubleToRawLongBits(v) < 0) ? "-0" : "0";
    }
    String s = new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    return s;
  }

  /** Go's {@code %v} for a float64 (shortest, exponent form below 1e-4 or from 1e21). */
  public static String formatGoV(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return (Double.doubleToRawLongBits(v) < 0) ? "-0" : "0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(v)).stripTrailingZeros();
    int exp = bd.precision() - bd.scale() - 1;
    if (exp < -4 || exp >= 21) {
      String digits = bd.unscaledValue().abs().toString();
      StringBuilder out = new StringBuilder();
      if (v < 0) {
        out.append('-');
      }
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exp < 0 ? '-' : '+');
      int ae = Math.abs(exp);
      if (ae < 10) {
        out.append('0');
      }
      out.append(ae);
      return out.toString();
    }
    return bd.toPlainString();
  }

  /**
   * Prometheus's duration format ({@code model.Duration.String()}): {@code 1y2w3d4h5m6s7ms},
   * largest unit first, zero parts left out, {@code 0s} for zero.
   */
  public static String formatDuration(long ms) {
    StringBuilder sb = new StringBuilder();
    appendDuration(sb, ms);
    return sb.toString();
  }

  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600 * 1000, 60 * 1000,
    1000, 1
  };
  private static final String[] UNIT_NAMES = {"y", "w", "d", "h", "m", "s", "ms"};

  static void appendDuration(StringBuilder sb, long ms) {
    if (ms == 0) {
      sb.append("0s");
      return;
    }
    long rest = ms;
    if (rest < 0) {
      sb.append('-');
      rest = -rest;
    }
    for (int i = 0; i < UNIT_MS.length; i++) {
      long n = rest / UNIT_MS[i];
      if (n > 0) {
        sb.append(n).append(UNIT_NAMES[i]);
        rest -= n * UNIT_MS[i];
      }
    }
  }

  /** A copy of {@code expr} with every position set to {@link PositionRange#NONE}. */
  public static Expr stripPositions(Expr expr) {
    PositionRange none = PositionRange.NONE;
    return switch (expr) {
      case NumberLiteral n -> new NumberLiteral(n.value(), n.duration(), none);
      case StringLiteral s -> new StringLiteral(s.value(), none);
      case VectorSelector v -> stripVs(v);
      case MatrixSelector m ->
          new MatrixSelector(stripVs(m.selector()), m.rangeMs(), stripD(m.rangeExpr()), none);
      case SubqueryExpr s ->
          new SubqueryExpr(
              stripPositions(s.expr()),
              s.rangeMs(),
              stripD(s.rangeExpr()),
              s.stepMs(),
              stripD(s.stepExpr()),
              s.offsetMs(),
              stripD(s.offsetExpr()),
              s.at(),
              none);
      case Call c -> {
        List<Expr> args = new ArrayList<>(c.args().size());
        for (Expr a : c.args()) {
          args.add(stripPositions(a));
        }
        yield new Call(c.function(), args, none);
      }
      case AggregateExpr a -> {
        Expr p = a.param();
        yield new AggregateExpr(
            a.op(),
            stripPositions(a.expr()),
            p == null ? null : stripPositions(p),
            a.grouping(),
            a.without(),
            none);
      }
      case BinaryExpr b ->
          new BinaryExpr(
              b.op(),
              stripPositions(b.lhs()),
              stripPositions(b.rhs()),
              b.matching(),
              b.returnBool(),
              none);
      case UnaryExpr u -> new UnaryExpr(u.op(), stripPositions(u.expr()), none);
      case ParenExpr p -> new ParenExpr(stripPositions(p.expr()), none);
      case DurationExpr d -> nonNullD(stripD(d));
    };
  }

  private static VectorSelector stripVs(VectorSelector v) {
    return new VectorSelector(
        v.name(),
        v.matchers(),
        v.offsetMs(),
        stripD(v.offsetExpr()),
        v.at(),
        v.anchored(),
        v.smoothed(),
        v.bypassEmptyMatcherCheck(),
        PositionRange.NONE);
  }

  private static @Nullable DurationExpr stripD(@Nullable DurationExpr d) {
    if (d == null) {
      return null;
    }
    Expr l = d.lhs();
    Expr r = d.rhs();
    return new DurationExpr(
        d.op(),
        l == null ? null : stripPositions(l),
        r == null ? null : stripPositions(r),
        d.wrapped(),
        PositionRange.NONE);
  }

  private static DurationExpr nonNullD(@Nullable DurationExpr d) {
    if (d == null) {
      throw new IllegalStateException("unreachable");
    }
    return d;
  }
}

package dev.hypnos.promql.parser;

import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.DurationExpr;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.ParenExpr;
import dev.hypnos.promql.parser.Expr.StringLiteral;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.UnaryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves duration expressions ({@code [step()*2]}, {@code offset (1m+30s)}) once the query's
 * step and range are known, as Prometheus does before evaluation.
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses a Prometheus duration ({@code 1h30m}, {@code 10s53ms}, {@code 1y}, {@code 0}) into
   * milliseconds: integer parts with units y (365d), w, d, h, m, s, ms, largest first.
   *
   * @throws IllegalArgumentException with Prometheus's message ({@code not a valid duration
   *     string: "5m1h"}) when malformed
   */
  public static long parseMillis(String duration) {
    return Parser.parseDurationMs(duration);
  }

  /**
   * Evaluates a duration expression to seconds. {@code stepMs} is the query step (0 for instant
   * queries), {@code rangeMs} is end - start.
   *
   * @throws IllegalArgumentException on division or modulo by zero
   */
  public static double seconds(Expr expr, long stepMs, long rangeMs) {
    return switch (expr) {
      case NumberLiteral n -> n.value();
      case DurationExpr d -> {
        double l = d.lhs() == null ? 0 : seconds(d.lhs(), stepMs, rangeMs);
        double r = d.rhs() == null ? 0 : seconds(d.rhs(), stepMs, rangeMs);
        yield switch (d.op()) {
          case STEP -> stepMs / 1000.0;
          case RANGE -> rangeMs / 1000.0;
          case MIN_OF -> Math.min(l, r);
          case MAX_OF -> Math.max(l, r);
          case ADD -> d.lhs() == null ? r : l + r;
          case SUB -> d.lhs() == null ? -r : l - r;
          case MUL -> l * r;
          case DIV -> {
            if (r == 0) {
              throw new IllegalArgumentException(where(d) + ": division by zero");
            }
            yield l / r;
          }
          case MOD -> {
            if (r == 0) {
              throw new IllegalArgumentException(where(d) + ": modulo by zero");
            }
            yield l % r;
          }
          case POW -> Math.pow(l, r);
        };
      }
      default ->
          throw new IllegalArgumentException(
              "evaluate duration expression: unexpected node " + expr.getClass().getSimpleName());
    };
  }

  /**
   * Evaluates a duration expression to whole milliseconds, checked like Prometheus: finite, in
   * range, and positive unless {@code allowNegative} (offsets).
   */
  public static long millis(DurationExpr expr, long stepMs, long rangeMs, boolean allowNegative) {
    double d = seconds(expr, stepMs, rangeMs);
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException(where(expr) + ": duration is NaN or infinite");
    }
    if (d <= 0 && !allowNegative) {
      throw new IllegalArgumentException(where(expr) + ": duration must be greater than 0");
    }
    if (d > 9.223372036854775807e9 || d < -9.223372036854775808e9) {
      throw new IllegalArgumentException(where(expr) + ": duration is out of range");
    }
    return (long) (d * 1000);
  }

  private static String where(Expr e) {
    return e.position().start() + ":" + e.position().end();
  }

  /**
   * A copy of the tree in which every range, step and offset given as a duration expression has
   * its millisecond value filled in (the expressions stay, for printing).
   *
   * @throws IllegalArgumentException when an expression is invalid for these step and range
   */
  public static Expr resolve(Expr expr, long stepMs, long rangeMs) {
    return switch (expr) {
      case NumberLiteral n -> n;
      case StringLiteral s -> s;
      case DurationExpr d -> d;
      case VectorSelector v -> resolveVs(v, stepMs, rangeMs);
      case MatrixSelector m -> {
        long range = m.rangeExpr() == null
            ? m.rangeMs()
            : millis(m.rangeExpr(), stepMs, rangeMs, false);
        yield new MatrixSelector(
            resolveVs(m.selector(), stepMs, rangeMs), range, m.rangeExpr(), m.position());
      }
      case SubqueryExpr s -> {
        long off = s.offsetExpr() == null
            ? s.offsetMs()
            : millis(s.offsetExpr(), stepMs, rangeMs, true);
        long step = s.stepExpr() == null ? s.stepMs() : millis(s.stepExpr(), stepMs, rangeMs, false);
        long range = s.rangeExpr() == null
            ? s.rangeMs()
            : millis(s.rangeExpr(), stepMs, rangeMs, false);
        yield new SubqueryExpr(
            resolve(s.expr(), stepMs, rangeMs),
            range,
            s.rangeExpr(),
            step,
            s.stepExpr(),
            off,
            s.offsetExpr(),
            s.at(),
            s.position());
      }
      case Call c -> {
        List<Expr> args = new ArrayList<>(c.args().size());
        for (Expr a : c.args()) {
          args.add(resolve(a, stepMs, rangeMs));
        }
        yield new Call(c.function(), args, c.position());
      }
      case AggregateExpr a ->
          new AggregateExpr(
              a.op(),
              resolve(a.expr(), stepMs, rangeMs),
              a.param() == null ? null : resolve(a.param(), stepMs, rangeMs),
              a.grouping(),
              a.without(),
              a.position());
      case BinaryExpr b ->
          new BinaryExpr(
              b.op(),
              resolve(b.lhs(), stepMs, rangeMs),
              resolve(b.rhs(), stepMs, rangeMs),
              b.matching(),
              b.returnBool(),
              b.position());
      case UnaryExpr u -> new UnaryExpr(u.op(), resolve(u.expr(), stepMs, rangeMs), u.position());
      case ParenExpr p -> new ParenExpr(resolve(p.expr(), stepMs, rangeMs), p.position());
    };
  }

  private static VectorSelector resolveVs(VectorSelector v, long stepMs, long rangeMs) {
    if (v.offsetExpr() == null) {
      return v;
    }
    return v.withOffset(millis(v.offsetExpr(), stepMs, rangeMs, true), v.offsetExpr());
  }
}

package dev.hypnos.promql.testscript;

import dev.hypnos.promql.parser.AtModifier;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The Go harness's step-invariance check: gives every selector and subquery without {@code @} the
 * modifier {@code @ evalTime} (selectors under a subquery that has one are left alone), so the
 * query must give the same result at any evaluation time.
 */
final class AtRewriter {
  /** Functions whose result depends on the evaluation time; queries using them are not rewritten. */
  static final Set<String> TIME_DEPENDENT = Set.of(
      "time", "timestamp", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month",
      "year", "predict_linear", "start", "end", "range", "step");

  private AtRewriter() {}

  /** The rewritten expression, or null when the query uses a time-dependent function. */
  static @Nullable Expr rewrite(Expr e, long evalTimeMs) {
    if (usesTimeDependent(e)) {
      return null;
    }
    return set(e, AtModifier.at(evalTimeMs));
  }

  private static boolean usesTimeDependent(Expr e) {
    return switch (e) {
      case Call c -> TIME_DEPENDENT.contains(c.function().name()) || c.args().stream().anyMatch(AtRewriter::usesTimeDependent);
      case AggregateExpr a -> usesTimeDependent(a.expr()) || (a.param() != null && usesTimeDependent(a.param()));
      case BinaryExpr b -> usesTimeDependent(b.lhs()) || usesTimeDependent(b.rhs());
      case Expr.UnaryExpr u -> usesTimeDependent(u.expr());
      case Expr.ParenExpr p -> usesTimeDependent(p.expr());
      case SubqueryExpr s -> usesTimeDependent(s.expr());
      default -> false;
    };
  }

  private static Expr set(Expr e, AtModifier at) {
    return switch (e) {
      case VectorSelector vs -> vs.at() == null ? vs.withAt(at) : vs;
      case MatrixSelector ms -> ms.selector().at() == null
          ? new MatrixSelector(ms.selector().withAt(at), ms.rangeMs(), ms.rangeExpr(), ms.position()) : ms;
      case SubqueryExpr sq -> sq.at() == null ? sq.withAt(at) : sq;
      case Call c -> {
        List<Expr> args = new ArrayList<>();
        for (Expr a : c.args()) {
          args.add(set(a, at));
        }
        yield new Call(c.function(), args, c.position());
      }
      case AggregateExpr a -> new AggregateExpr(a.op(), set(a.expr(), at), a.param() == null ? null : set(a.param(), at),
          a.grouping(), a.without(), a.position());
      case BinaryExpr b -> new BinaryExpr(b.op(), set(b.lhs(), at), set(b.rhs(), at), b.matching(), b.returnBool(),
          b.position());
      case Expr.UnaryExpr u -> new Expr.UnaryExpr(u.op(), set(u.expr(), at), u.position());
      case Expr.ParenExpr p -> new Expr.ParenExpr(set(p.expr(), at), p.position());
      default -> e;
    };
  }
}

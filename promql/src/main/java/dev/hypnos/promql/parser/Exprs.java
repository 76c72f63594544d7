package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Matcher;
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
import java.util.function.Consumer;

/** Tree helpers: children of a node, pre-order walks, selectors of a query. */
public final class Exprs {
  private Exprs() {}

  /**
   * The direct sub-expressions in evaluation order (aggregation parameter before its vector);
   * duration expressions of ranges and offsets are not included.
   */
  public static List<Expr> children(Expr e) {
    return switch (e) {
      case NumberLiteral n -> List.of();
      case StringLiteral s -> List.of();
      case VectorSelector v -> List.of();
      case DurationExpr d -> List.of();
      case MatrixSelector m -> List.of(m.selector());
      case SubqueryExpr s -> List.of(s.expr());
      case Call c -> c.args();
      case AggregateExpr a -> a.param() == null ? List.of(a.expr()) : List.of(a.param(), a.expr());
      case BinaryExpr b -> List.of(b.lhs(), b.rhs());
      case UnaryExpr u -> List.of(u.expr());
      case ParenExpr p -> List.of(p.expr());
    };
  }

  /** Visits {@code e} and then its descendants, depth first. */
  public static void walk(Expr e, Consumer<Expr> visitor) {
    visitor.accept(e);
    for (Expr c : children(e)) {
      walk(c, visitor);
    }
  }

  /** The matcher lists of every vector selector in the query, in pre-order. */
  public static List<List<Matcher>> selectors(Expr e) {
    List<List<Matcher>> out = new ArrayList<>();
    walk(
        e,
        n -> {
          if (n instanceof VectorSelector v) {
            out.add(v.matchers());
          }
        });
    return out;
  }
}

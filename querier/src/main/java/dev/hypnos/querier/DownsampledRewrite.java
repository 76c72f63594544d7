package dev.hypnos.querier;

import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.parser.BinaryOp;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Function;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rewrites a query so that {@code count_over_time} and {@code avg_over_time} give the raw answer
 * when their data comes from downsampled blocks (Thanos reads one aggregate point as one sample
 * there, thanos-io/thanos #922 and #1278):
 *
 * <ul>
 *   <li>{@code count_over_time(x[r])} becomes {@code sum_over_time(x{COUNT view}[r])}: the sum of
 *       the raw-sample counts of the points in the window;
 *   <li>{@code avg_over_time(x[r])} becomes {@code sum_over_time(x{SUM view}[r]) /
 *       sum_over_time(x{COUNT view}[r])}: the sum of the raw samples over their number.
 * </ul>
 *
 * <p>The views ({@link Downsampling.View}) are chosen with a pseudo matcher on {@link
 * Downsampling#VIEW_LABEL}, which {@link StoreApiQueryable} takes off before it asks the stores.
 * On raw data a COUNT view point is 1 and a SUM view point is the sample itself, so the rewritten
 * query equals the original on raw data too (up to floating point rounding of the average), and a
 * window holding both raw and downsampled points is summed consistently.
 *
 * <p>Only a function applied directly to a plain matrix selector is rewritten ({@code
 * count_over_time} of a subquery counts the subquery's points, as it should; anchored and
 * smoothed selectors are left alone). Node positions are
 * kept, so annotations still point into the query text as written.
 */
public final class DownsampledRewrite {
  private static final Function SUM_OVER_TIME = Objects.requireNonNull(Function.lookup("sum_over_time"), "sum_over_time");

  private DownsampledRewrite() {}

  /** {@code expr} with every {@code count_over_time} and {@code avg_over_time} of a matrix selector rewritten. */
  public static Expr rewrite(Expr expr) {
    return switch (expr) {
      case Expr.Call c -> call(c);
      case Expr.AggregateExpr a -> new Expr.AggregateExpr(a.op(), rewrite(a.expr()),
          a.param() == null ? null : rewrite(a.param()), a.grouping(), a.without(), a.position());
      case Expr.BinaryExpr b -> new Expr.BinaryExpr(b.op(), rewrite(b.lhs()), rewrite(b.rhs()), b.matching(),
          b.returnBool(), b.position());
      case Expr.UnaryExpr u -> new Expr.UnaryExpr(u.op(), rewrite(u.expr()), u.position());
      case Expr.ParenExpr p -> new Expr.ParenExpr(rewrite(p.expr()), p.position());
      case Expr.SubqueryExpr s -> new Expr.SubqueryExpr(rewrite(s.expr()), s.rangeMs(), s.rangeExpr(), s.stepMs(),
          s.stepExpr(), s.offsetMs(), s.offsetExpr(), s.at(), s.position());
      default -> expr;
    };
  }

  private static Expr call(Expr.Call c) {
    String name = c.function().name();
    if (c.args().size() == 1 && c.args().get(0) instanceof Expr.MatrixSelector ms
        && !ms.selector().anchored() && !ms.selector().smoothed()) {
      if (name.equals("count_over_time")) {
        return sumOf(ms, Downsampling.View.COUNT, c);
      }
      if (name.equals("avg_over_time")) {
        return new Expr.BinaryExpr(BinaryOp.DIV, sumOf(ms, Downsampling.View.SUM, c),
            sumOf(ms, Downsampling.View.COUNT, c),
            new Expr.VectorMatching(Expr.Cardinality.ONE_TO_ONE, List.of(), false, List.of(), Expr.FillValues.NONE),
            false, c.position());
      }
    }
    List<Expr> args = new ArrayList<>(c.args().size());
    for (Expr a : c.args()) {
      args.add(rewrite(a));
    }
    return new Expr.Call(c.function(), args, c.position());
  }

  private static Expr.Call sumOf(Expr.MatrixSelector ms, Downsampling.View view, Expr.Call original) {
    Expr.VectorSelector vs = ms.selector();
    List<Matcher> matchers = new ArrayList<>(vs.matchers());
    matchers.add(view.matcher());
    Expr.VectorSelector viewed = new Expr.VectorSelector(vs.name(), matchers, vs.offsetMs(), vs.offsetExpr(), vs.at(),
        vs.anchored(), vs.smoothed(), vs.bypassEmptyMatcherCheck(), vs.position());
    return new Expr.Call(SUM_OVER_TIME, List.of(new Expr.MatrixSelector(viewed, ms.rangeMs(), ms.rangeExpr(),
        ms.position())), original.position());
  }
}

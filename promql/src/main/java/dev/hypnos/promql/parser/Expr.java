package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Matcher;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A PromQL expression: the abstract syntax tree produced by {@link PromQLParser}. Nodes are
 * immutable records; {@link #toString()} prints the expression like Prometheus does (see {@link
 * Printer}). Record equality includes positions; use {@link Printer#stripPositions(Expr)} to
 * compare structure only.
 */
public sealed interface Expr
    permits Expr.NumberLiteral,
        Expr.StringLiteral,
        Expr.VectorSelector,
        Expr.MatrixSelector,
        Expr.SubqueryExpr,
        Expr.Call,
        Expr.AggregateExpr,
        Expr.BinaryExpr,
        Expr.UnaryExpr,
        Expr.ParenExpr,
        Expr.DurationExpr {

  /** The type this expression evaluates to. */
  ValueType type();

  /** Where in the query text this node was written ({@link PositionRange#NONE} if built). */
  PositionRange position();

  /**
   * A number. {@code duration} marks numbers written as durations (inside duration expressions),
   * which print as durations.
   */
  record NumberLiteral(double value, boolean duration, PositionRange position) implements Expr {
    public NumberLiteral {
      Objects.requireNonNull(position, "position");
    }

    public NumberLiteral(double value) {
      this(value, false, PositionRange.NONE);
    }

    @Override
    public ValueType type() {
      return ValueType.SCALAR;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** A string literal (value unescaped). */
  record StringLiteral(String value, PositionRange position) implements Expr {
    public StringLiteral {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.STRING;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /**
   * An instant vector selector. {@code name} is the metric name written before the braces (null
   * if none); {@code matchers} holds the matchers inside the braces in order, then the
   * {@code __name__} matcher derived from {@code name}, as Prometheus does.
   *
   * <p>{@code offsetMs} is the constant offset (0 when absent or when {@code offsetExpr} is set);
   * {@code offsetExpr} an offset duration expression to be resolved at evaluation time. {@code
   * at} is the {@code @} modifier or null. {@code anchored}/{@code smoothed} are the extended
   * range selector modifiers (set on the selector inside a matrix selector). {@code
   * bypassEmptyMatcherCheck} is set for the second argument of {@code info()}.
   */
  record VectorSelector(
      @Nullable String name,
      List<Matcher> matchers,
      long offsetMs,
      @Nullable DurationExpr offsetExpr,
      @Nullable AtModifier at,
      boolean anchored,
      boolean smoothed,
      boolean bypassEmptyMatcherCheck,
      PositionRange position)
      implements Expr {
    public VectorSelector {
      matchers = List.copyOf(matchers);
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.VECTOR;
    }

    public VectorSelector withOffset(long newOffsetMs, @Nullable DurationExpr newOffsetExpr) {
      return new VectorSelector(
          name, matchers, newOffsetMs, newOffsetExpr, at, anchored, smoothed,
          bypassEmptyMatcherCheck, position);
    }

    public VectorSelector withAt(@Nullable AtModifier newAt) {
      return new VectorSelector(
          name, matchers, offsetMs, offsetExpr, newAt, anchored, smoothed,
          bypassEmptyMatcherCheck, position);
    }

    public VectorSelector withPosition(PositionRange newPosition) {
      return new VectorSelector(
          name, matchers, offsetMs, offsetExpr, at, anchored, smoothed, bypassEmptyMatcherCheck,
          newPosition);
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /**
   * A range vector selector {@code sel[range]}; offset, {@code @} and anchored/smoothed live on
   * the inner selector. {@code rangeExpr} is set when the range is a duration expression (then
   * {@code rangeMs} is 0 until resolved).
   */
  record MatrixSelector(
      VectorSelector selector,
      long rangeMs,
      @Nullable DurationExpr rangeExpr,
      PositionRange position)
      implements Expr {
    public MatrixSelector {
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.MATRIX;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /**
   * A subquery {@code expr[range:step]}. {@code stepMs} 0 means the default resolution. Each
   * duration may instead be an expression ({@code *Expr}, resolved at evaluation time).
   */
  record SubqueryExpr(
      Expr expr,
      long rangeMs,
      @Nullable DurationExpr rangeExpr,
      long stepMs,
      @Nullable DurationExpr stepExpr,
      long offsetMs,
      @Nullable DurationExpr offsetExpr,
      @Nullable AtModifier at,
      PositionRange position)
      implements Expr {
    public SubqueryExpr {
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.MATRIX;
    }

    public SubqueryExpr withOffset(long newOffsetMs, @Nullable DurationExpr newOffsetExpr) {
      return new SubqueryExpr(
          expr, rangeMs, rangeExpr, stepMs, stepExpr, newOffsetMs, newOffsetExpr, at, position);
    }

    public SubqueryExpr withAt(@Nullable AtModifier newAt) {
      return new SubqueryExpr(
          expr, rangeMs, rangeExpr, stepMs, stepExpr, offsetMs, offsetExpr, newAt, position);
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** A function call. */
  record Call(Function function, List<Expr> args, PositionRange position) implements Expr {
    public Call {
      Objects.requireNonNull(function, "function");
      args = List.copyOf(args);
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return function.returnType();
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /**
   * An aggregation. {@code param} is set for operators that take one ({@code topk},
   * {@code quantile}, {@code count_values}, ...). {@code grouping} lists the {@code by} labels,
   * or the {@code without} labels when {@code without} is set.
   */
  record AggregateExpr(
      AggregateOp op,
      Expr expr,
      @Nullable Expr param,
      List<String> grouping,
      boolean without,
      PositionRange position)
      implements Expr {
    public AggregateExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(expr, "expr");
      grouping = List.copyOf(grouping);
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.VECTOR;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** How the series of two vectors are paired in a binary operation. */
  enum Cardinality {
    ONE_TO_ONE("one-to-one"),
    MANY_TO_ONE("many-to-one"),
    ONE_TO_MANY("one-to-many"),
    MANY_TO_MANY("many-to-many");

    private final String text;

    Cardinality(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Fill values of the {@code fill}/{@code fill_left}/{@code fill_right} binary operator
   * modifiers: the value used for a missing series on that side, null for no filling.
   */
  record FillValues(@Nullable Double lhs, @Nullable Double rhs) {
    public static final FillValues NONE = new FillValues(null, null);
  }

  /**
   * Vector matching of a binary operation between two vectors: {@code on}/{@code ignoring}
   * labels ({@code on} tells which), the cardinality and the {@code group_left}/{@code
   * group_right} include labels.
   */
  record VectorMatching(
      Cardinality card,
      List<String> matchingLabels,
      boolean on,
      List<String> include,
      FillValues fill) {
    public VectorMatching {
      Objects.requireNonNull(card, "card");
      matchingLabels = List.copyOf(matchingLabels);
      include = List.copyOf(include);
      Objects.requireNonNull(fill, "fill");
    }
  }

  /**
   * A binary operation. {@code matching} is set when both sides are vectors (null otherwise);
   * {@code returnBool} for comparisons with the {@code bool} modifier.
   */
  record BinaryExpr(
      BinaryOp op,
      Expr lhs,
      Expr rhs,
      @Nullable VectorMatching matching,
      boolean returnBool,
      PositionRange position)
      implements Expr {
    public BinaryExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(lhs, "lhs");
      Objects.requireNonNull(rhs, "rhs");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR
          ? ValueType.SCALAR
          : ValueType.VECTOR;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** Unary minus or plus on a non-literal expression ({@code -1} is a NumberLiteral). */
  record UnaryExpr(UnaryOp op, Expr expr, PositionRange position) implements Expr {
    public UnaryExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return expr.type();
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** Parentheses around an expression. */
  record ParenExpr(Expr expr, PositionRange position) implements Expr {
    public ParenExpr {
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return expr.type();
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }

  /** The operation of a {@link DurationExpr}. */
  enum DurationOp {
    ADD("+"),
    SUB("-"),
    MUL("*"),
    DIV("/"),
    MOD("%"),
    POW("^"),
    /** {@code step()}: the query step (no operands). */
    STEP("step()"),
    /** {@code range()}: the query range, end - start (no operands). */
    RANGE("range()"),
    MIN_OF("min_of"),
    MAX_OF("max_of");

    private final String text;

    DurationOp(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  /**
   * A duration expression (feature {@code promql-duration-expr}) in a range, subquery step or
   * offset: {@code [26m+4m]}, {@code offset (100 + 2)}, {@code [step()]}, {@code min_of(a, b)}.
   * Binary ops have both operands; unary {@code -}/{@code +} have only {@code rhs}; STEP and
   * RANGE have none. Operands are NumberLiterals (values in seconds, {@code duration} flag set
   * for literals written with units) or nested DurationExprs. {@code wrapped}: written in
   * parentheses. Evaluates to seconds, see {@link Durations}.
   */
  record DurationExpr(
      DurationOp op,
      @Nullable Expr lhs,
      @Nullable Expr rhs,
      boolean wrapped,
      PositionRange position)
      implements Expr {
    public DurationExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(position, "position");
    }

    @Override
    public ValueType type() {
      return ValueType.SCALAR;
    }

    @Override
    public String toString() {
      return Printer.print(this);
    }
  }
}

package dev.hypnos.promql.parser;

import java.util.Set;

/**
 * Parser feature switches, named like Prometheus's {@code --enable-feature} values: {@link
 * #EXPERIMENTAL_FUNCTIONS}, {@link #DURATION_EXPR}, {@link #EXTENDED_RANGE_SELECTORS}, {@link
 * #BINOP_FILL_MODIFIERS}.
 */
public record ParserOptions(Set<String> features) {
  public static final String EXPERIMENTAL_FUNCTIONS = "promql-experimental-functions";
  public static final String DURATION_EXPR = "promql-duration-expr";
  public static final String EXTENDED_RANGE_SELECTORS = "promql-extended-range-selectors";
  public static final String BINOP_FILL_MODIFIERS = "promql-binop-fill-modifiers";

  /** No experimental features. */
  public static final ParserOptions DEFAULT = new ParserOptions(Set.of());

  /** Every feature on (what the Prometheus test scripts assume). */
  public static final ParserOptions ALL =
      new ParserOptions(
          Set.of(
              EXPERIMENTAL_FUNCTIONS,
              DURATION_EXPR,
              EXTENDED_RANGE_SELECTORS,
              BINOP_FILL_MODIFIERS));

  public ParserOptions {
    features = Set.copyOf(features);
  }

  public boolean enabled(String feature) {
    return features.contains(feature);
  }
}

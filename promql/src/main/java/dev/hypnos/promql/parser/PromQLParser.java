package dev.hypnos.promql.parser;

/**
 * Parses PromQL expressions into {@link Expr} trees and type-checks them like Prometheus 3.x.
 *
 * <p>Concurrency: stateless, safe to share.
 */
public final class PromQLParser {
  private PromQLParser() {}

  /** Parses with {@link ParserOptions#DEFAULT}. */
  public static Expr parse(String query) {
    return parse(query, ParserOptions.DEFAULT);
  }

  /**
   * Parses and type-checks a query.
   *
   * @throws ParseException on syntax or type errors, with Prometheus's message
   */
  public static Expr parse(String query, ParserOptions options) {
    return new Parser(query, options).parseQuery();
  }
}

package dev.hypnos.promql.parser;

/** The recursive-descent parser behind {@link PromQLParser}; one instance per query. */
final class Parser {
  private final String input;
  private final ParserOptions options;

  Parser(String input, ParserOptions options) {
    this.input = input;
    this.options = options;
  }

  Expr parseQuery() {
    throw new ParseException(new PositionRange(0, 0), "not implemented yet: " + options, input);
  }
}

package dev.hypnos.promql.parser;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets. In a normal build they replay the seed corpus under
 * {@code src/test/resources/dev/hypnos/promql/parser/PromQLParserFuzzTestInputs/}; with {@code
 * JAZZER_FUZZ=1} they fuzz (see promql/FUZZING.md). The properties: only {@link ParseException}
 * escapes the parsers, and whatever parses prints to text that parses back to the same tree.
 */
class PromQLParserFuzzTest {
  @FuzzTest(maxDuration = "10m")
  void parse(FuzzedDataProvider data) {
    String query = data.consumeRemainingAsString();
    Expr e;
    try {
      e = PromQLParser.parse(query, ParserOptions.ALL);
    } catch (ParseException expected) {
      return;
    }
    String printed = Printer.print(e);
    Expr again;
    try {
      again = PromQLParser.parse(printed, ParserOptions.ALL);
    } catch (ParseException ex) {
      throw new AssertionError(
          "printed form of " + quote(query) + " does not parse: " + quote(printed), ex);
    }
    if (!Printer.canonical(again).equals(Printer.canonical(e))) {
      throw new AssertionError(
          "round trip of " + quote(query) + " via " + quote(printed) + " gives "
              + quote(Printer.print(again)));
    }
  }

  @FuzzTest(maxDuration = "10m")
  void seriesDesc(FuzzedDataProvider data) {
    String line = data.consumeRemainingAsString();
    try {
      SeriesDescParser.parse(line);
    } catch (ParseException expected) {
      // malformed input is reported as a ParseException
    }
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    dev.hypnos.core.labels.Labels.quoteGo(sb, s);
    return sb.toString();
  }
}

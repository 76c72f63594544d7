/**
 * PromQL lexer, parser, abstract syntax tree, type checker and printer with Prometheus 3.x
 * semantics, plus the series notation of the PromQL test scripts.
 *
 * <p>Entry points: {@link dev.hypnos.promql.parser.PromQLParser#parse(String, ParserOptions)},
 * {@link dev.hypnos.promql.parser.Printer#print(Expr)} and {@link
 * dev.hypnos.promql.parser.SeriesDescParser#parse(String)}.
 */
@NullMarked
package dev.hypnos.promql.parser;

import org.jspecify.annotations.NullMarked;

/**
 * Label sets and label matchers with Prometheus semantics.
 *
 * <ul>
 *   <li>{@link dev.hypnos.core.labels.Labels}: sorted label sets in Go byte order.
 *   <li>{@link dev.hypnos.core.labels.Matcher}: {@code =}, {@code !=}, {@code =~}, {@code !~}
 *       matchers; regexes are RE2, fully anchored, compiled by {@link
 *       dev.hypnos.core.labels.Re2Regex} (own RE2 parser, fast paths, translation to
 *       java.util.regex checked against answers recorded from Go).
 *   <li>{@link dev.hypnos.core.labels.SelectorParser}: PromQL series selectors such as {@code
 *       up{job=~"api|web"}} for {@code --match} flags, with Prometheus's error messages.
 * </ul>
 */
@NullMarked
package dev.hypnos.core.labels;

import org.jspecify.annotations.NullMarked;

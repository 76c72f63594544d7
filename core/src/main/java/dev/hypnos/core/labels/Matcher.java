package dev.hypnos.core.labels;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A label matcher such as {@code job=~"api|web"}: a match type, a label name and a value (a
 * literal, or an RE2 regular expression that must match the whole label value, as in Prometheus).
 * An absent label has the value "" for matching purposes.
 *
 * <p>Validated at construction: a matcher with an invalid regex cannot exist.
 *
 * <p>Concurrency: immutable, safe to share.
 */
public final class Matcher {
  private final MatchType type;
  private final String name;
  private final String value;
  private final @Nullable Re2Regex regex;
  private final boolean matchesEmpty;

  private Matcher(MatchType type, String name, String value) {
    this.type = Objects.requireNonNull(type, "type");
    this.name = Objects.requireNonNull(name, "name");
    this.value = Objects.requireNonNull(value, "value");
    if (type.isRegex()) {
      try {
        this.regex = Re2Regex.compile(value);
      } catch (RegexSyntaxException e) {
        StringBuilder sb = new StringBuilder("label matcher ");
        appendName(sb, name);
        sb.append(type.operator());
        Labels.quoteGo(sb, value);
        sb.append(": invalid regex for label ").append(name).append(": ").append(e.getMessage());
        throw new IllegalArgumentException(sb.toString(), e);
      }
    } else {
      this.regex = null;
    }
    this.matchesEmpty = matches("");
  }

  /**
   * Creates a matcher.
   *
   * @throws IllegalArgumentException when the type is a regex type and {@code value} is not a
   *     valid RE2 expression; the message names the label and the regex error, and the cause is a
   *     {@link RegexSyntaxException}
   */
  public static Matcher of(MatchType type, String name, String value) {
    return new Matcher(type, name, value);
  }

  public static Matcher eq(String name, String value) {
    return new Matcher(MatchType.EQ, name, value);
  }

  public static Matcher neq(String name, String value) {
    return new Matcher(MatchType.NEQ, name, value);
  }

  public static Matcher re(String name, String regex) {
    return new Matcher(MatchType.RE, name, regex);
  }

  public static Matcher nre(String name, String regex) {
    return new Matcher(MatchType.NRE, name, regex);
  }

  public MatchType type() {
    return type;
  }

  public String name() {
    return name;
  }

  /** The literal value or the regex source, as given. */
  public String value() {
    return value;
  }

  /** Whether a label value satisfies this matcher ("" stands for an absent label). */
  public boolean matches(String labelValue) {
    return switch (type) {
      case EQ -> labelValue.equals(value);
      case NEQ -> !labelValue.equals(value);
      case RE -> Objects.requireNonNull(regex).matches(labelValue);
      case NRE -> !Objects.requireNonNull(regex).matches(labelValue);
    };
  }

  /** Whether the matcher accepts the value of the label in {@code labels} ("" when absent). */
  public boolean matches(Labels labels) {
    return matches(labels.getOrEmpty(name));
  }

  /** Whether this matcher accepts "", i.e. also selects series that lack the label. */
  public boolean matchesEmpty() {
    return matchesEmpty;
  }

  /**
   * The exact values this matcher accepts when they form a small finite set, for postings
   * lookups: {@code [value]} for EQ, the literals of a regex such as {@code a|b|c} or
   * {@code prefix-(x|y)} for RE (at most 256). Empty for NEQ, NRE and regexes that match an open
   * set. May contain "" (e.g. EQ "" or RE {@code a|}), which stands for "label absent or empty".
   */
  public List<String> setMatches() {
    return switch (type) {
      case EQ -> List.of(value);
      case RE -> Objects.requireNonNull(regex).setMatches();
      case NEQ, NRE -> List.of();
    };
  }

  /** The compiled regex for RE/NRE matchers, null for EQ/NEQ. */
  public @Nullable Re2Regex regex() {
    return regex;
  }

  /** The matcher with the opposite outcome (= and != swap, =~ and !~ swap). */
  public Matcher inverse() {
    return new Matcher(type.inverse(), name, value);
  }

  /**
   * PromQL form, {@code name=~"value"}, the value quoted as Go's strconv.Quote does; names that
   * are not legacy identifiers ({@code [a-zA-Z_][a-zA-Z0-9_]*}) are quoted as well (Prometheus 3).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name.length() + value.length() + 6);
    appendName(sb, name);
    sb.append(type.operator());
    Labels.quoteGo(sb, value);
    return sb.toString();
  }

  static void appendName(StringBuilder sb, String name) {
    if (Labels.isLegacyName(name)) {
      sb.append(name);
    } else {
      Labels.quoteGo(sb, name);
    }
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof Matcher m && m.type == type && m.name.equals(name) && m.value.equals(value));
  }

  @Override
  public int hashCode() {
    return (type.hashCode() * 31 + name.hashCode()) * 31 + value.hashCode();
  }
}

package dev.hypnos.core.labels;

import dev.hypnos.core.labels.RegexNode.Alt;
import dev.hypnos.core.labels.RegexNode.Any;
import dev.hypnos.core.labels.RegexNode.Assert;
import dev.hypnos.core.labels.RegexNode.Cls;
import dev.hypnos.core.labels.RegexNode.Concat;
import dev.hypnos.core.labels.RegexNode.Empty;
import dev.hypnos.core.labels.RegexNode.Group;
import dev.hypnos.core.labels.RegexNode.Lit;
import dev.hypnos.core.labels.RegexNode.Repeat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * A Prometheus label regex: RE2 syntax, fully anchored ({@code ^(?s:re)$} as Prometheus 3
 * compiles it, so {@code .} matches a newline unless the expression says {@code (?-s)}).
 *
 * <p>The expression is parsed by our own RE2 parser (which rejects what RE2 rejects), then either
 * answered by a fast path (literal, set of literals, prefix/suffix/contains with {@code .*},
 * {@code .*}, {@code .+}, case-insensitive literal) or translated construct by construct into a
 * java.util.regex pattern that uses no flags and no construct whose meaning differs between the
 * dialects ({@code $}, {@code \s}, {@code \b}, case folding and the like are spelled out).
 *
 * <p>Limits: groups nest at most 100 deep (Go allows 1000). The pattern fallback uses
 * java.util.regex, which recurses on some loops ({@code (ab|cd)*} and the like) once per iteration:
 * on very long values such a match may exhaust the stack, reported as an IllegalStateException.
 * Single-character loops ({@code .*}, {@code [a-z]+}, {@code (a|b)*}) run iteratively. Where
 * java.util.regex would backtrack exponentially ({@code ((a+)+)+b}), matching gives up after a bound
 * on character reads (1M + 10k per char of the value) with an IllegalStateException.
 *
 * <p>Concurrency: immutable, safe to share. Matching allocates only on the pattern fallback.
 */
public final class Re2Regex {
  /** How {@link #matches} decides. */
  public enum Strategy {
    /** Equal to one string. */
    LITERAL,
    /** One of a set of strings (an alternation of literals, small classes, ...). */
    SET,
    /** {@code foo.*} */
    PREFIX,
    /** {@code .*foo} */
    SUFFIX,
    /** {@code .*foo.*} */
    CONTAINS,
    /** {@code .*}: every string. */
    ANY,
    /** {@code .+}: every non-empty string. */
    NON_EMPTY,
    /** {@code (?i)foo}: equal under simple case folding. */
    LITERAL_FOLD,
    /** The translated java.util.regex pattern. */
    PATTERN
  }

  /** Prometheus's bound on extracted set matches. */
  static final int MAX_SET_MATCHES = 256;

  private final String source;
  private final String javaRegex;
  private final Pattern pattern;
  private final Strategy strategy;
  private final String literal;
  private final @Nullable Set<String> set;
  private final List<String> setMatches;

  private Re2Regex(String source) {
    this.source = source;
    RegexNode root;
    try {
      root = Re2Parser.parse(source);
      this.javaRegex = JavaEmitter.emit(root);
      this.pattern = Pattern.compile(javaRegex);
    } catch (PatternSyntaxException e) {
      throw new IllegalStateException("translate regex \"" + source + "\" to java.util.regex gave \"" + javaRegex()
          + "\", which does not compile: " + e.getDescription(), e);
    } catch (StackOverflowError e) {
      // A safety net on small thread stacks: the nesting limit normally stops such input first.
      throw new RegexSyntaxException("expression nests too deeply", source, "nested beyond this thread's stack");
    }
    List<RegexNode> items = flatten(stripTextAnchors(root));
    @Nullable String lit = literalOf(items, false);
    @Nullable Set<String> s = null;
    String l = "";
    Strategy st;
    if (lit != null) {
      st = Strategy.LITERAL;
      l = lit;
    } else if ((s = literalAlternation(root)) != null || (s = setOf(concat(items), true)) != null) {
      st = s.size() == 1 ? Strategy.LITERAL : Strategy.SET;
      if (s.size() == 1) {
        l = s.iterator().next();
      }
    } else if (items.size() == 1 && isAnyStar(items.get(0))) {
      st = Strategy.ANY;
    } else if (items.size() == 1 && isAnyPlus(items.get(0))) {
      st = Strategy.NON_EMPTY;
    } else if (items.size() >= 2 && isAnyStar(items.get(items.size() - 1))
        && (lit = literalOf(items.subList(0, items.size() - 1), false)) != null) {
      st = Strategy.PREFIX;
      l = lit;
    } else if (items.size() >= 2 && isAnyStar(items.get(0))
        && (lit = literalOf(items.subList(1, items.size()), false)) != null) {
      st = Strategy.SUFFIX;
      l = lit;
    } else if (items.size() >= 3 && isAnyStar(items.get(0)) && isAnyStar(items.get(items.size() - 1))
        && (lit = literalOf(items.subList(1, items.size() - 1), false)) != null) {
      st = Strategy.CONTAINS;
      l = lit;
    } else if ((lit = literalOf(items, true)) != null) {
      st = Strategy.LITERAL_FOLD;
      l = lit;
    } else {
      st = Strategy.PATTERN;
    }
    this.strategy = st;
    this.literal = l;
    this.set = st == Strategy.SET ? s : null;
    this.setMatches = switch (st) {
      case LITERAL -> List.of(l);
      case SET -> List.copyOf(Objects.requireNonNull(s));
      default -> List.of();
    };
  }

  /**
   * Parses and compiles an RE2 expression.
   *
   * @throws RegexSyntaxException when RE2 would reject it
   */
  public static Re2Regex compile(String regex) {
    Objects.requireNonNull(regex, "regex");
    return new Re2Regex(regex);
  }

  /** Whether {@code s} as a whole matches. */
  public boolean matches(String s) {
    return switch (strategy) {
      case LITERAL -> s.equals(literal);
      case SET -> Objects.requireNonNull(set).contains(s);
      case PREFIX -> s.startsWith(literal);
      case SUFFIX -> s.endsWith(literal);
      case CONTAINS -> s.contains(literal);
      case ANY -> true;
      case NON_EMPTY -> !s.isEmpty();
      case LITERAL_FOLD -> CaseFolding.equalsFolded(s, literal);
      case PATTERN -> matchPattern(s);
    };
  }

  private boolean matchPattern(String s) {
    StepLimitedChars chars = new StepLimitedChars(s, 1_000_000L + 10_000L * s.length());
    try {
      return pattern.matcher(chars).matches();
    } catch (StepLimitedChars.LimitReached e) {
      throw new IllegalStateException("match regex \"" + source + "\" against a value of " + s.length()
          + " chars: gave up after " + chars.limit + " character reads (java.util.regex backtracks"
          + " exponentially on this expression, where RE2 would not)", e);
    } catch (StackOverflowError e) {
      // java.util.regex recurses per nested loop iteration; give a clear error instead of an Error.
      throw new IllegalStateException("match regex \"" + source + "\" against a value of " + s.length()
          + " chars: too deep for java.util.regex on this thread's stack", e);
    }
  }

  /** The answer of the translated pattern alone, bypassing fast paths (for tests). */
  boolean matchesWithPattern(String s) {
    return matchPattern(s);
  }

  /**
   * The exact set of strings this expression matches, when it is known to be a finite set of
   * literals (an alternation of plain literals of any length, or other shapes such as
   * {@code prefix-(a|b)} or {@code [abc]} up to 256 strings), in the order written; empty
   * otherwise. May contain "" (e.g. for {@code a|}).
   */
  public List<String> setMatches() {
    return setMatches;
  }

  public Strategy strategy() {
    return strategy;
  }

  /** The RE2 source as given. */
  public String source() {
    return source;
  }

  /** The equivalent java.util.regex expression (to be used with {@code matches()}). */
  public String javaRegex() {
    return javaRegex;
  }

  @Override
  public String toString() {
    return source;
  }

  /**
   * The value as java.util.regex reads it, counting reads, so that catastrophic backtracking
   * (which RE2's automata never do) ends with an exception instead of running for hours.
   */
  private static final class StepLimitedChars implements CharSequence {
    private final String s;
    private final long limit;
    private long reads;

    StepLimitedChars(String s, long limit) {
      this.s = s;
      this.limit = limit;
    }

    @Override
    public char charAt(int index) {
      if (++reads > limit) {
        throw new LimitReached();
      }
      return s.charAt(index);
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return s.subSequence(start, end);
    }

    @Override
    public String toString() {
      return s;
    }

    static final class LimitReached extends RuntimeException {
      private static final long serialVersionUID = 1L;

      LimitReached() {
        super(null, null, false, false);
      }
    }
  }

  // ---- analysis ----

  private static RegexNode unwrap(RegexNode n) {
    while (n instanceof Group g) {
      n = g.sub();
    }
    return n;
  }

  /** Leading \A and trailing \z of the top level are no-ops under full anchoring. */
  private static RegexNode stripTextAnchors(RegexNode n) {
    List<RegexNode> items = flatten(n);
    int from = 0;
    int to = items.size();
    while (from < to && items.get(from) instanceof Assert a && a.kind() == Assert.Kind.BEGIN_TEXT) {
      from++;
    }
    while (to > from && items.get(to - 1) instanceof Assert a && a.kind() == Assert.Kind.END_TEXT) {
      to--;
    }
    return concat(items.subList(from, to));
  }

  private static RegexNode concat(List<RegexNode> items) {
    return items.isEmpty() ? new Empty() : items.size() == 1 ? items.get(0) : new Concat(List.copyOf(items));
  }

  /** The node as a concatenation list with groups and nested concatenations flattened. */
  private static List<RegexNode> flatten(RegexNode n) {
    List<RegexNode> out = new ArrayList<>();
    flattenInto(n, out);
    return out;
  }

  private static void flattenInto(RegexNode n, List<RegexNode> out) {
    n = unwrap(n);
    if (n instanceof Concat c) {
      for (RegexNode x : c.items()) {
        flattenInto(x, out);
      }
    } else if (!(n instanceof Empty)) {
      out.add(n);
    }
  }

  /**
   * The literal text of a list of literals. Without {@code allowFold}, none may be case-folded;
   * with it, at least one must be and every cased one must be.
   */
  private static @Nullable String literalOf(List<RegexNode> items, boolean allowFold) {
    if (allowFold && items.stream().noneMatch(n -> n instanceof Lit l && l.fold())) {
      return null; // also spares loading the case folding tables for plain expressions
    }
    StringBuilder sb = new StringBuilder();
    boolean sawFold = false;
    for (RegexNode n : items) {
      if (!(n instanceof Lit lit) || (lit.fold() && !allowFold)) {
        return null;
      }
      if (allowFold && !lit.fold() && CaseFolding.isCased(lit.cp())) {
        return null; // case-sensitive letters mixed with folded ones: leave it to the pattern
      }
      sawFold |= lit.fold();
      sb.appendCodePoint(lit.cp());
    }
    return allowFold && !sawFold ? null : sb.toString();
  }

  private static boolean isAnyStar(RegexNode n) {
    return unwrap(n) instanceof Repeat r && r.min() == 0 && r.max() == -1 && unwrap(r.sub()) instanceof Any a
        && a.dotNl();
  }

  private static boolean isAnyPlus(RegexNode n) {
    return unwrap(n) instanceof Repeat r && r.min() == 1 && r.max() == -1 && unwrap(r.sub()) instanceof Any a
        && a.dotNl();
  }

  /**
   * The strings of an alternation of plain literals ({@code a|bc|def}), however many; the common
   * shape of dashboard-generated multi-value selectors.
   */
  private static @Nullable Set<String> literalAlternation(RegexNode root) {
    if (!(unwrap(root) instanceof Alt alt)) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (RegexNode branch : alt.alternatives()) {
      String lit = literalOf(flatten(branch), false);
      if (lit == null) {
        return null;
      }
      out.add(lit);
    }
    return out;
  }

  /**
   * The finite set of strings {@code n} matches, or null when unknown or too large. At the top
   * level, alternatives may start with \A and end with \z, which full anchoring makes no-ops.
   */
  private static @Nullable Set<String> setOf(RegexNode n, boolean topLevel) {
    n = unwrap(n);
    switch (n) {
      case Lit l -> {
        return l.fold() ? null : Set.of(new String(Character.toChars(l.cp())));
      }
      case Empty e -> {
        return Set.of("");
      }
      case Cls c -> {
        if (c.set().size() > MAX_SET_MATCHES) {
          return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < c.set().rangeCount(); i++) {
          for (int cp = c.set().lo(i); cp <= c.set().hi(i); cp++) {
            out.add(new String(Character.toChars(cp)));
          }
        }
        return out;
      }
      case Alt a -> {
        Set<String> out = new LinkedHashSet<>();
        for (RegexNode x : a.alternatives()) {
          Set<String> sub = setOf(topLevel ? stripTextAnchors(x) : x, false);
          if (sub == null || out.size() + sub.size() > MAX_SET_MATCHES) {
            return null;
          }
          out.addAll(sub);
        }
        return out;
      }
      case Concat c -> {
        Set<String> acc = new LinkedHashSet<>();
        acc.add("");
        for (RegexNode x : c.items()) {
          Set<String> sub = setOf(x, false);
          if (sub == null || (long) acc.size() * sub.size() > MAX_SET_MATCHES) {
            return null;
          }
          Set<String> next = new LinkedHashSet<>();
          for (String a : acc) {
            for (String b : sub) {
              next.add(a + b);
            }
          }
          acc = next;
        }
        return acc;
      }
      default -> {
        return null;
      }
    }
  }

  // ---- translation to java.util.regex ----

  /** Writes a node tree as a flag-free java.util.regex expression with RE2's meaning. */
  static final class JavaEmitter {
    private static final String WORD = "[0-9A-Za-z_]";
    /** Any code point, newline included, as one class (not a group, see the Repeat case). */
    private static final String ANY_CHAR = "[\\x{0}-\\x{10ffff}]";

    private JavaEmitter() {}

    static String emit(RegexNode root) {
      StringBuilder sb = new StringBuilder();
      emit(root, sb);
      return sb.toString();
    }

    private static void emit(RegexNode n, StringBuilder sb) {
      switch (n) {
        case Lit l -> {
          if (l.fold()) {
            int[] orbit = CaseFolding.orbit(l.cp());
            if (orbit.length > 1) {
              sb.append('[');
              for (int cp : orbit) {
                literal(cp, sb);
              }
              sb.append(']');
              return;
            }
          }
          literal(l.cp(), sb);
        }
        case Cls c -> {
          if (c.javaForm() != null) {
            sb.append(c.javaForm());
          } else {
            charClass(c.set(), sb);
          }
        }
        case Any a -> sb.append(a.dotNl() ? ANY_CHAR : "[^\\n]");
        case Empty e -> sb.append("(?:)");
        case Assert a -> sb.append(switch (a.kind()) {
          case BEGIN_TEXT -> "\\A";
          case END_TEXT -> "\\z";
          case BEGIN_LINE -> "(?<![^\\n])";
          case END_LINE -> "(?![^\\n])";
          case WORD_BOUNDARY -> "(?:(?<=" + WORD + ")(?!" + WORD + ")|(?<!" + WORD + ")(?=" + WORD + "))";
          case NOT_WORD_BOUNDARY -> "(?:(?<=" + WORD + ")(?=" + WORD + ")|(?<!" + WORD + ")(?!" + WORD + "))";
        });
        case Concat c -> {
          for (RegexNode x : c.items()) {
            emit(x, sb);
          }
        }
        case Alt a -> {
          CharRanges chars = singleCharSet(a);
          if (chars != null) {
            charClass(chars, sb);
            return;
          }
          sb.append("(?:");
          for (int i = 0; i < a.alternatives().size(); i++) {
            if (i > 0) {
              sb.append('|');
            }
            emit(a.alternatives().get(i), sb);
          }
          sb.append(')');
        }
        case Repeat r -> {
          RegexNode sub = r.sub();
          while (sub instanceof Group g && isSingleChar(g.sub())) {
            sub = g.sub();
          }
          if (isSingleChar(sub)) {
            // A lone character class under a quantifier runs iteratively in java.util.regex;
            // a group would recurse once per repetition and overflow the stack on long values.
            emit(sub, sb);
          } else {
            sb.append("(?:");
            emit(sub, sb);
            sb.append(')');
          }
          if (r.min() == 0 && r.max() == -1) {
            sb.append('*');
          } else if (r.min() == 1 && r.max() == -1) {
            sb.append('+');
          } else if (r.min() == 0 && r.max() == 1) {
            sb.append('?');
          } else if (r.max() == -1) {
            sb.append('{').append(r.min()).append(",}");
          } else if (r.min() == r.max()) {
            sb.append('{').append(r.min()).append('}');
          } else {
            sb.append('{').append(r.min()).append(',').append(r.max()).append('}');
          }
          if (!r.greedy()) {
            sb.append('?');
          }
        }
        case Group g -> {
          sb.append("(?:");
          emit(g.sub(), sb);
          sb.append(')');
        }
      }
    }

    /** Whether the node is emitted as one java.util.regex character or character class. */
    private static boolean isSingleChar(RegexNode n) {
      return n instanceof Lit || n instanceof Cls || n instanceof Any
          || (n instanceof Alt a && singleCharSet(a) != null);
    }

    /** The union of an alternation whose alternatives each match exactly one character. */
    private static @Nullable CharRanges singleCharSet(Alt a) {
      CharRanges.Builder b = new CharRanges.Builder();
      for (RegexNode x : a.alternatives()) {
        while (x instanceof Group g) {
          x = g.sub();
        }
        switch (x) {
          case Lit l -> {
            for (int cp : l.fold() ? CaseFolding.orbit(l.cp()) : new int[] {l.cp()}) {
              b.add(cp, cp);
            }
          }
          case Cls c -> b.addAll(c.set());
          case Any any -> {
            b.add(0, '\n' - 1).add('\n' + 1, Character.MAX_CODE_POINT);
            if (any.dotNl()) {
              b.add('\n', '\n');
            }
          }
          default -> {
            return null;
          }
        }
      }
      return b.build();
    }

    private static void literal(int cp, StringBuilder sb) {
      if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
        sb.append((char) cp);
      } else {
        sb.append("\\x{").append(Integer.toHexString(cp)).append('}');
      }
    }

    private static void charClass(CharRanges set, StringBuilder sb) {
      if (set.rangeCount() == 0) {
        sb.append("(?!)");
        return;
      }
      if (set.equals(CharRanges.ALL)) {
        sb.append(ANY_CHAR);
        return;
      }
      CharRanges neg = set.negate();
      boolean negated = neg.rangeCount() < set.rangeCount();
      CharRanges shown = negated ? neg : set;
      sb.append(negated ? "[^" : "[");
      for (int i = 0; i < shown.rangeCount(); i++) {
        literal(shown.lo(i), sb);
        if (shown.hi(i) != shown.lo(i)) {
          sb.append('-');
          literal(shown.hi(i), sb);
        }
      }
      sb.append(']');
    }
  }
}

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Parses RE2 syntax as Go's regexp/syntax does with the flags Prometheus uses ({@code Perl} plus
 * {@code DotNL}): {@code ^}/{@code $} match at text ends unless (?m), {@code .} matches a newline
 * unless (?-s), negated classes match a newline, {@code \d \s \w \b} are ASCII-only. Rejects what
 * RE2 rejects (backreferences, lookaround, possessive and nested quantifiers, atomic groups, ...),
 * with Go's error wording.
 */
final class Re2Parser {
  static final int FOLD = 1;
  static final int MULTI_LINE = 2;
  static final int DOT_NL = 4;
  static final int UNGREEDY = 8;

  private static final int MAX_REPEAT = 1000;
  /**
   * Group nesting limit. Go allows 1000; we stop at 100 so that parsing, translation and
   * java.util.regex (all recursive) stay well inside a thread's default stack.
   */
  static final int MAX_DEPTH = 100;

  private final String s;
  private int pos;
  private int depth;

  private Re2Parser(String s) {
    this.s = s;
  }

  static RegexNode parse(String regex) {
    Re2Parser p = new Re2Parser(regex);
    int[] flags = {DOT_NL};
    RegexNode n = p.parseAlternation(flags);
    if (p.pos < regex.length()) {
      // Only an unbalanced ')' stops the top-level alternation early.
      throw new RegexSyntaxException("unexpected )", regex, null);
    }
    return n;
  }

  private RegexNode parseAlternation(int[] flags) {
    List<RegexNode> alts = new ArrayList<>();
    while (true) {
      alts.add(parseConcat(flags));
      if (pos < s.length() && s.charAt(pos) == '|') {
        pos++;
        continue;
      }
      break;
    }
    return alts.size() == 1 ? alts.get(0) : new Alt(List.copyOf(alts));
  }

  private RegexNode parseConcat(int[] flags) {
    List<RegexNode> items = new ArrayList<>();
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == '|' || c == ')') {
        break;
      }
      int atomStart = pos;
      RegexNode atom;
      if (s.startsWith("\\Q", pos)) {
        List<RegexNode> lits = quotedLiterals(flags[0]);
        if (lits.isEmpty()) {
          repeatLastItem(items, flags[0]);
          continue;
        }
        items.addAll(lits.subList(0, lits.size() - 1));
        atom = lits.get(lits.size() - 1);
      } else {
        atom = parseAtom(flags);
      }
      if (atom == null) {
        repeatLastItem(items, flags[0]); // a flag group such as (?i) is transparent to a quantifier
        continue;
      }
      items.add(parseRepeats(atom, flags[0], atomStart));
    }
    if (items.isEmpty()) {
      return new Empty();
    }
    return items.size() == 1 ? items.get(0) : new Concat(List.copyOf(items));
  }

  /**
   * After a construct that produces nothing ({@code (?i)}, {@code \Q\E}), Go applies a following
   * quantifier to the item before it, as if the construct were not there.
   */
  private void repeatLastItem(List<RegexNode> items, int flags) {
    if (!items.isEmpty() && pos < s.length() && "*+?{".indexOf(s.charAt(pos)) >= 0
        && (s.charAt(pos) != '{' || tryParseCount(pos) != null)) {
      RegexNode last = items.remove(items.size() - 1);
      items.add(parseRepeats(last, flags, pos));
    }
  }

  private List<RegexNode> quotedLiterals(int flags) {
    pos += 2;
    int end = s.indexOf("\\E", pos);
    String text = end < 0 ? s.substring(pos) : s.substring(pos, end);
    pos = end < 0 ? s.length() : end + 2;
    List<RegexNode> out = new ArrayList<>();
    text.codePoints().forEach(cp -> out.add(lit(cp, flags)));
    return out;
  }

  private static Lit lit(int cp, int flags) {
    return new Lit(cp, (flags & FOLD) != 0 && CaseFolding.isCased(cp));
  }

  private RegexNode parseRepeats(RegexNode atom, int flags, int atomStart) {
    int lastRepeatStart = -1;
    while (pos < s.length()) {
      char c = s.charAt(pos);
      int opStart = pos;
      int min;
      int max;
      boolean counted = false;
      if (c == '*') {
        min = 0;
        max = -1;
        pos++;
      } else if (c == '+') {
        min = 1;
        max = -1;
        pos++;
      } else if (c == '?') {
        min = 0;
        max = 1;
        pos++;
      } else if (c == '{') {
        int[] mm = tryParseCount(pos);
        if (mm == null) {
          break; // a literal '{'
        }
        min = mm[0];
        max = mm[1];
        pos = mm[2];
        counted = true;
        if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) {
          throw new RegexSyntaxException("invalid repeat count", s.substring(opStart, pos), null);
        }
      } else {
        break;
      }
      boolean nonGreedy = false;
      if (pos < s.length() && s.charAt(pos) == '?') {
        pos++;
        nonGreedy = true;
      }
      if (lastRepeatStart >= 0) {
        String hint = null;
        if (s.charAt(opStart) == '+') {
          hint = "possessive quantifiers are not supported by RE2";
        }
        throw new RegexSyntaxException("invalid nested repetition operator", s.substring(lastRepeatStart, pos), hint);
      }
      lastRepeatStart = opStart;
      boolean greedy = nonGreedy == ((flags & UNGREEDY) != 0);
      atom = new Repeat(atom, min, max, greedy, counted);
      if (counted && !repeatIsValid(atom, MAX_REPEAT)) {
        throw new RegexSyntaxException("invalid repeat count", s.substring(opStart, pos), null);
      }
    }
    return atom;
  }

  /** Go's limit on nested counted repetitions: their product may not exceed 1000. */
  private static boolean repeatIsValid(RegexNode n, int budget) {
    switch (n) {
      case Repeat r -> {
        if (r.counted()) {
          int m = r.max();
          if (m == 0) {
            return true;
          }
          if (m < 0) {
            m = r.min();
          }
          if (m > budget) {
            return false;
          }
          if (m > 0) {
            budget /= m;
          }
        }
        return repeatIsValid(r.sub(), budget);
      }
      case Group g -> {
        return repeatIsValid(g.sub(), budget);
      }
      case Concat c -> {
        for (RegexNode x : c.items()) {
          if (!repeatIsValid(x, budget)) {
            return false;
          }
        }
        return true;
      }
      case Alt a -> {
        for (RegexNode x : a.alternatives()) {
          if (!repeatIsValid(x, budget)) {
            return false;
          }
        }
        return true;
      }
      default -> {
        return true;
      }
    }
  }

  /** Parses {n}, {n,} or {n,m} at {@code at}; returns {min, max(-1), end} or null if not one. */
  private int @Nullable [] tryParseCount(int at) {
    int i = at + 1;
    int start = i;
    while (i < s.length() && isDigit(s.charAt(i))) {
      i++;
    }
    if (i == start || i >= s.length() || (i - start > 1 && s.charAt(start) == '0')) {
      return null; // no digits, or a leading zero: RE2 reads the '{' as a literal
    }
    int min = parseCount(s.substring(start, i));
    int max;
    if (s.charAt(i) == '}') {
      max = min;
    } else if (s.charAt(i) == ',') {
      i++;
      int mstart = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      if (i >= s.length() || s.charAt(i) != '}' || (i - mstart > 1 && s.charAt(mstart) == '0')) {
        return null;
      }
      max = i == mstart ? -1 : parseCount(s.substring(mstart, i));
    } else {
      return null;
    }
    return new int[] {min, max, i + 1};
  }

  private static int parseCount(String digits) {
    // Anything beyond the limit is rejected later; avoid overflow on silly input.
    return digits.length() > 7 ? Integer.MAX_VALUE / 2 : Integer.parseInt(digits);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private @Nullable RegexNode parseAtom(int[] flags) {
    int f = flags[0];
    char c = s.charAt(pos);
    switch (c) {
      case '(' -> {
        return parseGroup(flags);
      }
      case '[' -> {
        return parseClass(f);
      }
      case '.' -> {
        pos++;
        return new Any((f & DOT_NL) != 0);
      }
      case '^' -> {
        pos++;
        return new Assert((f & MULTI_LINE) != 0 ? Assert.Kind.BEGIN_LINE : Assert.Kind.BEGIN_TEXT);
      }
      case '$' -> {
        pos++;
        return new Assert((f & MULTI_LINE) != 0 ? Assert.Kind.END_LINE : Assert.Kind.END_TEXT);
      }
      case '\\' -> {
        return parseBackslash(f);
      }
      case '*', '+', '?' -> {
        int end = pos + 1;
        if (end < s.length() && s.charAt(end) == '?') {
          end++;
        }
        throw new RegexSyntaxException("missing argument to repetition operator", s.substring(pos, end), null);
      }
      case '{' -> {
        int[] mm = tryParseCount(pos);
        if (mm != null) {
          throw new RegexSyntaxException("missing argument to repetition operator", s.substring(pos, mm[2]), null);
        }
        pos++;
        return lit('{', f);
      }
      default -> {
        int cp = s.codePointAt(pos);
        pos += Character.charCount(cp);
        return lit(cp, f);
      }
    }
  }

  private @Nullable RegexNode parseGroup(int[] flags) {
    int start = pos;
    int[] inner = {flags[0]};
    if (s.startsWith("(?", pos)) {
      // Only Python's (?P<name>...) form: Go before 1.22, and the regexp fork Prometheus uses,
      // reject the (?<name>...) form (as "invalid or unsupported Perl syntax: `(?<`").
      boolean named = s.startsWith("(?P<", pos) && s.length() - pos > 4;
      if (named) {
        int nameStart = pos + 4;
        int end = s.indexOf('>', nameStart);
        if (end < 0) {
          throw new RegexSyntaxException("invalid named capture", s.substring(start), null);
        }
        String name = s.substring(nameStart, end);
        if (name.isEmpty() || !name.chars().allMatch(ch -> ch == '_' || Character.isLetterOrDigit(ch) && ch < 0x80)) {
          throw new RegexSyntaxException("invalid named capture", s.substring(start, end + 1), null);
        }
        pos = end + 1;
      } else {
        int i = pos + 2;
        int nf = flags[0];
        boolean negative = false;
        boolean sawFlag = false;
        while (true) {
          if (i >= s.length()) {
            throw new RegexSyntaxException("invalid or unsupported Perl syntax", s.substring(start), null);
          }
          char c = s.charAt(i);
          int bit = switch (c) {
            case 'i' -> FOLD;
            case 'm' -> MULTI_LINE;
            case 's' -> DOT_NL;
            case 'U' -> UNGREEDY;
            default -> 0;
          };
          if (bit != 0) {
            nf = negative ? nf & ~bit : nf | bit;
            sawFlag = true;
            i++;
            continue;
          }
          if (c == '-' && !negative) {
            negative = true;
            sawFlag = false;
            i++;
            continue;
          }
          if ((c == ':' || c == ')') && !(negative && !sawFlag)) {
            if (c == ')') {
              flags[0] = nf;
              pos = i + 1;
              return null;
            }
            inner[0] = nf;
            pos = i + 1;
            break;
          }
          throw new RegexSyntaxException(
              "invalid or unsupported Perl syntax", s.substring(start, Math.min(s.length(), i + 1)), perlHint(i));
        }
      }
    } else {
      pos++;
    }
    if (++depth > MAX_DEPTH) {
      throw new RegexSyntaxException("expression nests too deeply", s, null);
    }
    RegexNode sub = parseAlternation(inner);
    depth--;
    if (pos >= s.length() || s.charAt(pos) != ')') {
      throw new RegexSyntaxException("missing closing )", s, null);
    }
    pos++;
    return new Group(sub);
  }

  private @Nullable String perlHint(int i) {
    char c = s.charAt(i);
    if (i == pos + 2) {
      return switch (c) {
        case '=', '!' -> "lookahead assertions are not supported by RE2";
        case '<' -> i + 1 < s.length() && (s.charAt(i + 1) == '=' || s.charAt(i + 1) == '!')
            ? "lookbehind assertions are not supported by RE2"
            : "named groups are written (?P<name>...) in RE2";
        case '>' -> "atomic groups are not supported by RE2";
        case '#' -> "comments are not supported by RE2";
        default -> null;
      };
    }
    return null;
  }

  private RegexNode parseBackslash(int flags) {
    int start = pos;
    if (pos + 1 >= s.length()) {
      throw new RegexSyntaxException("trailing backslash at end of expression", "", null);
    }
    char c = s.charAt(pos + 1);
    switch (c) {
      case 'A' -> {
        pos += 2;
        return new Assert(Assert.Kind.BEGIN_TEXT);
      }
      case 'z' -> {
        pos += 2;
        return new Assert(Assert.Kind.END_TEXT);
      }
      case 'b' -> {
        pos += 2;
        return new Assert(Assert.Kind.WORD_BOUNDARY);
      }
      case 'B' -> {
        pos += 2;
        return new Assert(Assert.Kind.NOT_WORD_BOUNDARY);
      }
      case 'd', 'D', 's', 'S', 'w', 'W' -> {
        pos += 2;
        return new Cls(perlClass(c, flags), null);
      }
      case 'p', 'P' -> {
        return unicodeClass(flags, true);
      }
      case 'C' -> throw new RegexSyntaxException(
          "invalid escape sequence", "\\C", "\\C (any byte) is not supported by Go's RE2");
      case 'Z' -> throw new RegexSyntaxException("invalid escape sequence", "\\Z", "use \\z for the end of text");
      default -> {
        int cp = parseEscape();
        return lit(cp, flags);
      }
    }
  }

  /** A single-character escape at {@code pos} (which is at the backslash); returns the code point. */
  private int parseEscape() {
    int start = pos;
    pos++;
    if (pos >= s.length()) {
      throw new RegexSyntaxException("trailing backslash at end of expression", "", null);
    }
    int c = s.codePointAt(pos);
    pos += Character.charCount(c);
    if (c >= '1' && c <= '7' && !(pos < s.length() && isOctal(s.charAt(pos)))) {
      throw new RegexSyntaxException(
          "invalid escape sequence", s.substring(start, pos), "backreferences are not supported by RE2");
    }
    if (c >= '0' && c <= '7') {
      int v = c - '0';
      for (int k = 1; k < 3 && pos < s.length() && isOctal(s.charAt(pos)); k++) {
        v = v * 8 + s.charAt(pos++) - '0';
      }
      return v;
    }
    switch (c) {
      case 'x' -> {
        if (pos >= s.length()) {
          throw new RegexSyntaxException("invalid escape sequence", s.substring(start), null);
        }
        if (s.charAt(pos) == '{') {
          int end = s.indexOf('}', pos);
          if (end < 0 || end == pos + 1) {
            throw new RegexSyntaxException("invalid escape sequence", s.substring(start, end < 0 ? s.length() : end + 1), null);
          }
          String hex = s.substring(pos + 1, end);
          pos = end + 1;
          if (!hex.chars().allMatch(Re2Parser::isHex) || hex.length() > 8
              || Long.parseLong(hex, 16) > Character.MAX_CODE_POINT) {
            throw new RegexSyntaxException("invalid escape sequence", s.substring(start, end), null);
          }
          return Integer.parseInt(hex, 16);
        }
        if (pos + 2 > s.length() || !isHex(s.charAt(pos)) || !isHex(s.charAt(pos + 1))) {
          throw new RegexSyntaxException("invalid escape sequence", s.substring(start, Math.min(s.length(), pos + 2)), null);
        }
        pos += 2;
        return Integer.parseInt(s.substring(pos - 2, pos), 16);
      }
      case 'a' -> {
        return 7;
      }
      case 'f' -> {
        return '\f';
      }
      case 'n' -> {
        return '\n';
      }
      case 'r' -> {
        return '\r';
      }
      case 't' -> {
        return '\t';
      }
      case 'v' -> {
        return 0x0b;
      }
      default -> {
        if (c < 0x80 && !Character.isLetterOrDigit(c)) {
          return c;
        }
        String hint = c == '8' || c == '9' ? "backreferences are not supported by RE2"
            : c == 'G' || c == 'R' || c == 'X' || c == 'h' || c == 'H' || c == 'V' || c == 'K' || c == 'e' || c == 'u'
                || c == 'k' || c == 'N' || c == 'c' ? "not supported by RE2" : null;
        throw new RegexSyntaxException("invalid escape sequence", s.substring(start, pos), hint);
      }
    }
  }

  private static boolean isOctal(char c) {
    return c >= '0' && c <= '7';
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // ---- character classes ----

  private static final CharRanges DIGIT = ranges('0', '9');
  private static final CharRanges SPACE = ranges('\t', '\n', '\f', '\r', ' ', ' ');
  private static final CharRanges WORD = ranges('0', '9', 'A', 'Z', '_', '_', 'a', 'z');

  private static CharRanges ranges(int... loHi) {
    CharRanges.Builder b = new CharRanges.Builder();
    for (int i = 0; i < loHi.length; i += 2) {
      b.add(loHi[i], loHi[i + 1]);
    }
    return b.build();
  }

  /** Folds a positive class when (?i), then negates it if asked, as Go does for class items. */
  private static CharRanges item(CharRanges positive, boolean negate, int flags) {
    CharRanges set = (flags & FOLD) != 0 ? positive.fold() : positive;
    return negate ? set.negate() : set;
  }

  private static CharRanges perlClass(char c, int flags) {
    CharRanges base = switch (Character.toLowerCase(c)) {
      case 'd' -> DIGIT;
      case 's' -> SPACE;
      default -> WORD;
    };
    return item(base, Character.isUpperCase(c), flags);
  }

  private static @Nullable CharRanges posixClass(String name) {
    return switch (name) {
      case "alnum" -> ranges('0', '9', 'A', 'Z', 'a', 'z');
      case "alpha" -> ranges('A', 'Z', 'a', 'z');
      case "ascii" -> ranges(0, 0x7f);
      case "blank" -> ranges('\t', '\t', ' ', ' ');
      case "cntrl" -> ranges(0, 0x1f, 0x7f, 0x7f);
      case "digit" -> DIGIT;
      case "graph" -> ranges('!', '~');
      case "lower" -> ranges('a', 'z');
      case "print" -> ranges(' ', '~');
      case "punct" -> ranges('!', '/', ':', '@', '[', '`', '{', '~');
      case "space" -> ranges('\t', '\r', ' ', ' ');
      case "upper" -> ranges('A', 'Z');
      case "word" -> WORD;
      case "xdigit" -> ranges('0', '9', 'A', 'F', 'a', 'f');
      default -> null;
    };
  }

  /** {@code \pX}, {@code \p{Name}}, {@code \P...}, {@code \p{^Name}} at {@code pos}. */
  private Cls unicodeClass(int flags, boolean standalone) {
    int start = pos;
    boolean negate = s.charAt(pos + 1) == 'P';
    pos += 2;
    if (pos >= s.length()) {
      throw new RegexSyntaxException("invalid character class range", s.substring(start), null);
    }
    String name;
    if (s.charAt(pos) == '{') {
      int end = s.indexOf('}', pos);
      if (end < 0) {
        throw new RegexSyntaxException("invalid character class range", s.substring(start), null);
      }
      name = s.substring(pos + 1, end);
      pos = end + 1;
    } else {
      int cp = s.codePointAt(pos);
      pos += Character.charCount(cp);
      name = new String(Character.toChars(cp));
    }
    if (name.startsWith("^")) {
      negate = !negate;
      name = name.substring(1);
    }
    UnicodeTable table = UnicodeTable.lookup(name);
    if (table == null) {
      throw new RegexSyntaxException("invalid character class range", s.substring(start, pos),
          "unknown Unicode class; RE2 knows general categories such as L or Lu and scripts such as Greek");
    }
    String javaForm = null;
    if (standalone && (flags & FOLD) == 0 && table.javaName() != null) {
      javaForm = (negate ? "\\P{" : "\\p{") + table.javaName() + "}";
    }
    return new Cls(item(table.set(), negate, flags), javaForm);
  }

  private Cls parseClass(int flags) {
    int start = pos;
    pos++;
    boolean negated = false;
    if (pos < s.length() && s.charAt(pos) == '^') {
      negated = true;
      pos++;
    }
    CharRanges.Builder b = new CharRanges.Builder();
    boolean first = true;
    while (true) {
      if (pos >= s.length()) {
        throw new RegexSyntaxException("missing closing ]", s.substring(start), null);
      }
      char c = s.charAt(pos);
      if (c == ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c == '[' && s.startsWith("[:", pos)) {
        int end = s.indexOf(":]", pos + 2);
        if (end >= 0) {
          String name = s.substring(pos + 2, end);
          boolean neg = name.startsWith("^");
          CharRanges base = posixClass(neg ? name.substring(1) : name);
          if (base == null) {
            throw new RegexSyntaxException("invalid character class range", s.substring(pos, end + 2), null);
          }
          b.addAll(item(base, neg, flags));
          pos = end + 2;
          continue;
        }
      }
      if (c == '\\' && pos + 1 < s.length()) {
        char d = s.charAt(pos + 1);
        if ("dDsSwW".indexOf(d) >= 0) {
          b.addAll(perlClass(d, flags));
          pos += 2;
          continue;
        }
        if (d == 'p' || d == 'P') {
          b.addAll(unicodeClass(flags, false).set());
          continue;
        }
      }
      int rangeStart = pos;
      int lo = classChar();
      int hi = lo;
      if (pos + 1 < s.length() && s.charAt(pos) == '-' && s.charAt(pos + 1) != ']') {
        pos++;
        hi = classChar();
        if (hi < lo) {
          throw new RegexSyntaxException("invalid character class range", s.substring(rangeStart, pos), null);
        }
      }
      b.add(lo, hi);
      if ((flags & FOLD) != 0) {
        CaseFolding.addFolded(b, lo, hi);
      }
    }
    CharRanges set = b.build();
    return new Cls(negated ? set.negate() : set, null);
  }

  private int classChar() {
    if (s.charAt(pos) == '\\') {
      return parseEscape();
    }
    int cp = s.codePointAt(pos);
    pos += Character.charCount(cp);
    return cp;
  }

  /** A named Unicode class: its code points and, when Java knows it by a name, that name. */
  record UnicodeTable(CharRanges set, @Nullable String javaName) {
    private static final Map<String, UnicodeTable> CACHE = new ConcurrentHashMap<>();
    private static final String CATEGORIES =
        "Cc Cf Co Cs Ll Lm Lo Lt Lu Mc Me Mn Nd Nl No Pc Pd Pe Pf Pi Po Ps Sc Sk Sm So Zl Zp Zs";

    static @Nullable UnicodeTable lookup(String name) {
      UnicodeTable t = CACHE.get(name);
      if (t == null) {
        t = compute(name);
        if (t != null) {
          CACHE.put(name, t);
        }
      }
      return t;
    }

    private static int javaType(String cat) {
      return switch (cat) {
        case "Cc" -> Character.CONTROL;
        case "Cf" -> Character.FORMAT;
        case "Co" -> Character.PRIVATE_USE;
        case "Cs" -> Character.SURROGATE;
        case "Ll" -> Character.LOWERCASE_LETTER;
        case "Lm" -> Character.MODIFIER_LETTER;
        case "Lo" -> Character.OTHER_LETTER;
        case "Lt" -> Character.TITLECASE_LETTER;
        case "Lu" -> Character.UPPERCASE_LETTER;
        case "Mc" -> Character.COMBINING_SPACING_MARK;
        case "Me" -> Character.ENCLOSING_MARK;
        case "Mn" -> Character.NON_SPACING_MARK;
        case "Nd" -> Character.DECIMAL_DIGIT_NUMBER;
        case "Nl" -> Character.LETTER_NUMBER;
        case "No" -> Character.OTHER_NUMBER;
        case "Pc" -> Character.CONNECTOR_PUNCTUATION;
        case "Pd" -> Character.DASH_PUNCTUATION;
        case "Pe" -> Character.END_PUNCTUATION;
        case "Pf" -> Character.FINAL_QUOTE_PUNCTUATION;
        case "Pi" -> Character.INITIAL_QUOTE_PUNCTUATION;
        case "Po" -> Character.OTHER_PUNCTUATION;
        case "Ps" -> Character.START_PUNCTUATION;
        case "Sc" -> Character.CURRENCY_SYMBOL;
        case "Sk" -> Character.MODIFIER_SYMBOL;
        case "Sm" -> Character.MATH_SYMBOL;
        case "So" -> Character.OTHER_SYMBOL;
        case "Zl" -> Character.LINE_SEPARATOR;
        case "Zp" -> Character.PARAGRAPH_SEPARATOR;
        case "Zs" -> Character.SPACE_SEPARATOR;
        default -> -1;
      };
    }

    private static @Nullable UnicodeTable compute(String name) {
      if (name.equals("Any")) {
        return new UnicodeTable(CharRanges.ALL, null);
      }
      boolean[] types = new boolean[32];
      boolean isCategory = false;
      for (String cat : CATEGORIES.split(" ")) {
        if (cat.equals(name) || (name.length() == 1 && cat.charAt(0) == name.charAt(0))) {
          types[javaType(cat)] = true;
          isCategory = true;
        }
      }
      if (isCategory) {
        CharRanges set = scan(cp -> types[Character.getType(cp)]);
        // Java's one-letter C also covers unassigned code points; RE2's does not.
        return new UnicodeTable(set, name.equals("C") ? null : name);
      }
      if (name.isEmpty() || !Character.isUpperCase(name.charAt(0))) {
        return null;
      }
      Character.UnicodeScript script;
      try {
        script = Character.UnicodeScript.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return null;
      }
      if (script == Character.UnicodeScript.UNKNOWN) {
        return null;
      }
      return new UnicodeTable(scan(cp -> Character.UnicodeScript.of(cp) == script), "Is" + script.name());
    }

    private interface CodePointTest {
      boolean test(int cp);
    }

    private static CharRanges scan(CodePointTest test) {
      CharRanges.Builder b = new CharRanges.Builder();
      int runStart = -1;
      for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
        boolean in = cp <= Character.MAX_CODE_POINT && test.test(cp);
        if (in && runStart < 0) {
          runStart = cp;
        } else if (!in && runStart >= 0) {
          b.add(runStart, cp - 1);
          runStart = -1;
        }
      }
      return b.build();
    }
  }
}

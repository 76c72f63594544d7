package dev.hypnos.promql.testscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Parses Prometheus's PromQL test-script format ({@code promql/promqltest/testdata/*.test}) into
 * {@link Command}s. See the conformance folder's FORMAT.md for the grammar.
 */
public final class ScriptParser {
  private static final Pattern LOAD = Pattern.compile("^load(?:_(with_nhcb))?\\s+(.+?)$");
  private static final Pattern EVAL_INSTANT =
      Pattern.compile("^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");
  private static final Pattern EVAL_RANGE =
      Pattern.compile("^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)\\s+(.+)$");
  private static final Pattern EXPECT =
      Pattern.compile("^expect\\s+(ordered|fail|warn|no_warn|info|no_info)(?:\\s+(regex|msg):(.+))?$");
  private static final Pattern EXPECT_RANGE =
      Pattern.compile("^expect range vector\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+)$");
  private static final String EXPECT_STRING = "expect string";
  private static final Pattern START_TIMESTAMPS = Pattern.compile("^[^\\s{]*(\\{.*\\})?@st(\\s.*)?$");

  private ScriptParser() {}

  /** Parses a whole script. */
  public static List<Command> parse(String text) {
    String[] raw = text.split("\n", -1);
    String[] lines = new String[raw.length];
    for (int i = 0; i < raw.length; i++) {
      String t = raw[i].strip();
      lines[i] = t.startsWith("#") ? "" : t;
    }
    List<Command> out = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty()) {
        continue;
      }
      String word = l.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
      if (word.equals("clear")) {
        out.add(new Command.Clear(i + 1));
      } else if (word.startsWith("load")) {
        i = parseLoad(lines, i, out);
      } else if (word.startsWith("eval")) {
        i = parseEval(lines, i, out);
      } else {
        throw new ScriptException(i + 1, "unknown command: " + l);
      }
    }
    return out;
  }

  private static int parseLoad(String[] lines, int i, List<Command> out) {
    Matcher m = LOAD.matcher(lines[i]);
    if (!m.matches()) {
      throw new ScriptException(i + 1, "invalid load command: " + lines[i]);
    }
    long interval = Durations.parseMillis(m.group(2), i + 1);
    int start = i;
    List<SeriesLine> series = new ArrayList<>();
    while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
      i++;
      if (START_TIMESTAMPS.matcher(lines[i]).matches()) {
        continue; // start timestamps (@st) are not supported; the samples of the next line still load
      }
      series.add(SeriesLineParser.parse(lines[i], i + 1));
    }
    out.add(new Command.Load(start + 1, interval, series, m.group(1) != null));
    return i;
  }

  private static int parseEval(String[] lines, int i, List<Command> out) {
    int lineNo = i + 1;
    Matcher inst = EVAL_INSTANT.matcher(lines[i]);
    Matcher rng = EVAL_RANGE.matcher(lines[i]);
    boolean isInstant = inst.matches();
    if (!isInstant && !rng.matches()) {
      throw new ScriptException(lineNo, "invalid evaluation command: " + lines[i]);
    }
    String mod;
    String expr;
    long start;
    long end;
    long step = 0;
    if (isInstant) {
      mod = inst.group(1);
      expr = inst.group(3);
      String at = inst.group(2);
      if (at == null) {
        throw new ScriptException(lineNo, "missing evaluation time in: " + lines[i]);
      }
      start = Durations.parseMillis(at, lineNo);
      end = start;
    } else {
      mod = rng.group(1);
      start = Durations.parseMillis(rng.group(2), lineNo);
      end = Durations.parseMillis(rng.group(3), lineNo);
      step = Durations.parseMillis(rng.group(4), lineNo);
      expr = rng.group(5);
      if (end < start) {
        throw new ScriptException(lineNo, "end timestamp is before start timestamp");
      }
    }
    Command.@Nullable Expect fail = null;
    List<Command.Expect> warns = new ArrayList<>();
    List<Command.Expect> infos = new ArrayList<>();
    boolean noWarn = false;
    boolean noInfo = false;
    boolean ordered = false;
    long @Nullable [] rangeVector = null;
    @Nullable String expectedString = null;
    @Nullable Double scalar = null;
    List<SeriesLine> expected = new ArrayList<>();
    if (mod != null) {
      switch (mod) {
        case "fail" -> fail = new Command.Expect(null, null);
        case "warn" -> warns.add(new Command.Expect(null, null));
        case "info" -> infos.add(new Command.Expect(null, null));
        case "ordered" -> ordered = true;
        default -> throw new ScriptException(lineNo, "unknown eval modifier " + mod);
      }
    }
    while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
      i++;
      String def = lines[i];
      if (fail != null && def.startsWith("expected_fail_message")) {
        fail = new Command.Expect(def.substring("expected_fail_message".length()).strip(), null);
        break;
      }
      if (fail != null && def.startsWith("expected_fail_regexp")) {
        fail = new Command.Expect(null, compile(def.substring("expected_fail_regexp".length()).strip(), i + 1));
        break;
      }
      if (def.startsWith("expect range vector")) {
        Matcher m = EXPECT_RANGE.matcher(def);
        if (!m.matches()) {
          throw new ScriptException(i + 1, "invalid range vector definition " + def);
        }
        rangeVector = new long[] {
          Durations.parseMillis(m.group(1), i + 1), Durations.parseMillis(m.group(2), i + 1), Durations.parseMillis(m.group(3), i + 1)
        };
        continue;
      }
      if (def.startsWith(EXPECT_STRING)) {
        String lit = def.substring(EXPECT_STRING.length()).strip();
        if (lit.length() < 2) {
          throw new ScriptException(i + 1, "expected string literal not valid - a quoted string literal is required");
        }
        char q = lit.charAt(0);
        if (q == '`') {
          expectedString = lit.substring(1, lit.length() - 1);
        } else {
          expectedString = SeriesLineParser.unquote(lit.substring(1, lit.length() - 1), i + 1);
        }
        continue;
      }
      if (def.split(" ", -1)[0].equals("expect")) {
        Matcher m = EXPECT.matcher(def);
        if (!m.matches()) {
          throw new ScriptException(i + 1, "invalid expect statement: " + def);
        }
        Command.Expect e;
        if (m.group(2) == null) {
          e = new Command.Expect(null, null);
        } else if (m.group(2).equals("msg")) {
          e = new Command.Expect(m.group(3).strip(), null);
        } else {
          e = new Command.Expect(null, compile(m.group(3).strip(), i + 1));
        }
        switch (m.group(1)) {
          case "ordered" -> ordered = true;
          case "fail" -> {
            if (fail != null && mod == null) {
              throw new ScriptException(i + 1, "multiple expect fail lines are not allowed");
            }
            fail = e;
          }
          case "warn" -> warns.add(e);
          case "info" -> infos.add(e);
          case "no_warn" -> noWarn = true;
          case "no_info" -> noInfo = true;
          default -> throw new ScriptException(i + 1, "invalid expect type " + m.group(1));
        }
        continue;
      }
      try {
        scalar = SeriesLineParser.parseNumber(def);
        break;
      } catch (NumberFormatException e) {
        // a series line
      }
      SeriesLine s = SeriesLineParser.parse(def, i + 1);
      if (s.slots() > 1 && isInstant && rangeVector == null) {
        throw new ScriptException(i + 1, "expecting multiple values in instant evaluation not allowed");
      }
      expected.add(s);
    }
    if ((!warns.isEmpty() && noWarn) || (!infos.isEmpty() && noInfo)) {
      throw new ScriptException(lineNo, "warn/no_warn or info/no_info used together");
    }
    out.add(new Command.Eval(lineNo, expr, !isInstant, start, end, step, fail, warns, infos, noWarn, noInfo, ordered,
        rangeVector, expectedString, scalar, expected));
    return i;
  }

  private static Pattern compile(String re, int line) {
    try {
      return Pattern.compile(re);
    } catch (PatternSyntaxException e) {
      throw new ScriptException(line, "invalid regex " + re + ": " + e.getDescription());
    }
  }
}

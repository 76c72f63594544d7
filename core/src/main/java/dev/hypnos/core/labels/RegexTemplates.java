package dev.hypnos.core.labels;

import java.util.regex.Matcher;

/**
 * Go's {@code regexp.Expand}, which PromQL's {@code label_replace} and Prometheus relabelling use
 * for replacement templates: {@code $$} is a dollar, {@code $1}/{@code ${1}} a numbered group,
 * {@code $name}/{@code ${name}} a named group (the longest run of letters, digits and {@code _});
 * an unknown or unmatched group expands to "", and a {@code $} not followed by a valid reference
 * is kept as is.
 */
public final class RegexTemplates {
  private RegexTemplates() {}

  public static String expand(Matcher m, String template) {
    StringBuilder out = new StringBuilder(template.length() + 16);
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$' || i + 1 >= template.length()) {
        out.append(c);
        i++;
        continue;
      }
      char n = template.charAt(i + 1);
      if (n == '$') {
        out.append('$');
        i += 2;
        continue;
      }
      String name;
      int end;
      if (n == '{') {
        int close = template.indexOf('}', i + 2);
        name = close < 0 ? "" : template.substring(i + 2, close);
        if (name.isEmpty() || !isNameChars(name, 0, name.length())) {
          out.append(c);
          i++;
          continue;
        }
        end = close + 1;
      } else {
        int j = i + 1;
        while (j < template.length() && isNameChar(template.charAt(j))) {
          j++;
        }
        if (j == i + 1) {
          out.append(c);
          i++;
          continue;
        }
        name = template.substring(i + 1, j);
        end = j;
      }
      out.append(group(m, name));
      i = end;
    }
    return out.toString();
  }

  private static boolean isNameChar(char ch) {
    return Character.isLetterOrDigit(ch) || ch == '_';
  }

  private static boolean isNameChars(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!isNameChar(s.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  private static String group(Matcher m, String name) {
    String g = null;
    if (name.chars().allMatch(Character::isDigit)) {
      try {
        int idx = Integer.parseInt(name);
        if (idx <= m.groupCount()) {
          g = m.group(idx);
        }
      } catch (NumberFormatException tooLarge) {
        g = null;
      }
    } else {
      try {
        g = m.group(name);
      } catch (IllegalArgumentException noSuchGroup) {
        g = null;
      }
    }
    return g == null ? "" : g;
  }
}

package dev.hypnos.promql.engine;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.engine.Evaluator.Loaded;
import dev.hypnos.promql.engine.Evaluator.VecVal;
import dev.hypnos.promql.parser.AtModifier;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The experimental {@code info(v [, {data label selector}])} function: adds the data labels of
 * info metrics ({@code target_info} by default) that share the identifying labels {@code
 * instance} and {@code job} with each sample.
 */
final class Info {
  private static final List<String> IDENTIFYING = List.of("instance", "job");

  private Info() {}

  /** Timestamp and offset at which the info series are read: those of the first selector of the argument. */
  private record Ref(@Nullable AtModifier at, long offsetMs) {}

  private static @Nullable Ref firstSelectorRef(Expr e, List<SubqueryExpr> path) {
    switch (e) {
      case VectorSelector vs -> {
        AtModifier at = vs.at();
        long off = vs.offsetMs();
        for (int i = path.size() - 1; at == null && i >= 0; i--) {
          off += path.get(i).offsetMs();
          at = path.get(i).at();
        }
        return new Ref(at, off);
      }
      case Expr.MatrixSelector m -> {
        return firstSelectorRef(m.selector(), path);
      }
      case SubqueryExpr sq -> {
        List<SubqueryExpr> p = new ArrayList<>(path);
        p.add(sq);
        return firstSelectorRef(sq.expr(), p);
      }
      case Call c -> {
        for (Expr a : c.args()) {
          Ref r = firstSelectorRef(a, path);
          if (r != null) {
            return r;
          }
        }
        return null;
      }
      case Expr.AggregateExpr a -> {
        Ref r = a.param() == null ? null : firstSelectorRef(a.param(), path);
        return r != null ? r : firstSelectorRef(a.expr(), path);
      }
      case Expr.BinaryExpr b -> {
        Ref r = firstSelectorRef(b.lhs(), path);
        return r != null ? r : firstSelectorRef(b.rhs(), path);
      }
      case Expr.UnaryExpr u -> {
        return firstSelectorRef(u.expr(), path);
      }
      case Expr.ParenExpr p -> {
        return firstSelectorRef(p.expr(), path);
      }
      default -> {
        return null;
      }
    }
  }

  private static List<Matcher> effectiveNameMatchers(List<Matcher> ms) {
    for (Matcher m : ms) {
      if (m.type() == MatchType.EQ || m.type() == MatchType.RE) {
        return ms;
      }
    }
    if (!ms.isEmpty()) {
      List<Matcher> out = new ArrayList<>();
      out.add(Matcher.re("__name__", ".+_info"));
      out.addAll(ms);
      return out;
    }
    return List.of(Matcher.eq("__name__", "target_info"));
  }

  static VecVal info(Evaluator ev, Call c, long ts) {
    List<Sample> base = ev.evalVector(c.args().get(0), ts);
    Map<String, List<Matcher>> dataMatchers = new LinkedHashMap<>();
    List<Matcher> infoNameMatchers = new ArrayList<>();
    if (c.args().size() > 1) {
      VectorSelector sel = (VectorSelector) Evaluator.unwrapParens(c.args().get(1));
      for (Matcher m : sel.matchers()) {
        dataMatchers.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m);
        if (m.name().equals("__name__")) {
          infoNameMatchers.add(m);
        }
      }
    } else {
      infoNameMatchers.add(Matcher.eq("__name__", "target_info"));
    }
    List<Matcher> effective = effectiveNameMatchers(infoNameMatchers);
    Set<Labels> ignore = new HashSet<>();
    for (Sample s : base) {
      String name = s.metric().getOrEmpty("__name__");
      boolean all = true;
      for (Matcher m : effective) {
        all &= m.matches(name);
      }
      if (all) {
        ignore.add(s.metric());
      }
    }
    Map<String, Set<String>> idValues = new TreeMap<>();
    for (Sample s : base) {
      if (ignore.contains(s.metric())) {
        continue;
      }
      for (String l : IDENTIFYING) {
        String v = s.metric().getOrEmpty(l);
        if (!v.isEmpty()) {
          idValues.computeIfAbsent(l, k -> new TreeSet<>()).add(v);
        }
      }
    }
    List<Matcher> nameMatchers = new ArrayList<>();
    List<Matcher> selectMatchers = new ArrayList<>();
    idValues.forEach((l, vals) -> {
      StringBuilder sb = new StringBuilder();
      for (String v : vals) {
        if (sb.length() > 0) {
          sb.append('|');
        }
        sb.append(quoteMeta(v));
      }
      selectMatchers.add(Matcher.re(l, sb.toString()));
    });
    for (List<Matcher> ms : dataMatchers.values()) {
      for (Matcher m : ms) {
        if (m.name().equals("__name__")) {
          nameMatchers.add(m);
        } else {
          selectMatchers.add(m);
        }
      }
    }
    dataMatchers.remove("__name__");
    List<Sample> infoSamples = new ArrayList<>();
    if (!idValues.isEmpty()) {
      selectMatchers.addAll(effectiveNameMatchers(nameMatchers));
      Ref ref = firstSelectorRef(c.args().get(0), List.of());
      long at = ref == null || ref.at() == null ? ts : ev.atTimeOf(ref.at());
      long refT = at - (ref == null ? 0 : ref.offsetMs());
      for (Loaded l : ev.load(selectMatchers, refT - ev.lookback(), refT, "info series")) {
        int idx = Evaluator.lastAtOrBefore(l.t(), refT);
        if (idx < 0 || Values.isStaleNaN(l.v()[idx])) {
          continue;
        }
        infoSamples.add(new Sample(l.labels(), l.t()[idx], l.v()[idx]));
      }
    }
    Set<String> infoNames = new TreeSet<>();
    for (Sample s : infoSamples) {
      infoNames.add(s.metric().getOrEmpty("__name__"));
    }
    Map<Labels, Sample> bySig = new HashMap<>();
    for (Sample s : infoSamples) {
      Labels sig = signature(s.metric().getOrEmpty("__name__"), s.metric());
      Sample existing = bySig.get(sig);
      if (existing == null || existing.t() < s.t()) {
        bySig.put(sig, s);
      } else if (existing.t() == s.t()) {
        throw new QueryException(QueryException.Kind.EXECUTION, "found duplicate series for info metric: existing "
            + existing.metric() + " @ " + existing.t() + ", new " + s.metric() + " @ " + s.t());
      }
    }
    List<Sample> out = new ArrayList<>();
    for (Sample bs : base) {
      if (ignore.contains(bs.metric())) {
        out.add(bs);
        continue;
      }
      Map<String, String> added = new TreeMap<>();
      int seen = 0;
      for (String infoName : infoNames) {
        Sample is = bySig.get(signature(infoName, bs.metric()));
        if (is == null) {
          continue;
        }
        for (int i = 0; i < is.metric().size(); i++) {
          String n = is.metric().name(i);
          String v = is.metric().value(i);
          if (n.equals("__name__")) {
            continue;
          }
          if (!dataMatchers.isEmpty() && !dataMatchers.containsKey(n)) {
            continue;
          }
          String prev = added.get(n);
          if (prev != null && !prev.equals(v)) {
            throw new QueryException(QueryException.Kind.EXECUTION, "conflicting label: " + n);
          }
          if (bs.metric().get(n) != null) {
            continue;
          }
          added.put(n, v);
        }
        seen++;
      }
      if (seen == 0) {
        boolean allMatchEmpty = true;
        for (List<Matcher> ms : dataMatchers.values()) {
          for (Matcher m : ms) {
            allMatchEmpty &= m.matches("");
          }
        }
        if (!allMatchEmpty) {
          continue;
        }
      }
      Map<String, String> lm = Evaluator.mapOf(bs.metric());
      lm.putAll(added);
      out.add(new Sample(Evaluator.labelsOf(lm), ts, bs.f(), bs.h(), bs.dropName()));
    }
    return new VecVal(out);
  }

  private static Labels signature(String name, Labels l) {
    Map<String, String> m = new HashMap<>();
    m.put("__name__", name);
    for (String id : IDENTIFYING) {
      String v = l.get(id);
      if (v != null) {
        m.put(id, v);
      }
    }
    return Evaluator.labelsOf(m);
  }

  private static String quoteMeta(String s) {
    StringBuilder sb = new StringBuilder();
    for (char ch : s.toCharArray()) {
      if ("\\.+*?()|[]{}^$".indexOf(ch) >= 0) {
        sb.append('\\');
      }
      sb.append(ch);
    }
    return sb.toString();
  }
}

package dev.hypnos.querier.api;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.engine.Annotations;
import dev.hypnos.promql.engine.Engine;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.promql.engine.QueryResult;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.PromQLParser;
import dev.hypnos.querier.DownsampledRewrite;
import dev.hypnos.querier.Downsampling;
import dev.hypnos.querier.ProxyStore;
import dev.hypnos.querier.QueryStats;
import dev.hypnos.querier.StoreApiQueryable;
import dev.hypnos.sidecarclient.EndpointStatus;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.PartialResponseStrategy;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The Prometheus HTTP API v1 over the fan-out, on Javalin, with Thanos's extra parameters
 * ({@code dedup}, {@code replicaLabels[]}, {@code partial_response}, {@code
 * max_source_resolution}, {@code storeMatch[]}, {@code lookback_delta}, {@code engine}) and
 * {@code /api/v1/stores}.
 *
 * <p>Parameters are read as Go's {@code r.FormValue} does: a POST form body first, then the URL
 * query (Grafana puts custom parameters in the URL of its POSTs). Every error goes through {@link
 * ApiErrorMapper}.
 *
 * <p>Concurrency: thread-safe; each request builds its own fan-out over the current members.
 */
public final class PrometheusApi implements AutoCloseable {
  /** Prometheus's default start of optional time ranges, milliseconds. */
  static final long MIN_TIME = -9223309901257974L * 1000;
  /** Prometheus's default end of optional time ranges, milliseconds. */
  static final long MAX_TIME = 9223309901257974L * 1000 + 999;

  /**
   * What the API serves.
   *
   * @param members the stores to fan out to (the endpoint set's healthy stores), read per request
   * @param statuses every endpoint's status for {@code /api/v1/stores}, keyed later by component type
   * @param engineOptions engine defaults (lookback delta, timeout, max samples)
   * @param replicaLabels {@code --query.replica-label}
   * @param dedupAlgorithm {@code --deduplication.func}
   * @param partialResponse {@code --query.partial-response}
   * @param responseTimeout {@code --store.response-timeout}, zero for none
   * @param flags the command line flags for {@code /api/v1/status/flags}
   * @param routePrefix {@code --web.route-prefix}, empty or starting with {@code /}
   * @param autoDownsampling {@code --query.auto-downsampling}: a query without {@code
   *     max_source_resolution} is read as {@code auto}
   */
  public record Config(
      Supplier<? extends Collection<ProxyStore.Member>> members,
      Supplier<List<EndpointStatus>> statuses,
      EngineOptions engineOptions,
      List<String> replicaLabels,
      DedupSeriesSet.Algorithm dedupAlgorithm,
      boolean partialResponse,
      Duration responseTimeout,
      Map<String, String> flags,
      String routePrefix,
      String version,
      boolean autoDownsampling) {
    public Config {
      Objects.requireNonNull(members, "members");
      Objects.requireNonNull(statuses, "statuses");
      Objects.requireNonNull(engineOptions, "engineOptions");
      replicaLabels = List.copyOf(replicaLabels);
      Objects.requireNonNull(dedupAlgorithm, "dedupAlgorithm");
      Objects.requireNonNull(responseTimeout, "responseTimeout");
      flags = Map.copyOf(flags);
      Objects.requireNonNull(routePrefix, "routePrefix");
      Objects.requireNonNull(version, "version");
    }

    /** A configuration without {@code --query.auto-downsampling}. */
    public Config(Supplier<? extends Collection<ProxyStore.Member>> members, Supplier<List<EndpointStatus>> statuses,
        EngineOptions engineOptions, List<String> replicaLabels, DedupSeriesSet.Algorithm dedupAlgorithm,
        boolean partialResponse, Duration responseTimeout, Map<String, String> flags, String routePrefix,
        String version) {
      this(members, statuses, engineOptions, replicaLabels, dedupAlgorithm, partialResponse, responseTimeout, flags,
          routePrefix, version, false);
    }

    /** This configuration with {@code --query.auto-downsampling} set as given. */
    public Config withAutoDownsampling(boolean on) {
      return new Config(members, statuses, engineOptions, replicaLabels, dedupAlgorithm, partialResponse,
          responseTimeout, flags, routePrefix, version, on);
    }
  }

  private final Config config;
  private final InstantSource clock;
  private final Instant startTime;
  private final Javalin app;
  private final AtomicBoolean ready = new AtomicBoolean(true);
  /** How often the watchdog checks that the clients of running queries are still there. */
  static final Duration CLIENT_CHECK_INTERVAL = Duration.ofMillis(100);
  /** Cancels queries whose HTTP client went away. */
  private final ClientWatchdog watchdog = new ClientWatchdog(CLIENT_CHECK_INTERVAL);
  private final AtomicLong inFlight = new AtomicLong();
  private final LongAdder canceledByClient = new LongAdder();
  private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.LongAdder> requests =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  public PrometheusApi(Config config, InstantSource clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.startTime = clock.instant();
    String prefix = config.routePrefix().endsWith("/") ? config.routePrefix().substring(0, config.routePrefix().length() - 1)
        : config.routePrefix();
    this.app = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
    });
    String p = prefix + "/api/v1";
    app.get(p + "/query", this::query);
    app.post(p + "/query", this::query);
    app.get(p + "/query_range", this::queryRange);
    app.post(p + "/query_range", this::queryRange);
    app.get(p + "/series", this::series);
    app.post(p + "/series", this::series);
    app.get(p + "/labels", this::labels);
    app.post(p + "/labels", this::labels);
    app.get(p + "/label/{name}/values", this::labelValues);
    app.get(p + "/metadata", ctx -> success(ctx, g -> { g.writeStartObject(); g.writeEndObject(); }, List.of()));
    app.get(p + "/query_exemplars", ctx -> success(ctx, g -> { g.writeStartArray(); g.writeEndArray(); }, List.of()));
    app.post(p + "/query_exemplars", ctx -> success(ctx, g -> { g.writeStartArray(); g.writeEndArray(); }, List.of()));
    app.get(p + "/rules", ctx -> success(ctx, g -> { g.writeStartObject(); g.writeArrayFieldStart("groups"); g.writeEndArray(); g.writeEndObject(); }, List.of()));
    app.get(p + "/alerts", ctx -> success(ctx, g -> { g.writeStartObject(); g.writeArrayFieldStart("alerts"); g.writeEndArray(); g.writeEndObject(); }, List.of()));
    app.get(p + "/status/buildinfo", this::buildInfo);
    app.get(p + "/status/flags", this::flags);
    app.get(p + "/status/runtimeinfo", this::runtimeInfo);
    app.get(p + "/stores", this::stores);
    app.get(prefix + "/-/healthy", ctx -> ctx.result("OK"));
    app.get(prefix + "/-/ready", ctx -> {
      if (ready.get()) {
        ctx.result("OK");
      } else {
        ctx.status(503).result("NOT READY");
      }
    });
    app.get(prefix + "/metrics", this::metrics);
    app.exception(Exception.class, (e, ctx) -> error(ctx, ApiErrorMapper.map(e)));
    app.after(ctx -> {
      if (ctx.endpointHandlerPath().startsWith(p)) {
        String key = "handler=\"" + ctx.endpointHandlerPath().substring(prefix.length()) + "\",code=\"" + ctx.statusCode() + "\"";
        requests.computeIfAbsent(key, k -> new java.util.concurrent.atomic.LongAdder()).increment();
      }
    });
  }

  /** Starts listening; port 0 picks a free port (see {@link #port()}). */
  public PrometheusApi start(String host, int port) {
    app.start(host, port);
    return this;
  }

  public int port() {
    return app.port();
  }

  /** Routes of the embedding server (e.g. {@code /metrics}) can be added here before start. */
  public Javalin javalin() {
    return app;
  }

  public void setReady(boolean r) {
    ready.set(r);
  }

  @Override
  public void close() {
    app.stop();
    watchdog.close();
  }

  // ------------------------------------------------------------------ parameters

  /** Go's {@code r.FormValue}: the form body's first value, else the URL's; "" when absent. */
  static String value(Context ctx, String name) {
    if (isForm(ctx)) {
      String v = ctx.formParam(name);
      if (v != null) {
        return v;
      }
    }
    String v = ctx.queryParam(name);
    return v == null ? "" : v;
  }

  /** Go's {@code r.Form[name]}: the form body's values, then the URL's. */
  static List<String> values(Context ctx, String name) {
    List<String> out = new ArrayList<>();
    if (isForm(ctx)) {
      out.addAll(ctx.formParams(name));
    }
    out.addAll(ctx.queryParams(name));
    return out;
  }

  /** Request attribute holding {@link #isForm}'s answer, worked out once per request. */
  private static final String FORM_ATTRIBUTE = "hypnos.form";

  private static boolean isForm(Context ctx) {
    Boolean known = ctx.attribute(FORM_ATTRIBUTE);
    if (known != null) {
      return known;
    }
    String ct = ctx.contentType();
    boolean form = ct != null && ct.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33);
    ctx.attribute(FORM_ATTRIBUTE, form);
    return form;
  }

  /** Prometheus's {@code parseTime}: float seconds (rounded to ms) or RFC 3339. */
  static long parseTime(String s) {
    try {
      double d = Double.parseDouble(s);
      if (!s.isBlank() && !Double.isNaN(d) && !Double.isInfinite(d) && !s.endsWith("d") && !s.endsWith("f")
          && !s.endsWith("D") && !s.endsWith("F")) {
        double whole = d < 0 ? Math.ceil(d) : Math.floor(d);
        double frac = Math.round((d - whole) * 1000) / 1000.0;
        return (long) whole * 1000 + Math.round(frac * 1000);
      }
    } catch (NumberFormatException ignored) {
      // Not a number: try RFC 3339.
    }
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
    } catch (RuntimeException ignored) {
      // Fall through to Prometheus's boundary texts.
    }
    if (s.equals("-292273086-05-16T16:47:06Z")) {
      return MIN_TIME;
    }
    if (s.equals("292277025-08-18T07:12:54.999999999Z")) {
      return MAX_TIME;
    }
    throw new IllegalArgumentException("cannot parse \"" + s + "\" to a valid timestamp");
  }

  private static long timeParam(Context ctx, String name, long dflt) {
    String v = value(ctx, name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      return parseTime(v);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidParam(name, "Invalid time value for '" + name + "': " + e.getMessage());
    }
  }

  /** Prometheus's {@code parseDuration}: float seconds or a Prometheus duration, in ms. */
  static long parseDuration(String s) {
    try {
      double d = Double.parseDouble(s);
      if (!s.isBlank() && !Double.isNaN(d) && !s.endsWith("d") && !s.endsWith("f") && !s.endsWith("D") && !s.endsWith("F")) {
        double ns = d * 1e9;
        if (ns > Long.MAX_VALUE || ns < Long.MIN_VALUE) {
          throw new IllegalArgumentException("cannot parse \"" + s + "\" to a valid duration. It overflows int64");
        }
        return (long) ns / 1_000_000;
      }
    } catch (NumberFormatException ignored) {
      // Not a number: a duration string.
    }
    try {
      return dev.hypnos.promql.parser.Durations.parseMillis(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot parse \"" + s + "\" to a valid duration");
    }
  }

  private static long durationParam(String name, String v) {
    try {
      return parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidParam(name, e.getMessage());
    }
  }

  /** Go's {@code strconv.ParseBool}. */
  static boolean boolParam(Context ctx, String name, boolean dflt) {
    String v = value(ctx, name);
    return switch (v) {
      case "" -> dflt;
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default -> throw ApiException.badData(
          "'" + name + "' parameter: strconv.ParseBool: parsing \"" + v + "\": invalid syntax");
    };
  }

  private static int limitParam(Context ctx) {
    String v = value(ctx, "limit");
    if (v.isEmpty()) {
      return 0;
    }
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiException.invalidParam("limit", "strconv.Atoi: parsing \"" + v + "\": invalid syntax");
    }
    if (n < 0) {
      throw ApiException.invalidParam("limit", "limit must be non-negative");
    }
    return n;
  }

  /** {@code match[]} selectors; each must have a matcher that does not match the empty string. */
  static List<List<Matcher>> matcherSets(List<String> selectors, String param) {
    List<List<Matcher>> out = new ArrayList<>();
    for (String s : selectors) {
      Expr e;
      try {
        e = PromQLParser.parse(s);
      } catch (dev.hypnos.promql.parser.ParseException pe) {
        if (pe.detail().contains("at least one non-empty matcher")) {
          throw ApiException.badData(param + " must contain at least one non-empty matcher");
        }
        throw pe;
      }
      if (!(e instanceof Expr.VectorSelector vs)) {
        throw ApiException.invalidParam(param, "1:1: parse error: unexpected expression, expected a metric selector");
      }
      boolean nonEmpty = false;
      for (Matcher m : vs.matchers()) {
        if (!m.matches("")) {
          nonEmpty = true;
        }
      }
      if (!nonEmpty) {
        throw ApiException.badData("match[] must contain at least one non-empty matcher");
      }
      out.add(vs.matchers());
    }
    return out;
  }

  /** The per-request fan-out settings (Thanos's extra parameters). */
  private record FanOut(List<String> replicaLabels, boolean partial, List<List<Matcher>> storeMatchers) {}

  private FanOut fanOut(Context ctx) {
    boolean dedup = boolParam(ctx, "dedup", true);
    List<String> replica = values(ctx, "replicaLabels[]");
    if (replica.isEmpty()) {
      replica = config.replicaLabels();
    }
    boolean partial = boolParam(ctx, "partial_response", config.partialResponse());
    maxSourceResolution(ctx, 0);
    String engine = value(ctx, "engine");
    if (!engine.isEmpty() && !engine.equals("prometheus") && !engine.equals("thanos")) {
      throw ApiException.badData("'engine' parameter: unknown engine \"" + engine + "\"");
    }
    List<List<Matcher>> storeMatch = values(ctx, "storeMatch[]").isEmpty() ? List.of()
        : matcherSets(values(ctx, "storeMatch[]"), "storeMatch[]");
    return new FanOut(dedup ? replica : List.of(), partial, storeMatch);
  }

  /**
   * {@code max_source_resolution} in milliseconds, as Thanos reads it: a duration, or {@code auto}
   * (also the default under {@code --query.auto-downsampling}) for {@code autoMillis}: a fifth of
   * the step for range queries, 0 (raw) for instant queries. Absent: 0.
   */
  private long maxSourceResolution(Context ctx, long autoMillis) {
    String msr = value(ctx, "max_source_resolution");
    long out = 0;
    if (config.autoDownsampling() || msr.equals("auto")) {
      out = autoMillis;
    }
    if (!msr.isEmpty() && !msr.equals("auto")) {
      out = durationParam("max_source_resolution", msr);
    }
    if (out < 0) {
      throw ApiException.badData("negative 'max_source_resolution' is not accepted. Try a positive integer");
    }
    return out;
  }

  private ProxyStore proxy(FanOut f) {
    Supplier<List<ProxyStore.Member>> members = () -> {
      List<ProxyStore.Member> out = new ArrayList<>();
      for (ProxyStore.Member m : config.members().get()) {
        if (storeMatches(f.storeMatchers(), m.name())) {
          out.add(m);
        }
      }
      return out;
    };
    return new ProxyStore(members, config.responseTimeout(), f.partial());
  }

  /** {@code storeMatch[]}: any set whose {@code __address__} matchers all match the store's address. */
  private static boolean storeMatches(List<List<Matcher>> sets, String address) {
    if (sets.isEmpty()) {
      return true;
    }
    Labels l = Labels.of("__address__", address);
    for (List<Matcher> set : sets) {
      boolean all = true;
      for (Matcher m : set) {
        all &= m.matches(l.getOrEmpty(m.name()));
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ queries

  private Engine engine(Context ctx, long maxSourceResolution) {
    EngineOptions o = config.engineOptions();
    if (maxSourceResolution > 0) {
      Duration lb = Downsampling.lookbackDelta(o.lookbackDelta(), maxSourceResolution);
      o = new EngineOptions(lb, o.maxSamples(), o.timeout(), o.defaultEvalInterval(), o.delayedNameRemoval(),
          o.parserOptions());
    }
    String to = value(ctx, "timeout");
    if (!to.isEmpty()) {
      long ms = durationParam("timeout", to);
      if (ms < o.timeout().toMillis()) {
        o = o.withTimeout(Duration.ofMillis(ms));
      }
    }
    String lb = value(ctx, "lookback_delta");
    if (!lb.isEmpty()) {
      long ms;
      try {
        ms = parseDuration(lb);
      } catch (IllegalArgumentException e) {
        throw ApiException.badData("error parsing lookback delta duration: " + e.getMessage());
      }
      if (ms > 0) {
        o = new EngineOptions(Duration.ofMillis(ms), o.maxSamples(), o.timeout(), o.defaultEvalInterval(),
            o.delayedNameRemoval(), o.parserOptions());
      }
    }
    return new Engine(o);
  }

  private void query(Context ctx) throws IOException {
    int limit = limitParam(ctx);
    long t = timeParam(ctx, "time", clock.millis());
    long msr = maxSourceResolution(ctx, 0);
    Engine engine = engine(ctx, msr);
    String q = value(ctx, "query");
    Expr expr;
    try {
      expr = downsampled(engine.parse(q), msr);
    } catch (RuntimeException e) {
      throw ApiErrorMapper.map(e);
    }
    FanOut f = fanOut(ctx);
    runQuery(ctx, f, q, limit, (engine0, queryable, cancel) ->
        engine0.instantQuery(queryable, expr, q, t, cancel), engine, msr, t, t, 0);
  }

  private void queryRange(Context ctx) throws IOException {
    int limit = limitParam(ctx);
    long start = parseTimeOrBad(ctx, "start");
    long end = parseTimeOrBad(ctx, "end");
    if (end < start) {
      throw ApiException.invalidParam("end", "end timestamp must not be before start time");
    }
    long step = durationParam("step", value(ctx, "step"));
    if (step <= 0) {
      throw ApiException.invalidParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    if ((end - start) / step > 11000) {
      throw ApiException.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
    }
    // Thanos: with auto, fit at least 5 samples of the chosen resolution in every step.
    long msr = maxSourceResolution(ctx, step / 5);
    Engine engine = engine(ctx, msr);
    String q = value(ctx, "query");
    Expr expr;
    try {
      expr = downsampled(engine.parse(q), msr);
    } catch (RuntimeException e) {
      throw ApiErrorMapper.map(e);
    }
    FanOut f = fanOut(ctx);
    runQuery(ctx, f, q, limit, (engine0, queryable, cancel) ->
        engine0.rangeQuery(queryable, expr, q, start, end, step, cancel), engine, msr, start, end, step);
  }

  private static long parseTimeOrBad(Context ctx, String name) {
    try {
      return parseTime(value(ctx, name));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidParam(name, e.getMessage());
    }
  }

  @FunctionalInterface
  private interface Run {
    QueryResult run(Engine engine, StoreApiQueryable queryable, AtomicBoolean cancel);
  }

  /** The query as evaluated: rewritten for exact counts and averages when it may read downsampled data. */
  private static Expr downsampled(Expr expr, long maxSourceResolution) {
    return maxSourceResolution >= Downsampling.RES_5M ? DownsampledRewrite.rewrite(expr) : expr;
  }

  /** What running a query gives the response. */
  private record Outcome(QueryResult result, List<String> storeWarnings, @Nullable QueryStats stats,
      long queuedNanos, long startedAtNanos, long evalNanos) {}

  /**
   * Runs a query on the request's thread while the {@link ClientWatchdog} watches its client: when
   * the client closes the connection, the engine is told to stop and this thread is interrupted,
   * which closes the Series streams and so cancels the gRPC calls to the stores.
   */
  private void runQuery(Context ctx, FanOut f, String q, int limit, Run run, Engine engine, long maxSourceResolution,
      long start, long end, long step) throws IOException {
    long began = System.nanoTime();
    String statsParam = value(ctx, "stats");
    // The body (a POST form) is read whole before the connection is watched.
    ctx.bodyAsBytes();
    QueryStats stats = statsParam.isEmpty() ? null : new QueryStats(start, end, step, System::nanoTime);
    AtomicBoolean cancel = new AtomicBoolean();
    Outcome outcome;
    ClientWatchdog.Watch watch = null;
    inFlight.incrementAndGet();
    try {
      long startedAt = System.nanoTime();
      List<String> storeWarnings = new ArrayList<>();
      QueryResult r;
      try (ClientWatchdog.Watch w = watchdog.watch(ctx, cancel);
          ProxyStore proxy = proxy(f);
          StoreApiQueryable queryable = new StoreApiQueryable(new WarningsCollector(proxy, storeWarnings),
              new StoreApiQueryable.Options(f.replicaLabels(), config.dedupAlgorithm(), f.partial(),
                  maxSourceResolution), stats)) {
        watch = w;
        r = run.run(engine, queryable, cancel);
      }
      synchronized (storeWarnings) {
        // No admission queue: a query starts as soon as its request is read.
        outcome = new Outcome(r, List.copyOf(storeWarnings), stats, 0, startedAt, System.nanoTime() - startedAt);
      }
    } catch (RuntimeException e) {
      if (watch != null && watch.clientGone()) {
        canceledByClient.increment();
        throw new ApiException(ErrorType.CANCELED, "query was canceled: the HTTP client closed the connection", e);
      }
      throw e;
    } finally {
      inFlight.decrementAndGet();
      if (watch != null && watch.mustClose()) {
        ctx.header("Connection", "close");
      }
    }
    QueryResult result = outcome.result();
    List<String> storeWarnings = outcome.storeWarnings();
    List<String> warnings = new ArrayList<>(storeWarnings);
    List<String> infos = new ArrayList<>();
    for (Annotations.Annotation a : result.annotations().all()) {
      if (a.kind() == Annotations.Kind.INFO) {
        infos.add(a.render(q));
      } else if (!storeWarnings.contains(a.message())) {
        // Store warnings reach the engine too; they are listed once, as Thanos words them.
        warnings.add(a.render(q));
      }
    }
    dev.hypnos.promql.engine.Value value = result.value();
    if (limit > 0) {
      if (value instanceof dev.hypnos.promql.engine.Vector v && v.size() > limit) {
        value = new dev.hypnos.promql.engine.Vector(v.samples().subList(0, limit));
        warnings.add("results truncated due to limit");
      } else if (value instanceof dev.hypnos.promql.engine.Matrix m && m.series().size() > limit) {
        value = new dev.hypnos.promql.engine.Matrix(m.series().subList(0, limit));
        warnings.add("results truncated due to limit");
      }
    }
    if (!statsParam.isEmpty() && !statsParam.equals("true") && !statsParam.equals("all")) {
      warnings.add("value \"" + statsParam + "\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\"");
    }
    long totalNanos = System.nanoTime() - began;
    dev.hypnos.promql.engine.Value out = value;
    boolean perStep = statsParam.equals("all");
    write(ctx, 200, g -> {
      g.writeStringField("status", "success");
      g.writeObjectFieldStart("data");
      PromJson.writeResult(g, out);
      if (outcome.stats() != null) {
        writeStats(g, outcome, totalNanos, points(out), perStep);
      }
      g.writeEndObject();
      PromJson.writeNotes(g, warnings, infos);
    });
  }

  /** Points (samples) in a query's value, for peakSamples. */
  private static long points(dev.hypnos.promql.engine.Value v) {
    if (v instanceof dev.hypnos.promql.engine.Vector vec) {
      return vec.size();
    }
    if (v instanceof dev.hypnos.promql.engine.Matrix m) {
      long n = 0;
      for (var s : m.series()) {
        n += s.points().size();
      }
      return n;
    }
    return 1;
  }

  /**
   * Prometheus's {@code stats} object (util/stats {@code BuiltinStats}): timings in seconds and
   * sample counts, with the per-step counts for {@code stats=all}. The values are the querier's
   * own: preparation is reading the series from the stores (the engine loads them all before it
   * evaluates), and the peak is the larger of the samples read and the points returned.
   */
  private static void writeStats(JsonGenerator g, Outcome o, long totalNanos, long points, boolean perStep)
      throws IOException {
    QueryStats st = Objects.requireNonNull(o.stats());
    long prep = st.selectsDoneNanos() == 0 ? 0
        : Math.max(0, Math.min(o.evalNanos(), st.selectsDoneNanos() - o.startedAtNanos()));
    g.writeObjectFieldStart("stats");
    g.writeObjectFieldStart("timings");
    writeSeconds(g, "evalTotalTime", o.evalNanos());
    writeSeconds(g, "resultSortTime", 0);
    writeSeconds(g, "queryPreparationTime", prep);
    writeSeconds(g, "innerEvalTime", o.evalNanos() - prep);
    writeSeconds(g, "execQueueTime", o.queuedNanos());
    writeSeconds(g, "execTotalTime", totalNanos);
    g.writeEndObject();
    g.writeObjectFieldStart("samples");
    if (perStep) {
      g.writeArrayFieldStart("totalQueryableSamplesPerStep");
      long[] counts = st.samplesPerStep();
      for (int i = 0; i < counts.length; i++) {
        g.writeStartArray();
        g.writeNumber(PromJson.goJsonFloat((st.start() + i * st.interval()) / 1000.0));
        g.writeNumber(counts[i]);
        g.writeEndArray();
      }
      g.writeEndArray();
    }
    g.writeNumberField("totalQueryableSamples", st.totalSamples());
    g.writeNumberField("peakSamples", Math.max(st.totalSamples(), points));
    g.writeEndObject();
    g.writeEndObject();
  }

  /** A duration in seconds, written as Go's encoding/json writes a float64. */
  private static void writeSeconds(JsonGenerator g, String name, long nanos) throws IOException {
    g.writeFieldName(name);
    g.writeNumber(PromJson.goJsonFloat(nanos / 1e9));
  }

  /** Passes Series calls through and keeps their warnings (partial response) for the answer. */
  private static final class WarningsCollector implements dev.hypnos.storeapi.StoreApi {
    private final dev.hypnos.storeapi.StoreApi store;
    private final List<String> warnings;

    WarningsCollector(dev.hypnos.storeapi.StoreApi store, List<String> warnings) {
      this.store = store;
      this.warnings = warnings;
    }

    @Override
    public void series(SeriesRequest request, dev.hypnos.storeapi.SeriesSink sink) throws IOException {
      store.series(request, new dev.hypnos.storeapi.SeriesSink() {
        @Override
        public void send(SeriesResponse r) {
          if (r instanceof SeriesResponse.Warning w) {
            synchronized (warnings) {
              if (!warnings.contains(w.message())) {
                warnings.add(w.message());
              }
            }
          }
          sink.send(r);
        }
      });
    }

    @Override
    public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
      return store.labelNames(request);
    }

    @Override
    public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
      return store.labelValues(request);
    }

    @Override
    public dev.hypnos.storeapi.StoreInfo info() throws IOException {
      return store.info();
    }
  }

  // ------------------------------------------------------------------ metadata

  /** The {@code end} of a metadata request; before {@code start} is bad data, as in Thanos. */
  private static long metadataEnd(Context ctx, long start) {
    long end = timeParam(ctx, "end", MAX_TIME);
    if (end < start) {
      throw ApiException.badData("end timestamp must not be before start time");
    }
    return end;
  }

  private void series(Context ctx) throws IOException {
    List<String> match = values(ctx, "match[]");
    if (match.isEmpty()) {
      throw ApiException.badData("no match[] parameter provided");
    }
    int limit = limitParam(ctx);
    long start = timeParam(ctx, "start", MIN_TIME);
    long end = metadataEnd(ctx, start);
    List<List<Matcher>> sets;
    try {
      sets = matcherSets(match, "match[]");
    } catch (dev.hypnos.promql.parser.ParseException e) {
      throw ApiException.invalidParam("match[]", e.getMessage());
    }
    FanOut f = fanOut(ctx);
    TreeSet<Labels> all = new TreeSet<>();
    List<String> warnings = new ArrayList<>();
    try (ProxyStore proxy = proxy(f)) {
      for (List<Matcher> set : sets) {
        SeriesRequest req = SeriesRequest.builder(start, end, set).skipChunks(true)
            .withoutReplicaLabels(f.replicaLabels())
            .partialResponseStrategy(f.partial() ? PartialResponseStrategy.WARN : PartialResponseStrategy.ABORT)
            .build();
        proxy.series(req, r -> {
          switch (r) {
            case SeriesResponse.SeriesItem s -> all.add(s.series().labels());
            case SeriesResponse.Warning w -> warnings.add(w.message());
            case SeriesResponse.Hints h -> {}
          }
        });
      }
    }
    List<Labels> out = new ArrayList<>(all);
    if (limit > 0 && out.size() > limit) {
      out = out.subList(0, limit);
      warnings.add("results truncated due to limit");
    }
    List<Labels> result = out;
    success(ctx, g -> {
      g.writeStartArray();
      for (Labels l : result) {
        PromJson.writeLabels(g, l);
      }
      g.writeEndArray();
    }, warnings);
  }

  private void labels(Context ctx) throws IOException {
    int limit = limitParam(ctx);
    long start = timeParam(ctx, "start", MIN_TIME);
    long end = metadataEnd(ctx, start);
    List<List<Matcher>> sets = matchers(ctx);
    FanOut f = fanOut(ctx);
    TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    try (ProxyStore proxy = proxy(f)) {
      for (List<Matcher> set : sets) {
        LabelNamesResponse r = proxy.labelNames(new LabelNamesRequest(start, end, set, 0, f.replicaLabels(), null));
        names.addAll(r.names());
        warnings.addAll(r.warnings());
      }
    }
    names.removeAll(f.replicaLabels());
    stringList(ctx, new ArrayList<>(names), limit, warnings);
  }

  private void labelValues(Context ctx) throws IOException {
    String name = ctx.pathParam("name");
    if (name.startsWith("U__")) {
      name = unescapeName(name);
    }
    if (name.isEmpty()) {
      throw ApiException.badData("invalid label name: \"" + name + "\"");
    }
    int limit = limitParam(ctx);
    long start = timeParam(ctx, "start", MIN_TIME);
    long end = metadataEnd(ctx, start);
    List<List<Matcher>> sets = matchers(ctx);
    FanOut f = fanOut(ctx);
    TreeSet<String> vals = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    if (!f.replicaLabels().contains(name)) {
      try (ProxyStore proxy = proxy(f)) {
        for (List<Matcher> set : sets) {
          LabelValuesResponse r = proxy.labelValues(new LabelValuesRequest(name, start, end, set, 0, f.replicaLabels(), null));
          vals.addAll(r.values());
          warnings.addAll(r.warnings());
        }
      }
    }
    stringList(ctx, new ArrayList<>(vals), limit, warnings);
  }

  /** {@code match[]} sets for label calls; one empty set (all series) when there is none. */
  private static List<List<Matcher>> matchers(Context ctx) {
    List<String> match = values(ctx, "match[]");
    if (match.isEmpty()) {
      return List.of(List.of());
    }
    try {
      return matcherSets(match, "match[]");
    } catch (dev.hypnos.promql.parser.ParseException e) {
      throw ApiException.badData(e.getMessage());
    }
  }

  /** Prometheus's {@code U__} escaping of label names: {@code _xx_} hex code points, {@code __} for {@code _}. */
  static String unescapeName(String s) {
    String in = s.substring(3);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if (c != '_') {
        sb.append(c);
        continue;
      }
      if (i + 1 < in.length() && in.charAt(i + 1) == '_') {
        sb.append('_');
        i++;
        continue;
      }
      int close = in.indexOf('_', i + 1);
      if (close < 0) {
        return s;
      }
      try {
        sb.appendCodePoint(Integer.parseInt(in.substring(i + 1, close), 16));
      } catch (IllegalArgumentException e) {
        return s;
      }
      i = close;
    }
    return sb.toString();
  }

  private void stringList(Context ctx, List<String> items, int limit, List<String> warnings) throws IOException {
    List<String> out = items;
    if (limit > 0 && out.size() > limit) {
      out = out.subList(0, limit);
      warnings.add("results truncated due to limit");
    }
    List<String> result = out;
    success(ctx, g -> {
      g.writeStartArray();
      for (String s : result) {
        g.writeString(s);
      }
      g.writeEndArray();
    }, warnings);
  }

  // ------------------------------------------------------------------ status

  private void buildInfo(Context ctx) throws IOException {
    success(ctx, g -> {
      g.writeStartObject();
      g.writeStringField("version", config.version());
      g.writeStringField("revision", "");
      g.writeStringField("branch", "");
      g.writeStringField("buildUser", "");
      g.writeStringField("buildDate", "");
      g.writeStringField("goVersion", "java" + Runtime.version().feature());
      g.writeEndObject();
    }, List.of());
  }

  private void flags(Context ctx) throws IOException {
    Map<String, String> sorted = new TreeMap<>(config.flags());
    success(ctx, g -> {
      g.writeStartObject();
      for (Map.Entry<String, String> e : sorted.entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    }, List.of());
  }

  private void runtimeInfo(Context ctx) throws IOException {
    success(ctx, g -> {
      g.writeStartObject();
      g.writeStringField("startTime", DateTimeFormatter.ISO_INSTANT.format(startTime));
      g.writeStringField("CWD", System.getProperty("user.dir", ""));
      g.writeBooleanField("reloadConfigSuccess", true);
      g.writeStringField("lastConfigTime", DateTimeFormatter.ISO_INSTANT.format(startTime));
      g.writeNumberField("corruptionCount", 0);
      g.writeNumberField("goroutineCount", Thread.activeCount());
      g.writeNumberField("GOMAXPROCS", Runtime.getRuntime().availableProcessors());
      g.writeStringField("GOGC", "");
      g.writeStringField("GODEBUG", "");
      g.writeStringField("storageRetention", "");
      g.writeEndObject();
    }, List.of());
  }

  /** Thanos's {@code /api/v1/stores}: statuses grouped by component type. */
  private void stores(Context ctx) throws IOException {
    Map<String, List<EndpointStatus>> byType = new LinkedHashMap<>();
    for (EndpointStatus s : config.statuses().get()) {
      String type = s.componentType() == null ? "unknown" : s.componentType();
      byType.computeIfAbsent(type, k -> new ArrayList<>()).add(s);
    }
    success(ctx, g -> {
      g.writeStartObject();
      for (Map.Entry<String, List<EndpointStatus>> e : new TreeMap<>(byType).entrySet()) {
        g.writeArrayFieldStart(e.getKey());
        for (EndpointStatus s : e.getValue()) {
          g.writeStartObject();
          g.writeStringField("name", s.address());
          if (s.lastCheck() == null) {
            g.writeStringField("lastCheck", "0001-01-01T00:00:00Z");
          } else {
            g.writeStringField("lastCheck", DateTimeFormatter.ISO_INSTANT.format(s.lastCheck()));
          }
          if (s.lastError() == null) {
            g.writeNullField("lastError");
          } else {
            g.writeStringField("lastError", s.lastError());
          }
          g.writeArrayFieldStart("labelSets");
          for (Labels l : s.labelSets()) {
            PromJson.writeLabels(g, l);
          }
          g.writeEndArray();
          g.writeNumberField("minTime", s.minTime());
          g.writeNumberField("maxTime", s.maxTime());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }, List.of());
  }

  /** Prometheus text format: API requests by handler and code, healthy stores. */
  private void metrics(Context ctx) {
    StringBuilder sb = new StringBuilder();
    sb.append("# HELP hypnos_http_requests_total API requests by handler and HTTP status code.\n");
    sb.append("# TYPE hypnos_http_requests_total counter\n");
    requests.forEach((k, v) -> sb.append("hypnos_http_requests_total{").append(k).append("} ").append(v.sum()).append('\n'));
    sb.append("# HELP hypnos_queries_in_flight PromQL queries running now.\n");
    sb.append("# TYPE hypnos_queries_in_flight gauge\n");
    sb.append("hypnos_queries_in_flight ").append(inFlight.get()).append('\n');
    sb.append("# HELP hypnos_queries_canceled_total PromQL queries canceled because the HTTP client closed the connection.\n");
    sb.append("# TYPE hypnos_queries_canceled_total counter\n");
    sb.append("hypnos_queries_canceled_total ").append(canceledByClient.sum()).append('\n');
    sb.append("# HELP hypnos_query_stores Stores in the fan-out.\n");
    sb.append("# TYPE hypnos_query_stores gauge\n");
    sb.append("hypnos_query_stores ").append(config.members().get().size()).append('\n');
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(sb.toString());
  }

  // ------------------------------------------------------------------ output

  @FunctionalInterface
  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static void success(Context ctx, Body data, List<String> warnings) throws IOException {
    write(ctx, 200, g -> {
      g.writeStringField("status", "success");
      g.writeFieldName("data");
      data.write(g);
      PromJson.writeNotes(g, warnings, List.of());
    });
  }

  static void error(Context ctx, ApiException e) {
    try {
      write(ctx, e.type().httpStatus(), g -> {
        g.writeStringField("status", "error");
        g.writeStringField("errorType", e.type().text());
        g.writeStringField("error", e.getMessage());
      });
    } catch (IOException io) {
      ctx.status(500);
    }
  }

  /** One JSON object, streamed to the response. */
  private static void write(Context ctx, int status, Body fields) throws IOException {
    ctx.status(status);
    ctx.contentType("application/json");
    OutputStream out = ctx.outputStream();
    try (JsonGenerator g = PromJson.generator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    }
  }
}

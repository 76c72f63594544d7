package dev.hypnos.querier.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.FPoint;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.promql.engine.Sample;
import dev.hypnos.promql.engine.Value;
import dev.hypnos.promql.engine.Vector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromJsonTest {
  private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0,
      1e-7, -4.5e-300, 1e21, 1.5e22, Double.MAX_VALUE, Double.MIN_VALUE, 0.1 + 0.2, 12345678.875, 3, -3,
      9, 10, 99, 100, 101, 0.001, 0.0005, -0.000001, 1e-6, 999999999999.999, 1e12 - 0.5, 19.696, 0.1, 2147483647, 2147483648.0, -2147483648.0, 1e9, 1000000001, 999999999999.0, 0x1p53 - 1, 0x1p53};

  private static String json(Value v) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = PromJson.generator(out)) {
      g.writeStartObject();
      PromJson.writeResult(g, v);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The points as the reference functions spell them, one string per number. */
  private static String expectedPoints(List<FPoint> pts) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < pts.size(); i++) {
      FPoint p = pts.get(i);
      sb.append(i > 0 ? "," : "").append('[').append(PromJson.timestamp(p.t())).append(",\"")
          .append(PromJson.sampleValue(p.f())).append("\"]");
    }
    return sb.append(']').toString();
  }

  @Test
  void matrixPointsAreWrittenAsPrometheusSpellsThem() throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    List<RangeSeries> series = new ArrayList<>();
    StringBuilder expected = new StringBuilder("{\"resultType\":\"matrix\",\"result\":[");
    for (int s = 0; s < 40; s++) {
      List<FPoint> pts = new ArrayList<>();
      int n = s == 3 ? 0 : s == 5 ? 3000 : random.nextInt(1, 300);
      for (int i = 0; i < n; i++) {
        long t = switch (i % 5) {
          case 0 -> -5_000 + random.nextLong(0, 20_000);
          case 1 -> random.nextLong(0, 1000) * 1000 + 10 * random.nextInt(0, 100);
          case 2 -> random.nextLong(0, 1000) * 1000 + 100 * random.nextInt(0, 10);
          case 3 -> 1_700_000_000_500L + i * 60_000L; // the step grid every series shares
          default -> random.nextLong(0, 4_000_000_000_000L);
        };
        double v = switch (random.nextInt(7)) {
          case 0 -> SPECIAL[random.nextInt(SPECIAL.length)];
          case 1 -> Double.longBitsToDouble(random.nextLong());
          case 2 -> random.nextLong(-(1L << 54), 1L << 54);
          case 3 -> random.nextLong(-2_000_000_000_000_000L, 2_000_000_000_000_000L) / 1e3;
          case 4 -> random.nextLong(-2_000_000_000_000_000L, 2_000_000_000_000_000L) / 1e6;
          case 5 -> random.nextDouble(-1e13, 1e13) / Math.pow(10, random.nextInt(8));
          default -> Math.round(random.nextDouble(-1e4, 1e4) * 100) / 100.0;
        };
        pts.add(new FPoint(t, v));
      }
      Labels labels = Labels.of("__name__", "m", "i", Integer.toString(s), "esc", "<a&b>\n");
      series.add(new RangeSeries(labels, pts, List.of()));
      expected.append(s > 0 ? "," : "").append("{\"metric\":{\"__name__\":\"m\",\"esc\":\"\\u003ca\\u0026b\\u003e\\n\",\"i\":\"")
          .append(s).append('"').append('}');
      if (n > 0) {
        expected.append(",\"values\":").append(expectedPoints(pts));
      }
      expected.append('}');
    }
    expected.append("]}");
    assertThat(json(new Matrix(series))).isEqualTo(expected.toString());
  }

  @Test
  void vectorSamplesAreWrittenAsPrometheusSpellsThem() throws IOException {
    List<Sample> samples = new ArrayList<>();
    StringBuilder expected = new StringBuilder("{\"resultType\":\"vector\",\"result\":[");
    for (int i = 0; i < SPECIAL.length; i++) {
      long t = 1_700_000_000_000L + i * 7;
      samples.add(new Sample(Labels.of("k", "v" + i), t, SPECIAL[i]));
      expected.append(i > 0 ? "," : "").append("{\"metric\":{\"k\":\"v").append(i).append("\"},\"value\":[")
          .append(PromJson.timestamp(t)).append(",\"").append(PromJson.sampleValue(SPECIAL[i])).append("\"]}");
    }
    expected.append("]}");
    assertThat(json(new Vector(samples))).isEqualTo(expected.toString());
    assertThat(json(new Vector(samples.subList(0, 3))))
        .isEqualTo("{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"k\":\"v0\"},\"value\":[1700000000,\"NaN\"]},"
            + "{\"metric\":{\"k\":\"v1\"},\"value\":[1700000000.007,\"+Inf\"]},"
            + "{\"metric\":{\"k\":\"v2\"},\"value\":[1700000000.014,\"-Inf\"]}]}");
  }

  @Test
  void decimalValuesTakeTheShortDigitsOnlyWhenTheyAreGosShortest() throws IOException {
    SplittableRandom random = new SplittableRandom(11);
    List<Sample> samples = new ArrayList<>();
    StringBuilder expected = new StringBuilder("{\"resultType\":\"vector\",\"result\":[");
    for (int i = 0; i < 300_000; i++) {
      double v = switch (i % 6) {
        case 0 -> random.nextLong(-(1L << 62), 1L << 62) / 1e3;
        case 1 -> random.nextLong(-(1L << 62), 1L << 62) / 1e6;
        case 2 -> random.nextLong(-1_000_000_000_000_000L, 1_000_000_000_000_000L) / 1e3;
        case 3 -> random.nextLong(-1_000_000_000_000_000L, 1_000_000_000_000_000L) / 1e6;
        case 4 -> Math.nextUp(random.nextLong(-1_000_000_000_000L, 1_000_000_000_000L) / 1e3);
        default -> random.nextDouble(-1e13, 1e13) / Math.pow(10, random.nextInt(12));
      };
      samples.add(new Sample(Labels.EMPTY, 1000, v));
      expected.append(i > 0 ? "," : "").append("{\"metric\":{},\"value\":[1,\"").append(PromJson.sampleValue(v))
          .append("\"]}");
    }
    expected.append("]}");
    assertThat(json(new Vector(samples))).isEqualTo(expected.toString());
  }

  @Test
  void computedValuesWithFullPrecisionAreWrittenAsGoSpellsThem() throws IOException {
    // Rates, ratios and averages: 15-17 significant digits, which no short-decimal path takes.
    SplittableRandom random = new SplittableRandom(13);
    List<RangeSeries> series = new ArrayList<>();
    StringBuilder expected = new StringBuilder("{\"resultType\":\"matrix\",\"result\":[");
    for (int s = 0; s < 20; s++) {
      List<FPoint> pts = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        double v = switch (i % 6) {
          case 0 -> random.nextDouble(0.001, 10_000);
          case 1 -> random.nextLong(1, 1_000_000) / 300.0;
          case 2 -> Math.scalb(1 + random.nextDouble(), random.nextInt(-20, 70));
          // both ends of the plain form
          case 3 -> random.nextInt(-1000, 1000) * Math.ulp(1e-6) + 1e-6;
          case 4 -> Math.nextDown(1e21) - random.nextInt(0, 1000) * Math.ulp(1e21);
          default -> -random.nextDouble(1e-6, 1e-3);
        };
        pts.add(new FPoint(1_700_000_000_000L + i * 15_000L, random.nextBoolean() ? v : -v));
      }
      series.add(new RangeSeries(Labels.of("i", Integer.toString(s)), pts, List.of()));
      expected.append(s > 0 ? "," : "").append("{\"metric\":{\"i\":\"").append(s).append("\"},\"values\":")
          .append(expectedPoints(pts)).append('}');
    }
    expected.append("]}");
    assertThat(json(new Matrix(series))).isEqualTo(expected.toString());
  }
}

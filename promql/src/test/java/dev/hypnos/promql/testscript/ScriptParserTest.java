package dev.hypnos.promql.testscript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptParserTest {
  @Test
  void seriesLineExpandsRepetitionsAndGaps() {
    SeriesLine s = SeriesLineParser.parse("foo{a=\"x\", b='y\\n'} 1+2x3 _ _x2 stale 5x1 -5-1x1", 1);
    assertThat((Object) s.labels()).isEqualTo(Labels.of("__name__", "foo", "a", "x", "b", "y\n"));
    assertThat(s.slots()).isEqualTo(4 + 1 + 2 + 1 + 2 + 2);
    assertThat(s.values()[0]).isEqualTo(1);
    assertThat(s.values()[3]).isEqualTo(7);
    assertThat(s.present()[4]).isFalse();
    assertThat(s.present()[6]).isFalse();
    assertThat(Values.isStaleNaN(s.values()[7])).isTrue();
    assertThat(s.values()[8]).isEqualTo(5);
    assertThat(s.values()[9]).isEqualTo(5);
    assertThat(s.values()[10]).isEqualTo(-5);
    assertThat(s.values()[11]).isEqualTo(-6);
  }

  @Test
  void labelValuesMayHoldBracesAndSpaces() {
    SeriesLine s = SeriesLineParser.parse("{version=\"{count:20, sum:10}\", __name__=\"m\"} 1 NaN +Inf", 1);
    assertThat(s.labels().get("version")).isEqualTo("{count:20, sum:10}");
    assertThat(s.labels().get("__name__")).isEqualTo("m");
    assertThat(Double.isNaN(s.values()[1])).isTrue();
    assertThat(s.values()[2]).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void histogramItemsAreCountedButMarked() {
    SeriesLine s = SeriesLineParser.parse("h {{schema:1 sum:3 count:22 buckets:[5 10 7]}}x2 1", 1);
    assertThat(s.histogram()).isTrue();
    assertThat(s.slots()).isEqualTo(4);
  }

  @Test
  void parsesBlocksExpectationsAndCommentsEndingBlocks() {
    String script = """
        # comment
        load 1m
          foo{job="a"} 0+10x10

        eval instant at 5m foo
          expect warn msg: PromQL warning: x (1:1)
          expect no_info
          foo{job="a"} 50

        eval range from 0 to 2m step 1m foo
        # empty

        eval instant at 1m time()
          60

        eval_fail instant at 0 foo(
          expected_fail_message some error

        clear
        eval instant at 0 "x"
          expect string "x"
        """;
    List<Command> cmds = ScriptParser.parse(script);
    assertThat(cmds).hasSize(7);
    Command.Load load = (Command.Load) cmds.get(0);
    assertThat(load.intervalMs()).isEqualTo(60_000);
    assertThat(load.series().get(0).slots()).isEqualTo(11);
    Command.Eval e1 = (Command.Eval) cmds.get(1);
    assertThat(e1.line()).isEqualTo(5);
    assertThat(e1.start()).isEqualTo(300_000);
    assertThat(e1.warns()).hasSize(1);
    assertThat(e1.warns().get(0).matches("PromQL warning: x (1:1)")).isTrue();
    assertThat(e1.noInfo()).isTrue();
    assertThat(e1.expected()).hasSize(1);
    Command.Eval e2 = (Command.Eval) cmds.get(2);
    assertThat(e2.range()).isTrue();
    assertThat(e2.expected()).isEmpty();
    Command.Eval e3 = (Command.Eval) cmds.get(3);
    assertThat(e3.expectedScalar()).isEqualTo(60.0);
    Command.Eval e4 = (Command.Eval) cmds.get(4);
    assertThat(e4.fail()).isNotNull();
    assertThat(e4.fail().message()).isEqualTo("some error");
    assertThat(cmds.get(5)).isInstanceOf(Command.Clear.class);
  }

  @Test
  void rejectsUnknownCommands() {
    assertThatThrownBy(() -> ScriptParser.parse("bogus 1\n")).isInstanceOf(ScriptException.class)
        .hasMessageContaining("line 1");
  }

  @Test
  void floatComparisonFollowsTheHarness() {
    assertThat(FloatCompare.equal(1.0, 1.0 + 1e-9)).isTrue();
    assertThat(FloatCompare.equal(1.0, 1.001)).isFalse();
    assertThat(FloatCompare.equal(0, 1e-300)).isFalse();
    assertThat(FloatCompare.equal(Double.NaN, Double.NaN)).isTrue();
    assertThat(FloatCompare.equal(Values.STALE_NAN, Double.NaN)).isFalse();
  }
}

package dev.hypnos.cli.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoFormatTest {
  // Expected strings are what Go's fmt.Sprintf("%g", v) prints.
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0 | 0",
        "-0.0 | -0",
        "1 | 1",
        "-1 | -1",
        "0.5 | 0.5",
        "123456 | 123456",
        "999999 | 999999",
        "1000000 | 1e+06",
        "1234567 | 1.234567e+06",
        "608863452348.1149 | 6.088634523481149e+11",
        "1.0E21 | 1e+21",
        "1.5E21 | 1.5e+21",
        "0.0001 | 0.0001",
        "0.00001 | 1e-05",
        "1.2345E-7 | 1.2345e-07",
        "0.1 | 0.1",
        "3.141592653589793 | 3.141592653589793",
        "1.7976931348623157E308 | 1.7976931348623157e+308",
        "4.9E-324 | 5e-324",
        "1234.5678 | 1234.5678",
        "NaN | NaN",
        "Infinity | +Inf",
        "-Infinity | -Inf",
      })
  void formatsLikeGoPercentG(String in, String want) {
    assertThat(GoFormat.formatG(Double.parseDouble(in))).isEqualTo(want);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PT0S | 0s",
        "PT2H | 2h0m0s",
        "PT40H | 40h0m0s",
        "PT1M30S | 1m30s",
        "PT1.5S | 1.5s",
        "PT0.001S | 1ms",
        "PT-2H | -2h0m0s",
        "PT38H | 38h0m0s",
        "PT0.0000005S | 500ns",
        "PT0.0015S | 1.5ms",
      })
  void formatsDurationsLikeGo(String in, String want) {
    assertThat(GoFormat.duration(Duration.parse(in))).isEqualTo(want);
  }
}

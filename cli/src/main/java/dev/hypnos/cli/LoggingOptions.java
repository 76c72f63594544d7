package dev.hypnos.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Option;

/**
 * Thanos's logging flags for server commands: {@code --log.level} (debug, info, warn, error) and
 * {@code --log.format} (logfmt, json). Applying them also routes {@code java.util.logging} and
 * {@code System.Logger}, which the library modules use, into the same log.
 */
public final class LoggingOptions {
  @Option(names = "--log.level", defaultValue = "info", paramLabel = "LEVEL",
      description = "Log filtering level: debug, info, warn or error. Default: ${DEFAULT-VALUE}.")
  String level = "info";

  @Option(names = "--log.format", defaultValue = "logfmt", paramLabel = "FORMAT",
      description = "Log format: logfmt or json. Default: ${DEFAULT-VALUE}.")
  String format = "logfmt";

  /**
   * Configures logback and the java.util.logging bridge.
   *
   * @throws IllegalArgumentException for an unknown level or format
   */
  public void apply() {
    Level logback;
    java.util.logging.Level jul;
    switch (level.toLowerCase(Locale.ROOT)) {
      case "debug" -> {
        logback = Level.DEBUG;
        jul = java.util.logging.Level.FINE;
      }
      case "info" -> {
        logback = Level.INFO;
        jul = java.util.logging.Level.INFO;
      }
      case "warn" -> {
        logback = Level.WARN;
        jul = java.util.logging.Level.WARNING;
      }
      case "error" -> {
        logback = Level.ERROR;
        jul = java.util.logging.Level.SEVERE;
      }
      default -> throw new IllegalArgumentException(
          "--log.level " + level + " is not one of debug, info, warn, error");
    }
    String fmt = format.toLowerCase(Locale.ROOT);
    if (!fmt.equals("logfmt") && !fmt.equals("json")) {
      throw new IllegalArgumentException("--log.format " + format + " is not one of logfmt, json");
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    java.util.logging.Logger.getLogger("").setLevel(jul);
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(logback);
    if (fmt.equals("json")) {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
          JsonEncoder json = new JsonEncoder();
          json.setContext(ctx);
          json.start();
          console.stop();
          console.setEncoder(json);
          console.start();
        }
      }
    }
  }
}

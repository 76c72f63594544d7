package dev.hypnos.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * The one place where exceptions from a command become what the user sees: a single line
 * {@code hypnos: error: <message>} on stderr and exit code 1. Stack traces are shown only with
 * the environment variable {@code HYPNOS_DEBUG=1}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
  static final int EXIT_FAILURE = 1;

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    var err = commandLine.getErr();
    err.println("hypnos: error: " + describe(ex));
    if ("1".equals(System.getenv("HYPNOS_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return EXIT_FAILURE;
  }

  static String describe(Throwable ex) {
    Throwable t = ex;
    if (t instanceof UncheckedIOException u && u.getCause() != null) {
      t = u.getCause();
    }
    if (t instanceof NoSuchFileException n) {
      return n.getReason() != null ? n.getReason() : "no such file: " + n.getFile();
    }
    if (t instanceof AccessDeniedException a) {
      return "permission denied: " + a.getFile();
    }
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
    } else if (!(t instanceof IOException || t instanceof IllegalArgumentException
        || t instanceof IllegalStateException || t instanceof FileNotFoundException)) {
      msg = t.getClass().getSimpleName() + ": " + msg;
    }
    return msg;
  }
}

package dev.hypnos.cli;

import picocli.CommandLine;

/** The version printed by {@code hypnos --version}: from the jar manifest when packaged. */
final class HypnosVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Hypnos.class.getPackage().getImplementationVersion();
    return new String[] {
      "hypnos, version " + (v == null ? "development" : v),
      "  java: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}

package dev.hypnos.sidecarclient;

/** A discovery configuration (sd-config file, file SD file) that cannot be used; the message names file and key. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.hypnos.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Expected protobuf encodings written out by hand: single bytes with {@link #b} and ASCII string
 * payloads with {@link #s} (the length prefix of a string is always written with {@link #b}).
 */
final class WireBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  WireBytes b(int... bytes) {
    for (int value : bytes) {
      if (value < 0 || value > 0xFF) {
        throw new IllegalArgumentException("expected byte is outside 0x00..0xFF: " + value);
      }
      out.write(value);
    }
    return this;
  }

  WireBytes s(String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (ascii.charAt(i) > 0x7F) {
        throw new IllegalArgumentException("expected string is not ASCII: " + ascii);
      }
    }
    out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  /**
   * Checks that {@code message} serialises to exactly {@code expected} and that parsing
   * {@code expected} gives {@code message} back.
   */
  static <T extends Message> void assertWire(T message, WireBytes expected, Parser<T> parser)
      throws InvalidProtocolBufferException {
    byte[] wire = expected.toByteArray();
    HexFormat hex = HexFormat.ofDelimiter(" ");
    assertThat(hex.formatHex(message.toByteArray()))
        .as("serialised %s", message.getDescriptorForType().getFullName())
        .isEqualTo(hex.formatHex(wire));
    assertThat(parser.parseFrom(wire))
        .as("%s parsed from the expected bytes", message.getDescriptorForType().getFullName())
        .isEqualTo(message);
  }
}

package dev.hypnos.sidecarclient.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * DNS wire format (RFC 1035, SRV from RFC 2782, AAAA from RFC 3596): building a one-question query
 * and reading a response's header and resource records, with name compression.
 */
final class DnsMessage {
  static final int TYPE_A = 1;
  static final int TYPE_CNAME = 5;
  static final int TYPE_AAAA = 28;
  static final int TYPE_SRV = 33;
  static final int CLASS_IN = 1;

  static final int RCODE_NOERROR = 0;
  static final int RCODE_NXDOMAIN = 3;

  private DnsMessage() {}

  /**
   * One resource record. {@code data} is an {@link InetAddress} for A/AAAA, an {@link SrvRecord}
   * for SRV, a {@link String} for CNAME and null for other types.
   */
  record Record(String name, int type, long ttl, @Nullable Object data) {}

  /** A parsed response. */
  record Response(int id, int rcode, boolean truncated, List<Record> answers, List<Record> additionals) {}

  static String typeName(int type) {
    return switch (type) {
      case TYPE_A -> "A";
      case TYPE_AAAA -> "AAAA";
      case TYPE_SRV -> "SRV";
      case TYPE_CNAME -> "CNAME";
      default -> "TYPE" + type;
    };
  }

  static String rcodeName(int rcode) {
    return switch (rcode) {
      case 0 -> "NOERROR";
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 3 -> "NXDOMAIN";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      default -> "RCODE" + rcode;
    };
  }

  /** A query with recursion desired for {@code name} (a trailing dot is optional). */
  static byte[] query(int id, String name, int type) {
    ByteBuffer b = ByteBuffer.allocate(18 + name.length() + 2);
    b.putShort((short) id);
    b.putShort((short) 0x0100); // standard query, recursion desired
    b.putShort((short) 1);
    b.putShort((short) 0);
    b.putShort((short) 0);
    b.putShort((short) 0);
    writeName(b, name);
    b.putShort((short) type);
    b.putShort((short) CLASS_IN);
    byte[] out = new byte[b.position()];
    b.flip();
    b.get(out);
    return out;
  }

  private static void writeName(ByteBuffer b, String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (!n.isEmpty()) {
      for (String label : n.split("\\.", -1)) {
        byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length > 63) {
          throw new IllegalArgumentException("DNS name \"" + name + "\": label \"" + label + "\" must have 1-63 characters");
        }
        b.put((byte) bytes.length);
        b.put(bytes);
      }
    }
    b.put((byte) 0);
  }

  /**
   * Reads a response.
   *
   * @throws IllegalArgumentException when the message is malformed (cut short, bad pointers)
   */
  static Response parse(byte[] message, int length) {
    ByteBuffer b = ByteBuffer.wrap(message, 0, length);
    try {
      int id = b.getShort() & 0xffff;
      int flags = b.getShort() & 0xffff;
      if ((flags & 0x8000) == 0) {
        throw new IllegalArgumentException("DNS message is a query, not a response");
      }
      boolean truncated = (flags & 0x0200) != 0;
      int rcode = flags & 0xf;
      int qd = b.getShort() & 0xffff;
      int an = b.getShort() & 0xffff;
      int ns = b.getShort() & 0xffff;
      int ar = b.getShort() & 0xffff;
      for (int i = 0; i < qd; i++) {
        readName(message, length, b);
        b.position(b.position() + 4);
      }
      List<Record> answers = new ArrayList<>(an);
      for (int i = 0; i < an; i++) {
        answers.add(readRecord(message, length, b));
      }
      for (int i = 0; i < ns; i++) {
        readRecord(message, length, b);
      }
      List<Record> additionals = new ArrayList<>(ar);
      for (int i = 0; i < ar; i++) {
        additionals.add(readRecord(message, length, b));
      }
      return new Response(id, rcode, truncated, answers, additionals);
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      // A truncated UDP answer may end mid-record; the caller retries over TCP on the TC bit.
      if (length >= 4 && (message[2] & 0x02) != 0) {
        int id = ((message[0] & 0xff) << 8) | (message[1] & 0xff);
        return new Response(id, message[3] & 0xf, true, List.of(), List.of());
      }
      throw new IllegalArgumentException("DNS message of " + length + " bytes is cut short", e);
    }
  }

  private static Record readRecord(byte[] message, int length, ByteBuffer b) {
    String name = readName(message, length, b);
    int type = b.getShort() & 0xffff;
    b.getShort(); // class
    long ttl = b.getInt() & 0xffffffffL;
    int rdLength = b.getShort() & 0xffff;
    int start = b.position();
    if (start + rdLength > b.limit()) {
      throw new BufferUnderflowException();
    }
    Object data = null;
    try {
      switch (type) {
        case TYPE_A, TYPE_AAAA -> {
          int expected = type == TYPE_A ? 4 : 16;
          if (rdLength != expected) {
            throw new IllegalArgumentException("DNS " + typeName(type) + " record for " + name + " has " + rdLength
                + " bytes of data, expected " + expected);
          }
          byte[] addr = new byte[rdLength];
          b.get(addr);
          data = InetAddress.getByAddress(addr);
        }
        case TYPE_SRV -> {
          int priority = b.getShort() & 0xffff;
          int weight = b.getShort() & 0xffff;
          int port = b.getShort() & 0xffff;
          data = new SrvRecord(priority, weight, port, readName(message, length, b));
        }
        case TYPE_CNAME -> data = readName(message, length, b);
        default -> { }
      }
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
    }
    b.position(start + rdLength);
    return new Record(name, type, ttl, data);
  }

  /** Reads a possibly compressed name at the buffer's position; returns it without trailing dot. */
  private static String readName(byte[] message, int length, ByteBuffer b) {
    StringBuilder sb = new StringBuilder();
    int pos = b.position();
    int jumps = 0;
    boolean jumped = false;
    while (true) {
      if (pos >= length) {
        throw new BufferUnderflowException();
      }
      int len = message[pos] & 0xff;
      if ((len & 0xc0) == 0xc0) {
        if (pos + 1 >= length) {
          throw new BufferUnderflowException();
        }
        int target = ((len & 0x3f) << 8) | (message[pos + 1] & 0xff);
        if (!jumped) {
          b.position(pos + 2);
          jumped = true;
        }
        if (++jumps > 64 || target >= length) {
          throw new IllegalArgumentException("DNS message has a bad name compression pointer at offset " + pos);
        }
        pos = target;
        continue;
      }
      if (len == 0) {
        if (!jumped) {
          b.position(pos + 1);
        }
        break;
      }
      if (pos + 1 + len > length) {
        throw new BufferUnderflowException();
      }
      if (!sb.isEmpty()) {
        sb.append('.');
      }
      sb.append(new String(message, pos + 1, len, StandardCharsets.US_ASCII));
      pos += 1 + len;
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }
}

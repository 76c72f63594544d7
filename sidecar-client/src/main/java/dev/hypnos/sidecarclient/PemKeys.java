package dev.hypnos.sidecarclient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Private keys as operators have them: PKCS#8 ({@code BEGIN PRIVATE KEY}), and the traditional
 * OpenSSL forms that Go's TLS also reads, PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, what
 * cert-manager writes by default) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}). The latter two are
 * rewrapped as PKCS#8, which is what Netty accepts.
 */
final class PemKeys {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] RSA_ALGORITHM = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private PemKeys() {}

  /**
   * The key in {@code file} as PKCS#8 PEM.
   *
   * @throws IOException naming the file: no key block, an encrypted key, a malformed structure
   */
  static byte[] pkcs8Pem(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new IOException("read private key " + file + ": bad base64 in " + type + " block", e);
      }
      switch (type) {
        case "PRIVATE KEY":
          return pem(der);
        case "RSA PRIVATE KEY":
          return pem(sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, der))));
        case "EC PRIVATE KEY":
          byte[] curve = ecCurve(file, der);
          return pem(sequence(concat(new byte[] {0x02, 0x01, 0x00}, sequence(concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, der))));
        case "ENCRYPTED PRIVATE KEY":
          throw new IOException("read private key " + file + ": encrypted keys are not supported; decrypt it first");
        default:
          // e.g. EC PARAMETERS before an EC key, or a certificate bundled in the same file
      }
    }
    throw new IOException("read private key " + file
        + ": no PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY found");
  }

  /** The named-curve OID (as a whole TLV) from a SEC1 ECPrivateKey's [0] parameters. */
  private static byte[] ecCurve(Path file, byte[] der) throws IOException {
    try {
      int[] outer = header(der, 0);
      if (der[0] != 0x30) {
        throw new IOException("read private key " + file + ": EC PRIVATE KEY is not a DER sequence");
      }
      int pos = outer[0];
      int end = outer[0] + outer[1];
      while (pos < end) {
        int tag = der[pos] & 0xff;
        int[] h = header(der, pos);
        if (tag == 0xa0) {
          int inner = h[0];
          int[] oid = header(der, inner);
          if (der[inner] != 0x06) {
            break;
          }
          return Arrays.copyOfRange(der, inner, oid[0] + oid[1]);
        }
        pos = h[0] + h[1];
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IOException("read private key " + file + ": EC PRIVATE KEY is cut short", e);
    }
    throw new IOException("read private key " + file + ": EC PRIVATE KEY names no curve (parameters [0] missing)");
  }

  /** {content offset, content length} of the TLV at {@code pos}. */
  private static int[] header(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int off = pos + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[off + i] & 0xff);
      }
      off += n;
    }
    return new int[] {off, len};
  }

  private static byte[] sequence(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >>> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >>> 16);
      out.write(n >>> 8);
      out.write(n);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] pem(byte[] der) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return ("-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
  }
}

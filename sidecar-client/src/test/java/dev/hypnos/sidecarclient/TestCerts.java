package dev.hypnos.sidecarclient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Certificates made for a test with the JDK's keytool: a CA, and leaf certificates signed by it
 * with chosen subject alternative names, written as PEM (certificate) and PKCS#8 PEM (key).
 */
final class TestCerts {
  private static final String PASS = "changeit";
  private final Path dir;

  /** A certificate and its key, as files. */
  record Pair(Path cert, Path key) {}

  private TestCerts(Path dir) {
    this.dir = dir;
  }

  /** Creates a CA named {@code name} in {@code dir}. */
  static TestCerts newCa(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    TestCerts c = new TestCerts(dir);
    c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "bc:c", "-validity", "3", "-keystore", dir.resolve("ca.p12").toString(), "-storetype", "PKCS12",
        "-storepass", PASS);
    c.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(), "-storepass", PASS,
        "-file", dir.resolve("ca.pem").toString());
    return c;
  }

  Path caPem() {
    return dir.resolve("ca.pem");
  }

  /**
   * A leaf certificate signed by this CA.
   *
   * @param san e.g. {@code dns:store.test} or {@code ip:127.0.0.1}; null for none
   */
  Pair issue(String name, String san) throws IOException, InterruptedException {
    Path ks = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path pem = dir.resolve(name + ".pem");
    keytool("-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-validity", "3", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASS);
    keytool("-certreq", "-alias", "leaf", "-keystore", ks.toString(), "-storepass", PASS, "-file", csr.toString());
    List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(),
        "-storepass", PASS, "-infile", csr.toString(), "-outfile", pem.toString(), "-rfc", "-validity", "3",
        "-ext", "eku=serverAuth,clientAuth"));
    if (san != null) {
      gencert.add("-ext");
      gencert.add("san=" + san);
    }
    keytool(gencert.toArray(String[]::new));
    Path key = dir.resolve(name + ".key");
    try (InputStream in = Files.newInputStream(ks)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASS.toCharArray());
      Key k = store.getKey("leaf", PASS.toCharArray());
      String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.getEncoded());
      Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("read key of " + name + " from " + ks, e);
    }
    return new Pair(pem, key);
  }

  /**
   * A leaf certificate whose key OpenSSL made in its traditional form: {@code rsa} gives a PKCS#1
   * {@code BEGIN RSA PRIVATE KEY}, {@code ec} a SEC1 {@code BEGIN EC PRIVATE KEY} (after an
   * {@code EC PARAMETERS} block).
   */
  Pair issueWithOpensslKey(String name, String kind, String san) throws IOException, InterruptedException {
    Path key = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path pem = dir.resolve(name + ".pem");
    if (kind.equals("rsa")) {
      run(List.of("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048"));
    } else {
      run(List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString()));
    }
    run(List.of("openssl", "req", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-out", csr.toString()));
    keytool("-gencert", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(), "-storepass", PASS,
        "-infile", csr.toString(), "-outfile", pem.toString(), "-rfc", "-validity", "3",
        "-ext", "eku=serverAuth,clientAuth", "-ext", "san=" + san);
    return new Pair(pem, key);
  }

  static boolean opensslAvailable() {
    try {
      return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
    }
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " exited with " + rc + ": " + out);
    }
  }
}

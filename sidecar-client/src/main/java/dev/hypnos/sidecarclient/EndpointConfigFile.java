package dev.hypnos.sidecarclient;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hypnos.sidecarclient.dns.AddressSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads Thanos's {@code --endpoint.sd-config-file} (and {@code --endpoint.sd-config}) YAML:
 *
 * <pre>{@code
 * endpoints:
 *   - address: "dnssrv+_grpc._tcp.sidecars.example.net"   # any address spec
 *     strict: false                                      # static addresses only
 *     group: false                                       # endpoint groups are not supported
 *     grpc_client_config:
 *       server_name: "store.example.net"                 # SNI and certificate name
 *       compression_type: none                           # only "none"
 *       tls_config:
 *         enabled: true
 *         ca_file: /etc/certs/ca.pem
 *         cert_file: /etc/certs/client.pem
 *         key_file: /etc/certs/client.key                # PKCS#8 PEM
 *         insecure_skip_verify: false
 * }</pre>
 *
 * <p>Parsing is strict where Thanos's is lenient: an unknown key, a value of the wrong type, TLS
 * settings without {@code enabled: true} (Thanos would silently dial in plaintext), a missing
 * file, or an unsupported feature is an error naming the file and the key. An entry without any
 * TLS setting and without {@code server_name} uses the querier-wide client TLS flags, as in
 * Thanos. Unlike Thanos, an entry's TLS applies to every address its DNS spec resolves to.
 */
public final class EndpointConfigFile {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Set<String> TOP = Set.of("endpoints");
  private static final Set<String> ENTRY = Set.of("address", "strict", "group", "service_config", "grpc_client_config");
  private static final Set<String> CLIENT = Set.of("server_name", "compression_type", "tls_config");
  private static final Set<String> TLS = Set.of("enabled", "insecure_skip_verify", "cert_file", "key_file", "ca_file");

  private EndpointConfigFile() {}

  /** Reads and parses {@code file}. */
  public static List<EndpointConfig> read(Path file) throws ConfigException {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException("read endpoint config file " + file + ": " + e, e);
    }
    return parse(content, "endpoint config file " + file);
  }

  /**
   * Parses YAML content.
   *
   * @param origin how errors name the content, e.g. "endpoint config file /etc/x.yaml"
   */
  public static List<EndpointConfig> parse(byte[] content, String origin) throws ConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(content);
    } catch (JsonProcessingException e) {
      throw new ConfigException("parse " + origin + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("parse " + origin + ": " + e.getMessage(), e);
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return List.of();
    }
    checkObject(origin, "top level", root, TOP);
    JsonNode endpoints = root.get("endpoints");
    if (endpoints == null || endpoints.isNull()) {
      return List.of();
    }
    if (!endpoints.isArray()) {
      throw new ConfigException("parse " + origin + ": key endpoints must be a list, got " + kind(endpoints));
    }
    List<EndpointConfig> out = new ArrayList<>(endpoints.size());
    for (int i = 0; i < endpoints.size(); i++) {
      out.add(entry(origin, "endpoints[" + i + "]", endpoints.get(i)));
    }
    return List.copyOf(out);
  }

  private static EndpointConfig entry(String origin, String path, JsonNode node) throws ConfigException {
    checkObject(origin, path, node, ENTRY);
    String address = string(origin, path + ".address", node.get("address"));
    if (address == null || address.isBlank()) {
      throw new ConfigException("parse " + origin + ": " + path + ".address is missing");
    }
    AddressSpec spec;
    try {
      spec = AddressSpec.parse(address);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("parse " + origin + ": " + path + ".address: " + e.getMessage(), e);
    }
    boolean strict = bool(origin, path + ".strict", node.get("strict"));
    boolean group = bool(origin, path + ".group", node.get("group"));
    if (group) {
      throw new ConfigException("parse " + origin + ": " + path + ".group: endpoint groups (group: true) are not supported");
    }
    String serviceConfig = string(origin, path + ".service_config", node.get("service_config"));
    if (serviceConfig != null && !serviceConfig.isEmpty()) {
      throw new ConfigException("parse " + origin + ": " + path + ".service_config is only valid for endpoint groups");
    }
    if (strict && spec.isDynamic()) {
      throw new ConfigException("parse " + origin + ": " + path + ": address \"" + address
          + "\" is discovered through DNS and cannot be strict");
    }
    JsonNode client = node.get("grpc_client_config");
    if (client == null || client.isNull()) {
      return new EndpointConfig(spec, strict, null, true);
    }
    String cpath = path + ".grpc_client_config";
    checkObject(origin, cpath, client, CLIENT);
    String serverName = string(origin, cpath + ".server_name", client.get("server_name"));
    String compression = string(origin, cpath + ".compression_type", client.get("compression_type"));
    if (compression != null && !compression.isEmpty() && !compression.equals("none")) {
      throw new ConfigException("parse " + origin + ": " + cpath + ".compression_type \"" + compression
          + "\" is not supported (only \"none\")");
    }
    JsonNode tlsNode = client.get("tls_config");
    String tpath = cpath + ".tls_config";
    boolean enabled = false;
    boolean skip = false;
    String ca = null;
    String cert = null;
    String key = null;
    if (tlsNode != null && !tlsNode.isNull()) {
      checkObject(origin, tpath, tlsNode, TLS);
      enabled = bool(origin, tpath + ".enabled", tlsNode.get("enabled"));
      skip = bool(origin, tpath + ".insecure_skip_verify", tlsNode.get("insecure_skip_verify"));
      ca = emptyToNull(string(origin, tpath + ".ca_file", tlsNode.get("ca_file")));
      cert = emptyToNull(string(origin, tpath + ".cert_file", tlsNode.get("cert_file")));
      key = emptyToNull(string(origin, tpath + ".key_file", tlsNode.get("key_file")));
    }
    serverName = emptyToNull(serverName);
    boolean anyTls = ca != null || cert != null || key != null || serverName != null;
    if (!enabled && !anyTls) {
      // Neither TLS nor server_name: Thanos falls back to the querier-wide flags.
      return new EndpointConfig(spec, strict, null, true);
    }
    if (!enabled) {
      String which = serverName != null ? cpath + ".server_name" : ca != null ? tpath + ".ca_file"
          : cert != null ? tpath + ".cert_file" : tpath + ".key_file";
      throw new ConfigException("parse " + origin + ": " + which + " is set but " + tpath
          + ".enabled is not true (the connection would be plaintext)");
    }
    if ((cert == null) != (key == null)) {
      throw new ConfigException("parse " + origin + ": " + tpath + (cert == null ? ".key_file" : ".cert_file")
          + " is set without " + (cert == null ? "cert_file" : "key_file"));
    }
    Path caPath = file(origin, tpath + ".ca_file", ca);
    Path certPath = file(origin, tpath + ".cert_file", cert);
    Path keyPath = file(origin, tpath + ".key_file", key);
    return new EndpointConfig(spec, strict, new TlsConfig(caPath, certPath, keyPath, serverName, skip), false);
  }

  private static @Nullable Path file(String origin, String path, @Nullable String value) throws ConfigException {
    if (value == null) {
      return null;
    }
    Path p = Path.of(value);
    if (!Files.isReadable(p)) {
      throw new ConfigException("parse " + origin + ": " + path + " " + p + " does not exist or cannot be read");
    }
    return p;
  }

  private static @Nullable String emptyToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static void checkObject(String origin, String path, JsonNode node, Set<String> allowed) throws ConfigException {
    if (!node.isObject()) {
      throw new ConfigException("parse " + origin + ": " + path + " must be a mapping, got " + kind(node));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      String k = it.next().getKey();
      if (!allowed.contains(k)) {
        String hint = k.equals("client_config") || k.equals("tls_config") || k.equals("server_name")
            ? " (TLS settings go under grpc_client_config: {server_name, tls_config: {...}})" : "";
        throw new ConfigException("parse " + origin + ": unknown key " + (path.equals("top level") ? "" : path + ".")
            + k + hint + "; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static @Nullable String string(String origin, String path, @Nullable JsonNode n) throws ConfigException {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual() && !n.isNumber()) {
      throw new ConfigException("parse " + origin + ": " + path + " must be a string, got " + kind(n));
    }
    return n.asText();
  }

  private static boolean bool(String origin, String path, @Nullable JsonNode n) throws ConfigException {
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new ConfigException("parse " + origin + ": " + path + " must be true or false, got " + kind(n)
          + (n.isValueNode() ? " \"" + n.asText() + "\"" : ""));
    }
    return n.booleanValue();
  }

  private static String kind(JsonNode n) {
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }
}

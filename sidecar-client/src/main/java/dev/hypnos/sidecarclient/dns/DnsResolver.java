package dev.hypnos.sidecarclient.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Resolves {@link AddressSpec}s through DNS, with Thanos's rules: {@code dns+} gives one address per
 * A/AAAA record; {@code dnssrv+} gives one per address of every SRV target (the SRV port unless the
 * spec names one); {@code dnssrvnoa+} gives {@code target:port} per SRV record. A name that does
 * not exist (NXDOMAIN) resolves to no addresses; any other DNS failure is an {@link IOException}
 * naming the spec.
 *
 * <p>Two modes: {@link #system()} asks the name servers of {@code /etc/resolv.conf} for SRV records
 * (trying its search domains after {@code ndots}, so a Kubernetes short name such as
 * {@code _grpc._tcp.thanos-sidecar} works) and the JDK (hence {@code /etc/hosts} too) for
 * addresses; {@link #usingServer} sends every query
 * to one given server, e.g. a {@code dnsmasq} on loopback. Queries go over UDP, and over TCP when
 * the UDP answer comes back truncated.
 *
 * <p>Concurrency: thread-safe; each query uses its own socket.
 */
public final class DnsResolver {
  private static final int MAX_UDP = 4096;

  private final List<InetSocketAddress> servers;
  private final List<String> search;
  private final int ndots;
  private final boolean systemAddresses;
  private final Duration timeout;
  private final int attempts;

  private DnsResolver(ResolvConf conf, boolean systemAddresses, Duration timeout, int attempts) {
    if (conf.servers().isEmpty()) {
      throw new IllegalArgumentException("DNS resolver needs at least one server");
    }
    this.servers = conf.servers();
    this.search = conf.search();
    this.ndots = conf.ndots();
    this.systemAddresses = systemAddresses;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.attempts = attempts;
  }

  /** The system resolver: name servers from {@code /etc/resolv.conf}, addresses through the JDK. */
  public static DnsResolver system() {
    return new DnsResolver(ResolvConf.read(Path.of("/etc/resolv.conf")), true, Duration.ofSeconds(5), 2);
  }

  /** Sends every query (SRV, A, AAAA) to {@code server}. */
  public static DnsResolver usingServer(InetSocketAddress server) {
    return usingServer(server, Duration.ofSeconds(2), 2);
  }

  /** Like {@link #usingServer(InetSocketAddress)} with a per-attempt timeout and attempt count. */
  public static DnsResolver usingServer(InetSocketAddress server, Duration timeout, int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("DNS attempts must be at least 1, got " + attempts);
    }
    return new DnsResolver(new ResolvConf(List.of(server), List.of(), 1), false, timeout, attempts);
  }

  /**
   * A resolver with the given search domains (tried for names with fewer than {@code ndots}
   * dots, as the C library and Go do), sending every query to {@code server}.
   */
  public static DnsResolver usingServer(InetSocketAddress server, List<String> search, int ndots) {
    return new DnsResolver(new ResolvConf(List.of(server), search, ndots), false, Duration.ofSeconds(2), 2);
  }

  /**
   * What {@code resolv.conf} says: name servers (port 53), search domains and {@code ndots}.
   */
  record ResolvConf(List<InetSocketAddress> servers, List<String> search, int ndots) {
    ResolvConf {
      servers = List.copyOf(servers);
      search = List.copyOf(search);
    }

    static ResolvConf read(Path file) {
      List<InetSocketAddress> servers = new ArrayList<>();
      List<String> search = new ArrayList<>();
      int ndots = 1;
      try {
        for (String line : Files.readAllLines(file)) {
          String[] parts = line.strip().split("\\s+");
          if (parts.length < 2 || parts[0].startsWith("#") || parts[0].startsWith(";")) {
            continue;
          }
          switch (parts[0]) {
            case "nameserver" -> servers.add(new InetSocketAddress(InetAddress.getByName(parts[1]), 53));
            case "search", "domain" -> {
              // The last search or domain line wins, as in the C library.
              search.clear();
              for (int i = 1; i < parts.length; i++) {
                search.add(parts[i]);
              }
            }
            case "options" -> {
              for (int i = 1; i < parts.length; i++) {
                if (parts[i].startsWith("ndots:")) {
                  try {
                    ndots = Math.min(15, Math.max(0, Integer.parseInt(parts[i].substring(6))));
                  } catch (NumberFormatException e) {
                    // Ignored, as the C library ignores a bad option.
                  }
                }
              }
            }
            default -> { }
          }
        }
      } catch (IOException e) {
        // No resolv.conf: fall back to a local resolver, as the C library does.
      }
      if (servers.isEmpty()) {
        servers.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
      }
      return new ResolvConf(servers, search, ndots);
    }
  }

  /**
   * Parses a DNS server setting: {@code host:port}, {@code [ipv6]:port}, or a bare host (port 53).
   *
   * @throws IllegalArgumentException for a bad port
   */
  public static InetSocketAddress parseServer(String text) {
    String s = text.strip();
    String host = s;
    int port = 53;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("DNS server \"" + text + "\": missing ']'");
      }
      host = s.substring(1, close);
      if (s.length() > close + 1) {
        port = serverPort(text, s.substring(close + 2));
      }
    } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
      host = s.substring(0, s.indexOf(':'));
      port = serverPort(text, s.substring(s.indexOf(':') + 1));
    }
    return new InetSocketAddress(host, port);
  }

  private static int serverPort(String text, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("DNS server \"" + text + "\": port " + p + " is outside 1-65535");
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("DNS server \"" + text + "\": port \"" + port + "\" is not a number", e);
    }
  }

  /**
   * The addresses {@code spec} stands for, as {@code host:port} strings (IPv6 in brackets), without
   * duplicates, in DNS order. A static spec resolves to itself.
   *
   * @throws IOException naming the spec when a lookup fails other than by NXDOMAIN
   */
  public List<String> resolve(AddressSpec spec) throws IOException {
    try {
      return switch (spec.kind()) {
        case STATIC -> List.of(AddressSpec.joinHostPort(spec.host(), spec.port()));
        case DNS -> {
          LinkedHashSet<String> out = new LinkedHashSet<>();
          for (InetAddress a : lookupIp(spec.host())) {
            out.add(AddressSpec.joinHostPort(ipText(a), spec.port()));
          }
          yield List.copyOf(out);
        }
        case DNSSRV, DNSSRVNOA -> {
          SrvAnswer srv = lookupSrvWithAdditionals(spec.host());
          LinkedHashSet<String> out = new LinkedHashSet<>();
          for (SrvRecord r : srv.records()) {
            int port = spec.port() >= 0 ? spec.port() : r.port();
            if (spec.kind() == AddressSpec.Kind.DNSSRVNOA) {
              out.add(AddressSpec.joinHostPort(r.target(), port));
              continue;
            }
            List<InetAddress> addrs = srv.additional().get(r.target());
            if (addrs == null || addrs.isEmpty()) {
              addrs = lookupIp(r.target());
            }
            for (InetAddress a : addrs) {
              out.add(AddressSpec.joinHostPort(ipText(a), port));
            }
          }
          yield List.copyOf(out);
        }
      };
    } catch (IOException e) {
      throw new IOException("resolve endpoint address \"" + spec.spec() + "\": " + e.getMessage(), e);
    }
  }

  /** An address as Go prints it: dotted IPv4, or IPv6 with the longest zero run as {@code ::}. */
  static String ipText(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return a.getHostAddress();
    }
    int[] h = new int[8];
    for (int i = 0; i < 8; i++) {
      h[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (h[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && h[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(h[i]));
    }
    return sb.toString();
  }

  /** The SRV records of {@code name}; empty when the name does not exist. */
  public List<SrvRecord> lookupSrv(String name) throws IOException {
    return lookupSrvWithAdditionals(name).records();
  }

  private record SrvAnswer(List<SrvRecord> records, Map<String, List<InetAddress>> additional) {}

  private SrvAnswer lookupSrvWithAdditionals(String name) throws IOException {
    IOException failure = null;
    for (String candidate : candidates(name)) {
      try {
        SrvAnswer a = lookupSrvOnce(candidate);
        if (!a.records().isEmpty()) {
          return a;
        }
      } catch (IOException e) {
        // As Go's resolver: a failing candidate does not stop the search; reported if none answers.
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return new SrvAnswer(List.of(), Map.of());
  }

  /**
   * The names to try for {@code name}: as is first when it has at least {@code ndots} dots (or
   * ends in a dot, which means "no search"), then with each search domain, then as is.
   */
  List<String> candidates(String name) {
    if (name.endsWith(".") || search.isEmpty()) {
      return List.of(name);
    }
    int dots = 0;
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) == '.') {
        dots++;
      }
    }
    List<String> out = new ArrayList<>(search.size() + 1);
    if (dots >= ndots) {
      out.add(name);
    }
    for (String domain : search) {
      out.add(name + "." + (domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain));
    }
    if (dots < ndots) {
      out.add(name);
    }
    return out;
  }

  private SrvAnswer lookupSrvOnce(String name) throws IOException {
    DnsMessage.Response r = query(name, DnsMessage.TYPE_SRV);
    if (r.rcode() == DnsMessage.RCODE_NXDOMAIN) {
      return new SrvAnswer(List.of(), Map.of());
    }
    Set<String> owners = aliases(name, r.answers());
    List<SrvRecord> records = new ArrayList<>();
    for (DnsMessage.Record rec : r.answers()) {
      if (rec.type() == DnsMessage.TYPE_SRV && owners.contains(rec.name()) && rec.data() instanceof SrvRecord s) {
        records.add(s);
      }
    }
    Map<String, List<InetAddress>> additional = new LinkedHashMap<>();
    for (DnsMessage.Record rec : r.additionals()) {
      if ((rec.type() == DnsMessage.TYPE_A || rec.type() == DnsMessage.TYPE_AAAA) && rec.data() instanceof InetAddress a) {
        additional.computeIfAbsent(rec.name(), k -> new ArrayList<>()).add(a);
      }
    }
    return new SrvAnswer(records, additional);
  }

  /**
   * The IPv4 and IPv6 addresses of {@code host} (an IP literal is returned as is); empty when the
   * name does not exist.
   */
  public List<InetAddress> lookupIp(String host) throws IOException {
    if (isIpLiteral(host)) {
      return List.of(InetAddress.getByName(host));
    }
    if (systemAddresses) {
      try {
        return List.of(InetAddress.getAllByName(host));
      } catch (UnknownHostException e) {
        return List.of();
      }
    }
    IOException failure = null;
    for (String candidate : candidates(host)) {
      try {
        List<InetAddress> found = lookupIpOnce(candidate);
        if (!found.isEmpty()) {
          return found;
        }
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return List.of();
  }

  private List<InetAddress> lookupIpOnce(String host) throws IOException {
    List<InetAddress> out = new ArrayList<>();
    for (int type : new int[] {DnsMessage.TYPE_A, DnsMessage.TYPE_AAAA}) {
      DnsMessage.Response r = query(host, type);
      if (r.rcode() == DnsMessage.RCODE_NXDOMAIN) {
        return List.of();
      }
      Set<String> owners = aliases(host, r.answers());
      for (DnsMessage.Record rec : r.answers()) {
        if (rec.type() == type && owners.contains(rec.name()) && rec.data() instanceof InetAddress a) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /** The queried name and every name a CNAME chain in the answer leads to. */
  private static Set<String> aliases(String name, List<DnsMessage.Record> answers) {
    Set<String> owners = new HashSet<>();
    owners.add(canonical(name));
    boolean grew = true;
    while (grew) {
      grew = false;
      for (DnsMessage.Record rec : answers) {
        if (rec.type() == DnsMessage.TYPE_CNAME && owners.contains(rec.name()) && rec.data() instanceof String t
            && owners.add(t)) {
          grew = true;
        }
      }
    }
    return owners;
  }

  private static String canonical(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return n.toLowerCase(Locale.ROOT);
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3) {
        return false;
      }
      for (int i = 0; i < p.length(); i++) {
        if (!Character.isDigit(p.charAt(i))) {
          return false;
        }
      }
      if (Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Asks the servers in turn until one answers other than SERVFAIL or REFUSED. */
  private DnsMessage.Response query(String name, int type) throws IOException {
    IOException last = null;
    DnsMessage.Response lastAnswer = null;
    InetSocketAddress lastServer = servers.get(0);
    for (InetSocketAddress server : servers) {
      for (int attempt = 0; attempt < attempts; attempt++) {
        try {
          DnsMessage.Response r = queryServer(server, name, type);
          if (r.rcode() == DnsMessage.RCODE_NOERROR || r.rcode() == DnsMessage.RCODE_NXDOMAIN) {
            return r;
          }
          lastAnswer = r;
          lastServer = server;
          break; // an explicit failure answer: the next server may do better, retrying this one will not
        } catch (IOException e) {
          last = e;
        }
      }
    }
    if (lastAnswer != null) {
      throw new IOException("lookup " + DnsMessage.typeName(type) + " " + name + " at " + addr(lastServer)
          + ": server answered " + DnsMessage.rcodeName(lastAnswer.rcode()));
    }
    throw Objects.requireNonNull(last);
  }

  private DnsMessage.Response queryServer(InetSocketAddress server, String name, int type) throws IOException {
    int id = ThreadLocalRandom.current().nextInt(0x10000);
    byte[] q = DnsMessage.query(id, name, type);
    String what = "lookup " + DnsMessage.typeName(type) + " " + name + " at " + addr(server);
    DnsMessage.Response r;
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout((int) timeout.toMillis());
      socket.connect(server);
      socket.send(new DatagramPacket(q, q.length));
      byte[] buf = new byte[MAX_UDP];
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        try {
          r = DnsMessage.parse(buf, p.getLength());
        } catch (IllegalArgumentException e) {
          throw new IOException(what + ": " + e.getMessage(), e);
        }
        if (r.id() == id) {
          break;
        }
        // An answer to some earlier query: keep waiting for ours.
      }
    } catch (SocketTimeoutException e) {
      throw new IOException(what + ": no answer over UDP within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(what)) {
        throw e;
      }
      throw new IOException(what + " over UDP: " + e, e);
    }
    if (!r.truncated()) {
      return r;
    }
    return queryTcp(server, q, id, what);
  }

  private DnsMessage.Response queryTcp(InetSocketAddress server, byte[] q, int id, String what) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(server, (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream out = socket.getOutputStream();
      byte[] framed = new byte[q.length + 2];
      framed[0] = (byte) (q.length >>> 8);
      framed[1] = (byte) q.length;
      System.arraycopy(q, 0, framed, 2, q.length);
      out.write(framed);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int len = in.readUnsignedShort();
      byte[] buf = new byte[len];
      in.readFully(buf);
      DnsMessage.Response r = DnsMessage.parse(buf, len);
      if (r.id() != id) {
        throw new IOException(what + " over TCP: answer has id " + r.id() + ", expected " + id);
      }
      return r;
    } catch (IllegalArgumentException e) {
      throw new IOException(what + " over TCP: " + e.getMessage(), e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(what)) {
        throw e;
      }
      throw new IOException(what + " over TCP after a truncated UDP answer: " + e, e);
    }
  }

  private static String addr(InetSocketAddress a) {
    return AddressSpec.joinHostPort(a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString(), a.getPort());
  }

  @Override
  public String toString() {
    return (systemAddresses ? "system DNS resolver " : "DNS resolver at ") + servers;
  }
}

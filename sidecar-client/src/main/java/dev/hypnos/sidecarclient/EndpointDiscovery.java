package dev.hypnos.sidecarclient;

import dev.hypnos.sidecarclient.dns.AddressSpec;
import dev.hypnos.sidecarclient.dns.DnsResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns the configured endpoint sources into the current list of addresses: static
 * {@code --endpoint} flags, {@code --store.sd-files} (Prometheus file SD) and
 * {@code --endpoint.sd-config-file}. Each {@link #refresh()} re-reads changed files (the sd-config
 * file on change and at least every {@code sdConfigReloadInterval}, file SD files on change and at
 * least every {@code fileSdInterval}) and resolves every DNS spec anew.
 *
 * <p>Failures keep the last good state: an sd-config file that no longer parses keeps the
 * previous configuration, a DNS spec whose lookup fails keeps its previous addresses. Each refresh
 * reports its problems through {@link #errors()}. The first read of the sd-config file happens in
 * the constructor, where a bad file is an error (as Thanos refuses to start).
 *
 * <p>Addresses appearing twice are kept once, the first source winning (flags, then the
 * sd-config file, then file SD).
 *
 * <p>Concurrency: {@link #refresh()} is synchronized; one refresher at a time.
 */
public final class EndpointDiscovery {
  private final List<EndpointConfig> flagEndpoints;
  private final @Nullable TlsConfig flagsTls;
  private final @Nullable Path sdConfigFile;
  private final Duration sdConfigReloadInterval;
  private final @Nullable FileSd fileSd;
  private final Duration fileSdInterval;
  private final DnsResolver resolver;
  private final InstantSource clock;

  private List<EndpointConfig> sdConfig = List.of();
  private long sdConfigModified = Long.MIN_VALUE;
  private long sdConfigSize = -1;
  private @Nullable Instant sdConfigLastRead;
  private @Nullable Instant fileSdLastForced;
  private List<String> fileSdTargets = List.of();
  private final Map<String, List<String>> lastResolved = new HashMap<>();
  private List<String> errors = List.of();

  /** Builds discovery; see {@link Builder}. */
  private EndpointDiscovery(Builder b) throws ConfigException {
    this.flagEndpoints = List.copyOf(b.flagEndpoints);
    this.flagsTls = b.flagsTls;
    this.sdConfigFile = b.sdConfigFile;
    this.sdConfigReloadInterval = b.sdConfigReloadInterval;
    this.fileSd = b.fileSdPatterns.isEmpty() ? null : new FileSd(b.fileSdPatterns);
    this.fileSdInterval = b.fileSdInterval;
    this.resolver = Objects.requireNonNull(b.resolver, "resolver");
    this.clock = b.clock;
    if (sdConfigFile != null) {
      BasicFileAttributes a = attributes(sdConfigFile);
      sdConfig = EndpointConfigFile.read(sdConfigFile);
      sdConfigModified = a == null ? Long.MIN_VALUE : a.lastModifiedTime().toMillis();
      sdConfigSize = a == null ? -1 : a.size();
      sdConfigLastRead = clock.instant();
    } else if (b.sdConfigContent != null) {
      sdConfig = EndpointConfigFile.parse(b.sdConfigContent.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          "--endpoint.sd-config");
    }
  }

  /** Starts a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The configuration of discovery, mirroring the querier's flags. */
  public static final class Builder {
    private final List<EndpointConfig> flagEndpoints = new ArrayList<>();
    private @Nullable TlsConfig flagsTls;
    private @Nullable Path sdConfigFile;
    private @Nullable String sdConfigContent;
    private Duration sdConfigReloadInterval = Duration.ofMinutes(5);
    private final List<String> fileSdPatterns = new ArrayList<>();
    private Duration fileSdInterval = Duration.ofMinutes(5);
    private DnsResolver resolver = DnsResolver.system();
    private InstantSource clock = InstantSource.system();

    private Builder() {}

    /** An {@code --endpoint} flag value. @throws IllegalArgumentException for a bad spec */
    public Builder endpoint(String spec) {
      flagEndpoints.add(EndpointConfig.fromFlags(spec, false));
      return this;
    }

    /** An {@code --endpoint-strict} flag value (static addresses only). */
    public Builder strictEndpoint(String spec) {
      flagEndpoints.add(EndpointConfig.fromFlags(spec, true));
      return this;
    }

    /** TLS for endpoints that use the querier-wide settings; null (the default) for plaintext. */
    public Builder flagsTls(@Nullable TlsConfig tls) {
      this.flagsTls = tls;
      return this;
    }

    /** {@code --endpoint.sd-config-file}. */
    public Builder sdConfigFile(@Nullable Path file) {
      this.sdConfigFile = file;
      return this;
    }

    /** {@code --endpoint.sd-config}: the same YAML given inline. */
    public Builder sdConfigContent(@Nullable String content) {
      this.sdConfigContent = content;
      return this;
    }

    /** {@code --endpoint.sd-config-reload-interval} (default 5m). */
    public Builder sdConfigReloadInterval(Duration d) {
      this.sdConfigReloadInterval = Objects.requireNonNull(d);
      return this;
    }

    /** An {@code --store.sd-files} value (path, glob allowed in the last element). */
    public Builder fileSd(String pattern) {
      fileSdPatterns.add(pattern);
      return this;
    }

    /** {@code --store.sd-interval} (default 5m). */
    public Builder fileSdInterval(Duration d) {
      this.fileSdInterval = Objects.requireNonNull(d);
      return this;
    }

    /** The resolver for DNS specs (default: the system resolver). */
    public Builder resolver(DnsResolver r) {
      this.resolver = Objects.requireNonNull(r);
      return this;
    }

    public Builder clock(InstantSource c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /**
     * @throws ConfigException when the sd-config file cannot be read or parsed
     * @throws IllegalArgumentException for a file SD pattern with a wrong extension
     */
    public EndpointDiscovery build() throws ConfigException {
      if (sdConfigFile != null && sdConfigContent != null) {
        throw new IllegalArgumentException("--endpoint.sd-config-file and --endpoint.sd-config are mutually exclusive");
      }
      return new EndpointDiscovery(this);
    }
  }

  /** Re-reads what changed, resolves DNS, and returns the endpoints to connect to. */
  public synchronized List<ResolvedEndpoint> refresh() {
    List<String> errs = new ArrayList<>();
    Instant now = clock.instant();
    reloadSdConfig(now, errs);
    if (fileSd != null) {
      boolean force = fileSdLastForced == null || !now.isBefore(fileSdLastForced.plus(fileSdInterval));
      if (force) {
        fileSdLastForced = now;
      }
      fileSdTargets = fileSd.refresh(force);
      errs.addAll(fileSd.errors().values());
    }

    List<EndpointConfig> configs = new ArrayList<>(flagEndpoints);
    configs.addAll(sdConfig);
    for (String t : fileSdTargets) {
      try {
        configs.add(EndpointConfig.fromFlags(t, false));
      } catch (IllegalArgumentException e) {
        errs.add("file SD target: " + e.getMessage());
      }
    }

    Map<String, ResolvedEndpoint> out = new LinkedHashMap<>();
    Map<String, List<String>> resolvedNow = new HashMap<>();
    for (EndpointConfig c : configs) {
      AddressSpec spec = c.address();
      List<String> addresses;
      if (resolvedNow.containsKey(spec.spec())) {
        addresses = resolvedNow.get(spec.spec());
      } else {
        try {
          addresses = resolver.resolve(spec);
        } catch (IOException e) {
          errs.add(e.getMessage());
          addresses = lastResolved.getOrDefault(spec.spec(), List.of());
        }
        resolvedNow.put(spec.spec(), addresses);
      }
      TlsConfig tls = c.effectiveTls(flagsTls);
      for (String a : addresses) {
        AddressSpec hp = AddressSpec.parse(a);
        ResolvedEndpoint r = new ResolvedEndpoint(hp.host(), hp.port(), c.strict(), tls, spec.spec());
        out.putIfAbsent(r.address(), r);
      }
    }
    lastResolved.clear();
    lastResolved.putAll(resolvedNow);
    errors = List.copyOf(errs);
    return List.copyOf(out.values());
  }

  private void reloadSdConfig(Instant now, List<String> errs) {
    if (sdConfigFile == null) {
      return;
    }
    BasicFileAttributes a = attributes(sdConfigFile);
    long modified = a == null ? Long.MIN_VALUE : a.lastModifiedTime().toMillis();
    long size = a == null ? -1 : a.size();
    boolean due = sdConfigLastRead == null || !now.isBefore(sdConfigLastRead.plus(sdConfigReloadInterval));
    if (!due && modified == sdConfigModified && size == sdConfigSize) {
      return;
    }
    sdConfigLastRead = now;
    try {
      sdConfig = EndpointConfigFile.read(sdConfigFile);
      sdConfigModified = modified;
      sdConfigSize = size;
    } catch (ConfigException e) {
      errs.add(e.getMessage() + " (keeping the previous endpoint configuration)");
    }
  }

  private static @Nullable BasicFileAttributes attributes(Path f) {
    try {
      return Files.readAttributes(f, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Problems met by the last {@link #refresh()}, each naming its file or spec. */
  public synchronized List<String> errors() {
    return errors;
  }
}

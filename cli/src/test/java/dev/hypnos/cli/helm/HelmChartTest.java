package dev.hypnos.cli.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.hypnos.cli.Hypnos;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.sidecarclient.EndpointConfig;
import dev.hypnos.sidecarclient.EndpointConfigFile;
import dev.hypnos.storegateway.sync.RelabelConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Renders deploy/helm/hypnos with real Helm (helm-java) for each example values file, lints it,
 * reads every manifest into fabric8 Kubernetes model objects and dry-parses every hypnos
 * container's arguments with the real command line of {@link Hypnos}.
 */
class HelmChartTest {
  private static final Path DEPLOY = Path.of("..", "deploy", "helm").toAbsolutePath().normalize();
  private static final Path CHART = DEPLOY.resolve("hypnos");
  private static final Path EXAMPLES = DEPLOY.resolve("examples");
  private static final Path SHARED = EXAMPLES.resolve("shared-values.yaml");
  private static final Path OBSERVER = EXAMPLES.resolve("observer-prod-values.yaml");
  private static final Path CLUSTER_A = EXAMPLES.resolve("cluster-a-prod-values.yaml");
  private static final String IMAGE = "ghcr.io/hypnos/hypnos:0.1.0";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  // ---- rendering -------------------------------------------------------------------------------

  private static String render(Path... valuesFiles) {
    var template = new Helm(CHART).template().withName("hypnos").withNamespace("platform");
    for (Path values : valuesFiles) {
      template = template.withValuesFile(values);
    }
    return template.call();
  }

  /** Every non-empty document of a rendered release, as a fabric8 model object. */
  private static List<KubernetesResource> parse(String manifests) throws IOException {
    List<KubernetesResource> out = new ArrayList<>();
    try (var it = YAML.readerFor(KubernetesResource.class).<KubernetesResource>readValues(manifests)) {
      while (it.hasNext()) {
        KubernetesResource r = it.next();
        if (r != null) {
          out.add(r);
        }
      }
    }
    return out;
  }

  private static <T> List<T> ofType(List<KubernetesResource> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> T named(List<KubernetesResource> all, Class<T> type, String name) {
    return ofType(all, type).stream()
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + names(all)));
  }

  private static List<String> names(List<KubernetesResource> all) {
    return all.stream()
        .map(r -> r instanceof HasMetadata h ? h.getKind() + "/" + h.getMetadata().getName() : r.getClass().getSimpleName())
        .toList();
  }

  /** Containers of every workload plus those of the sidecar snippet ConfigMap. */
  private static Map<String, Container> hypnosContainers(List<KubernetesResource> all) throws IOException {
    Map<String, Container> out = new LinkedHashMap<>();
    for (Deployment d : ofType(all, Deployment.class)) {
      d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> out.put(d.getMetadata().getName() + "/" + c.getName(), c));
    }
    for (StatefulSet s : ofType(all, StatefulSet.class)) {
      s.getSpec().getTemplate().getSpec().getContainers().forEach(c -> out.put(s.getMetadata().getName() + "/" + c.getName(), c));
    }
    for (ConfigMap cm : ofType(all, ConfigMap.class)) {
      String snippet = cm.getData().get("containers.yaml");
      if (snippet != null) {
        List<Container> containers = YAML.readValue(snippet, new TypeReference<List<Container>>() {});
        containers.forEach(c -> out.put(cm.getMetadata().getName() + "/" + c.getName(), c));
      }
    }
    out.values().forEach(c -> assertThat(c.getImage()).as("image of %s", c.getName()).startsWith("ghcr.io/hypnos/hypnos:"));
    return out;
  }

  /** Dry parse: picocli must accept the arguments; returns the subcommand's name. */
  private static String dryParse(String where, List<String> args) {
    CommandLine cl = Hypnos.commandLine();
    try {
      CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
      assertThat(parsed.hasSubcommand()).as("%s names a subcommand: %s", where, args).isTrue();
      assertThat(parsed.subcommand().unmatched()).as("%s unmatched args", where).isEmpty();
      return parsed.subcommand().commandSpec().name();
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError("hypnos rejects the args of " + where + ": " + e.getMessage() + "\nargs: " + args, e);
    }
  }

  private static Map<String, String> flags(List<String> args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      out.merge(eq < 0 ? a : a.substring(0, eq), eq < 0 ? "" : a.substring(eq + 1), (x, y) -> x + "\n" + y);
    }
    return out;
  }

  // ---- example values --------------------------------------------------------------------------

  @Test
  void observerValuesRenderQuerierStoreGatewaysCompactorAndSidecar() throws Exception {
    List<KubernetesResource> all = parse(keep("observer-prod.yaml", render(SHARED, OBSERVER)));
    assertThat(all).noneMatch(r -> r instanceof Ingress);

    Map<String, Container> containers = hypnosContainers(all);
    containers.forEach((where, c) -> assertThat(c.getImage()).as("image of %s", where).isEqualTo(IMAGE));
    Map<String, String> commands = new LinkedHashMap<>();
    containers.forEach((where, c) -> commands.put(where, dryParse(where, c.getArgs())));
    assertThat(commands).containsOnly(
        Map.entry("hypnos-querier/querier", "query"),
        Map.entry("hypnos-store-0/store-gateway", "store"),
        Map.entry("hypnos-store-1/store-gateway", "store"),
        Map.entry("hypnos-store-2/store-gateway", "store"),
        Map.entry("hypnos-compactor/compactor", "compact"),
        Map.entry("hypnos-sidecar-snippet/hypnos-sidecar", "sidecar"));

    // Querier: replica label, dnssrv+ endpoints (its store gateways and the local sidecar), TLS ones from the file.
    Deployment querier = named(all, Deployment.class, "hypnos-querier");
    Container q = querier.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(q.getArgs()).contains(
        "--query.replica-label=prometheus_replica",
        "--endpoint=dnssrv+_grpc._tcp.hypnos-store.platform.svc.cluster.local",
        "--endpoint=dnssrv+_grpc._tcp.hypnos-sidecar.platform.svc.cluster.local",
        "--endpoint.sd-config-file=/etc/hypnos/endpoints/endpoints.yaml");
    assertThat(querier.getSpec().getReplicas()).as("replicas left to the HPA").isNull();
    assertProbes(q);
    assertThat(q.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(q.getResources().getLimits()).containsKey("memory");

    // The endpoint file is read by the querier's own parser; its TLS files are mounted from the Secret.
    // The parser checks that the TLS files are readable: stand in a temporary root for /etc/hypnos/tls.
    ConfigMap endpointsCm = named(all, ConfigMap.class, "hypnos-querier-endpoints");
    Path tlsRoot = Files.createDirectories(tmp.resolve("tls/cluster-b-client-tls"));
    for (String f : List.of("ca.crt", "tls.crt", "tls.key")) {
      Files.writeString(tlsRoot.resolve(f), "");
    }
    String endpointsYaml = endpointsCm.getData().get("endpoints.yaml")
        .replace("/etc/hypnos/tls/", tmp.resolve("tls") + "/");
    List<EndpointConfig> endpoints = EndpointConfigFile.parse(endpointsYaml.getBytes(StandardCharsets.UTF_8), "endpoints.yaml");
    assertThat(endpoints).hasSize(2);
    assertThat(endpoints.get(0).tls()).isNotNull();
    assertThat(endpoints.get(0).tls().serverName()).isEqualTo("clusterA.prometheus.example.net");
    assertThat(endpoints.get(0).tls().caFile()).as("public CA: JDK trust store").isNull();
    var mtls = endpoints.get(1).tls();
    assertThat(mtls).isNotNull();
    assertThat(mtls.caFile()).isEqualTo(tlsRoot.resolve("ca.crt"));
    assertThat(mtls.certFile()).isEqualTo(tlsRoot.resolve("tls.crt"));
    assertThat(mtls.keyFile()).isEqualTo(tlsRoot.resolve("tls.key"));
    assertThat(q.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/etc/hypnos/tls/cluster-b-client-tls"));
    assertThat(querier.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("cluster-b-client-tls"));

    HorizontalPodAutoscaler hpa = named(all, HorizontalPodAutoscaler.class, "hypnos-querier");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("hypnos-querier");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(named(all, PodDisruptionBudget.class, "hypnos-querier").getSpec().getSelector().getMatchLabels())
        .isEqualTo(querier.getSpec().getSelector().getMatchLabels());
    Service querierSvc = named(all, Service.class, "hypnos-querier");
    assertThat(querierSvc.getSpec().getSelector()).isEqualTo(querier.getSpec().getSelector().getMatchLabels());

    // Store gateways: volumes, objstore Secret, and hashmod shards that split the blocks exactly.
    List<List<RelabelConfig>> shards = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      StatefulSet sts = named(all, StatefulSet.class, "hypnos-store-" + i);
      assertThat(sts.getSpec().getVolumeClaimTemplates()).singleElement()
          .satisfies(pvc -> assertThat(pvc.getSpec().getResources().getRequests().get("storage")).hasToString("20Gi"));
      assertObjstoreSecret(sts.getSpec().getTemplate().getSpec());
      Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertProbes(c);
      Map<String, String> f = flags(c.getArgs());
      assertThat(f).containsEntry("--data-dir", "/data").containsEntry("--objstore.config-file", "/etc/hypnos/objstore/objstore.yml");
      shards.add(RelabelConfig.parseList(f.get("--selector.relabel-config"), "store-" + i, RelabelConfig.SELECTOR_ACTIONS));
    }
    for (int b = 0; b < 300; b++) {
      Labels block = Labels.of("__block_id", String.format("01HBLOCK%018d", b), "cluster", "clusterA");
      int kept = 0;
      for (List<RelabelConfig> shard : shards) {
        kept += RelabelConfig.process(block, shard) == null ? 0 : 1;
      }
      assertThat(kept).as("shards serving block %s", block).isEqualTo(1);
    }
    Service storeSvc = named(all, Service.class, "hypnos-store");
    assertThat(storeSvc.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(storeSvc.getSpec().getPorts()).anyMatch(p -> p.getName().equals("grpc"));

    // Compactor: a singleton with a volume, merging replicas by the replica label.
    StatefulSet compactor = named(all, StatefulSet.class, "hypnos-compactor");
    assertThat(compactor.getSpec().getReplicas()).isEqualTo(1);
    assertThat(compactor.getSpec().getVolumeClaimTemplates()).hasSize(1);
    assertObjstoreSecret(compactor.getSpec().getTemplate().getSpec());
    assertThat(compactor.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--wait", "--deduplication.replica-label=prometheus_replica", "--retention.resolution-1h=2y");
    var compactorContainer = compactor.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(compactorContainer.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/-/ready");
    assertThat(compactorContainer.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/-/healthy");
    assertThat(named(all, Service.class, "hypnos-compactor").getSpec().getPorts())
        .anyMatch(p -> p.getName().equals("http"));

    List<GenericKubernetesResource> monitors = ofType(all, GenericKubernetesResource.class).stream()
        .filter(r -> r.getKind().equals("ServiceMonitor")).toList();
    assertThat(monitors).extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("hypnos-querier", "hypnos-store", "hypnos-compactor", "hypnos-sidecar");
    assertThat(monitors).allSatisfy(m -> assertThat(m.getMetadata().getLabels()).containsEntry("release", "prometheus"));
    assertThat(ofType(all, ServiceAccount.class)).singleElement()
        .satisfies(sa -> assertThat(sa.getMetadata().getAnnotations()).containsKey("eks.amazonaws.com/role-arn"));
  }

  @Test
  void monitoredClusterValuesRenderSidecarSnippetAndGrpcIngress() throws IOException {
    List<KubernetesResource> all = parse(keep("cluster-a-prod.yaml", render(SHARED, CLUSTER_A)));
    assertThat(ofType(all, Deployment.class)).isEmpty();
    assertThat(ofType(all, StatefulSet.class)).isEmpty();

    Map<String, Container> containers = hypnosContainers(all);
    assertThat(containers).containsOnlyKeys("hypnos-sidecar-snippet/hypnos-sidecar");
    Container sidecar = containers.get("hypnos-sidecar-snippet/hypnos-sidecar");
    assertThat(dryParse("sidecar", sidecar.getArgs())).isEqualTo("sidecar");
    assertThat(flags(sidecar.getArgs()))
        .containsEntry("--tsdb.path", "/prometheus")
        .containsEntry("--objstore.config-file", "/etc/hypnos/objstore/objstore.yml");
    assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/-/ready");
    assertThat(sidecar.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/-/healthy");
    assertThat(sidecar.getVolumeMounts()).anyMatch(m -> m.getName().equals("prometheus-prometheus-prometheus-db"));

    ConfigMap snippet = named(all, ConfigMap.class, "hypnos-sidecar-snippet");
    List<Volume> volumes = YAML.readValue(snippet.getData().get("volumes.yaml"), new TypeReference<List<Volume>>() {});
    assertThat(volumes).anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("hypnos-objstore"));
    // Every mount is either the Prometheus data volume or a volume of the snippet.
    List<String> volumeNames = new ArrayList<>(volumes.stream().map(Volume::getName).toList());
    volumeNames.add("prometheus-prometheus-prometheus-db");
    assertThat(sidecar.getVolumeMounts()).allSatisfy(m -> assertThat(volumeNames).contains(m.getName()));

    Ingress ingress = named(all, Ingress.class, "hypnos-sidecar");
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("alb.ingress.kubernetes.io/backend-protocol-version", "GRPC")
        .containsEntry("alb.ingress.kubernetes.io/scheme", "internal")
        .containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTPS\":443}]")
        .containsEntry("alb.ingress.kubernetes.io/ssl-policy", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06")
        .containsEntry("external-dns.alpha.kubernetes.io/hostname", "clusterA.prometheus.example.net")
        .containsKey("alb.ingress.kubernetes.io/certificate-arn");
    var rule = ingress.getSpec().getRules().get(0);
    assertThat(rule.getHost()).isEqualTo("clusterA.prometheus.example.net");
    assertThat(rule.getHttp().getPaths().get(0).getPath()).isEqualTo("/*");
    assertThat(rule.getHttp().getPaths().get(0).getBackend().getService().getName()).isEqualTo("hypnos-sidecar");
    assertThat(named(all, Service.class, "hypnos-sidecar").getSpec().getType()).isEqualTo("NodePort");
  }

  @Test
  void sidecarStoreApiTlsFlagsComeFromTheSecret() throws IOException {
    // Default: plaintext, no TLS flag and no TLS volume.
    Container plain = hypnosContainers(parse(render(SHARED, CLUSTER_A))).get("hypnos-sidecar-snippet/hypnos-sidecar");
    assertThat(flags(plain.getArgs())).doesNotContainKeys(
        "--grpc-server-tls-cert", "--grpc-server-tls-key", "--grpc-server-tls-client-ca");
    assertThat(plain.getVolumeMounts()).noneMatch(m -> m.getName().equals("hypnos-grpc-server-tls"));

    Path tls = write("sidecar-tls.yaml", """
        sidecar:
          grpcServerTls:
            existingSecret: sidecar-grpc-tls
        """);
    List<KubernetesResource> all = parse(keep("cluster-a-sidecar-tls.yaml", render(SHARED, CLUSTER_A, tls)));
    Container sidecar = hypnosContainers(all).get("hypnos-sidecar-snippet/hypnos-sidecar");
    assertThat(dryParse("sidecar with TLS", sidecar.getArgs())).isEqualTo("sidecar");
    assertThat(flags(sidecar.getArgs()))
        .containsEntry("--grpc-server-tls-cert", "/etc/hypnos/grpc-server-tls/tls.crt")
        .containsEntry("--grpc-server-tls-key", "/etc/hypnos/grpc-server-tls/tls.key")
        .doesNotContainKey("--grpc-server-tls-client-ca")
        .containsEntry("--objstore.config-file", "/etc/hypnos/objstore/objstore.yml");
    assertThat(sidecar.getVolumeMounts()).filteredOn(m -> m.getName().equals("hypnos-grpc-server-tls"))
        .singleElement()
        .satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/hypnos/grpc-server-tls");
          assertThat(m.getReadOnly()).isTrue();
        });
    List<Volume> volumes = YAML.readValue(named(all, ConfigMap.class, "hypnos-sidecar-snippet").getData().get("volumes.yaml"),
        new TypeReference<List<Volume>>() {});
    assertThat(volumes).filteredOn(v -> v.getName().equals("hypnos-grpc-server-tls")).singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("sidecar-grpc-tls"));

    // Mutual TLS, other key names, and no shipping: the TLS volume alone.
    Path mtls = write("sidecar-mtls.yaml", """
        sidecar:
          enabled: true
          ship: false
          grpcServerTls:
            existingSecret: sidecar-grpc-mtls
            certKey: server.pem
            keyKey: server-key.pem
            clientCaKey: ca.crt
        """);
    ConfigMap snippet = named(parse(render(mtls)), ConfigMap.class, "hypnos-sidecar-snippet");
    Container m = YAML.readValue(snippet.getData().get("containers.yaml"), new TypeReference<List<Container>>() {}).get(0);
    dryParse("sidecar with mutual TLS", m.getArgs());
    assertThat(flags(m.getArgs()))
        .containsEntry("--grpc-server-tls-cert", "/etc/hypnos/grpc-server-tls/server.pem")
        .containsEntry("--grpc-server-tls-key", "/etc/hypnos/grpc-server-tls/server-key.pem")
        .containsEntry("--grpc-server-tls-client-ca", "/etc/hypnos/grpc-server-tls/ca.crt")
        .doesNotContainKey("--objstore.config-file");
    List<Volume> mVolumes = YAML.readValue(snippet.getData().get("volumes.yaml"), new TypeReference<List<Volume>>() {});
    assertThat(mVolumes).extracting(Volume::getName).containsExactlyInAnyOrder("hypnos-tmp", "hypnos-grpc-server-tls");
    assertThat(m.getVolumeMounts()).allSatisfy(vm -> assertThat(vm.getName())
        .isIn("hypnos-tmp", "hypnos-grpc-server-tls", "prometheus-prometheus-prometheus-db"));
  }

  @Test
  void sidecarClientCaWithoutTlsSecretFailsNamingTheValue() throws IOException {
    Path values = write("ca-only.yaml", """
        sidecar:
          enabled: true
          ship: false
          grpcServerTls:
            clientCaKey: ca.crt
        """);
    assertThatThrownBy(() -> render(values)).hasMessageContaining("sidecar.grpcServerTls.clientCaKey needs");
  }

  @Test
  void lintPassesForEveryExampleValuesFile() throws IOException {
    assertLint(new Helm(CHART).lint().call(), "chart defaults");
    for (Path values : List.of(OBSERVER, CLUSTER_A)) {
      // helm-java's lint takes no values files: lint a copy of the chart whose values.yaml is the merge.
      Path copy = copyChart(tmp.resolve(values.getFileName().toString()));
      JsonNode merged = YAML.readTree(CHART.resolve("values.yaml").toFile());
      merge((ObjectNode) merged, YAML.readTree(SHARED.toFile()));
      merge((ObjectNode) merged, YAML.readTree(values.toFile()));
      YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
      assertLint(new Helm(copy).lint().strict().call(), values.getFileName().toString());
      // The merged values render the same release as the values files given to helm template.
      assertThat(names(parse(new Helm(copy).template().withName("hypnos").withNamespace("platform").call())))
          .containsExactlyInAnyOrderElementsOf(names(parse(render(SHARED, values))));
    }
  }

  // ---- bad values ------------------------------------------------------------------------------

  @Test
  void storeGatewayWithoutObjstoreSecretFailsNamingTheValue() throws IOException {
    Path values = write("no-objstore.yaml", """
        storeGateway:
          enabled: true
        """);
    assertThatThrownBy(() -> render(values)).hasMessageContaining("objstore.existingSecret is required");
  }

  @Test
  void compactorAndShippingSidecarWithoutObjstoreSecretFail() throws IOException {
    Path compactor = write("compactor.yaml", "compactor:\n  enabled: true\n");
    assertThatThrownBy(() -> render(compactor)).hasMessageContaining("objstore.existingSecret is required");
    Path sidecar = write("sidecar.yaml", "sidecar:\n  enabled: true\n");
    assertThatThrownBy(() -> render(sidecar)).hasMessageContaining("objstore.existingSecret is required");
    // A sidecar that does not ship needs no bucket.
    Path noShip = write("noship.yaml", "sidecar:\n  enabled: true\n  ship: false\n");
    Container c = hypnosContainers(parse(render(noShip))).values().iterator().next();
    assertThat(flags(c.getArgs())).doesNotContainKey("--objstore.config-file");
    dryParse("sidecar without shipping", c.getArgs());
  }

  @Test
  void querierWithoutEndpointsFailsNamingTheValue() throws IOException {
    Path values = write("no-endpoints.yaml", """
        querier:
          enabled: true
        """);
    assertThatThrownBy(() -> render(values)).hasMessageContaining("querier.endpoints");
    // The observer example without its endpoint lists and store gateways fails the same way.
    Path stripped = write("stripped.yaml", """
        querier:
          endpoints: []
          tlsEndpoints: []
        storeGateway:
          enabled: false
        """);
    assertThatThrownBy(() -> render(SHARED, OBSERVER, stripped)).hasMessageContaining("querier.endpoints");
  }

  @Test
  void ingressWithoutHostsFailsNamingTheValue() throws IOException {
    Path values = write("no-hosts.yaml", "sidecar:\n  ingress:\n    enabled: true\n    hosts: []\n");
    assertThatThrownBy(() -> render(SHARED, values)).hasMessageContaining("sidecar.ingress.hosts is required");
  }

  @Test
  void dryParseRejectsAnUnknownFlag() {
    // The check itself can fail: an extra argument hypnos does not know is reported.
    Path values;
    try {
      values = write("extra.yaml", "querier:\n  extraArgs: [\"--query.no-such-flag=1\"]\n");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    try {
      Map<String, Container> containers = hypnosContainers(parse(render(SHARED, OBSERVER, values)));
      Container q = containers.get("hypnos-querier/querier");
      assertThatThrownBy(() -> dryParse("querier", q.getArgs()))
          .hasMessageContaining("--query.no-such-flag");
    } catch (IOException e) {
      fail("render", e);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Leaves the rendered release in target/helm/ for reading; returns it unchanged. */
  private static String keep(String name, String manifests) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "helm"));
    Files.writeString(dir.resolve(name), manifests);
    return manifests;
  }

  private static void assertProbes(Container c) {
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/-/ready");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/-/healthy");
  }

  private static void assertObjstoreSecret(PodSpec pod) {
    assertThat(pod.getVolumes())
        .anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("hypnos-objstore"));
  }

  private static void assertLint(LintResult result, String what) {
    assertThat(result.isFailed()).as("helm lint %s: %s", what, result.getMessages()).isFalse();
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content);
  }

  private static Path copyChart(Path target) throws IOException {
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path dest = target.resolve(CHART.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
    return target;
  }

  private static void merge(ObjectNode into, JsonNode from) {
    from.fields().forEachRemaining(e -> {
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode o && e.getValue().isObject()) {
        merge(o, e.getValue());
      } else {
        into.set(e.getKey(), e.getValue());
      }
    });
  }
}

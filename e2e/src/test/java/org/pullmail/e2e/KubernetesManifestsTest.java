package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Every overlay rendered with {@code kubectl kustomize}, parsed strictly with fabric8 (a field the
 * Kubernetes API does not know fails), and held to the rules a platform team checks.
 */
class KubernetesManifestsTest {

    static final Path K8S = Path.of(System.getProperty("pullmail.root", ".."), "k8s");
    static final Set<String> SERVICES = Set.of("gateway", "outbox-service", "notifier-service", "inbox-service",
            "smtp-bridge");
    static final String NAMESPACE = "pullmail";

    static List<HasMetadata> render(String overlay) throws Exception {
        Assumptions.assumeTrue(kubectlPresent(), "kubectl is not installed: the rendered manifests cannot be checked");
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", K8S.resolve("overlays").resolve(overlay).toString())
                .redirectErrorStream(true).start();
        byte[] out = kubectl.getInputStream().readAllBytes();
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
        Object parsed = new KubernetesSerialization().unmarshal(new ByteArrayInputStream(out));
        List<HasMetadata> objects = new ArrayList<>();
        if (parsed instanceof KubernetesList list) {
            objects.addAll(list.getItems());
        } else if (parsed instanceof Collection<?> list) {
            list.forEach(o -> objects.add((HasMetadata) o));
        } else {
            objects.add((HasMetadata) parsed);
        }
        for (HasMetadata object : objects) {
            if (!(object instanceof GenericKubernetesResource)) {
                List<String> unknown = new ArrayList<>();
                unknownFields(object, object.getKind() + "/" + object.getMetadata().getName(), unknown);
                assertThat(unknown).as("fields Kubernetes does not know").isEmpty();
            }
        }
        return objects;
    }

    static boolean kubectlPresent() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "kubectl"))) {
                return true;
            }
        }
        return false;
    }

    /** fabric8 keeps fields it does not know in additionalProperties: any there is a typo or an invalid field. */
    static void unknownFields(Object node, String path, List<String> unknown) throws Exception {
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean
                || node instanceof Enum<?>) {
            return;
        }
        if (node instanceof Collection<?> c) {
            int i = 0;
            for (Object o : c) {
                unknownFields(o, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), unknown);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = getter.getName();
            if (name.equals("getAdditionalProperties")) {
                Map<?, ?> extra = (Map<?, ?>) getter.invoke(node);
                if (extra != null && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else if ((name.startsWith("get") || name.startsWith("is")) && !name.equals("getClass")) {
                unknownFields(getter.invoke(node), path + "." + name, unknown);
            }
        }
    }

    static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static void checkPod(String owner, PodSpec pod) {
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(owner + " runs as non-root").isTrue();
        for (Container c : pod.getContainers()) {
            String who = owner + "/" + c.getName();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(who + " read-only root").isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(who + " no escalation").isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(who + " drops ALL").contains("ALL");
            assertThat(c.getResources().getRequests()).as(who + " requests").containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as(who + " limits").containsKey("memory");
            assertThat(c.getStartupProbe()).as(who + " startupProbe").isNotNull();
            assertThat(c.getLivenessProbe()).as(who + " livenessProbe").isNotNull();
            assertThat(c.getReadinessProbe()).as(who + " readinessProbe").isNotNull();
            boolean tmp = c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp"));
            assertThat(tmp).as(who + " has a writable /tmp").isTrue();
        }
        assertThat(pod.getVolumes().stream().filter(v -> v.getEmptyDir() != null).count()).as(owner + " emptyDir")
                .isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "prod"})
    void everyOverlayRendersParsesStrictlyAndFollowsTheRules(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);

        List<Deployment> deployments = all(objects, Deployment.class);
        assertThat(deployments).extracting(d -> d.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(SERVICES);
        for (Deployment d : deployments) {
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            checkPod(d.getMetadata().getName(), pod);
            Container app = pod.getContainers().get(0);
            assertThat(app.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
                assertThat(e.getValue()).contains("MaxRAMPercentage=75");
            });
            assertThat(pod.getServiceAccountName()).isEqualTo(d.getMetadata().getName());
        }
        for (StatefulSet s : all(objects, StatefulSet.class)) {
            checkPod(s.getMetadata().getName(), s.getSpec().getTemplate().getSpec());
        }
        Set<String> names = objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.toSet());
        for (String service : SERVICES) {
            assertThat(names).contains("Service/" + service, "ServiceAccount/" + service,
                    "PodDisruptionBudget/" + service, "HorizontalPodAutoscaler/" + service);
            assertThat(names.stream().anyMatch(n -> n.startsWith("ConfigMap/" + service))).isTrue();
        }
        assertThat(all(objects, PodDisruptionBudget.class)).hasSize(SERVICES.size());
        assertThat(all(objects, HorizontalPodAutoscaler.class)).allSatisfy(h ->
                assertThat(h.getSpec().getMaxReplicas()).isGreaterThan(h.getSpec().getMinReplicas()));

        List<NetworkPolicy> policies = all(objects, NetworkPolicy.class);
        assertThat(policies).anySatisfy(p -> {
            assertThat(p.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
            assertThat(p.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
            assertThat(p.getSpec().getIngress()).isNullOrEmpty();
            assertThat(p.getSpec().getEgress()).isNullOrEmpty();
        });
        assertThat(policies.stream().filter(p -> "gateway".equals(p.getSpec().getPodSelector().getMatchLabels() == null ? null
                : p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))
                && p.getSpec().getIngress() != null && !p.getSpec().getIngress().isEmpty())).isNotEmpty();

        // every service a setting names (PULLMAIL_GATEWAY_BRIDGE_URL=http://smtp-bridge:8084, ...) answers on that port
        Pattern serviceUrl = Pattern.compile("http://([a-z0-9-]+):(\\d+)");
        for (ConfigMap config : all(objects, ConfigMap.class)) {
            for (var setting : config.getData().entrySet()) {
                Matcher url = serviceUrl.matcher(setting.getValue());
                if (url.lookingAt()) {
                    String where = config.getMetadata().getName() + " " + setting.getKey();
                    Service target = all(objects, Service.class).stream()
                            .filter(x -> x.getMetadata().getName().equals(url.group(1))).findFirst()
                            .orElseThrow(() -> new AssertionError(where + " names no Service: " + setting.getValue()));
                    assertThat(target.getSpec().getPorts()).as(where).extracting(ServicePort::getPort)
                            .contains(Integer.parseInt(url.group(2)));
                }
            }
        }

        Ingress ingress = all(objects, Ingress.class).get(0);
        assertThat(ingress.getSpec().getTls()).isNotEmpty();
        assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getName())
                .isEqualTo("gateway");
        assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace() == null
                || o.getMetadata().getNamespace().equals("pullmail")).isTrue());
    }

    /**
     * Every service gets the domain's internal secret from one Secret, and serves Actuator on a management port of its
     * own, which is all that Prometheus (namespace monitoring) may reach: never a service port, whose internal
     * endpoints provision mailboxes and make senders trusted correspondents.
     */
    @ParameterizedTest
    @ValueSource(strings = {"local", "prod"})
    void everyServiceHasTheInternalSecretAndMonitoringReachesOnlyManagementPorts(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        Set<Integer> managementPorts = new TreeSet<>();
        for (Deployment d : all(objects, Deployment.class)) {
            String name = d.getMetadata().getName();
            Container app = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            EnvVar secret = app.getEnv().stream().filter(e -> e.getName().equals("PULLMAIL_INTERNAL_SECRET")).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " has no PULLMAIL_INTERNAL_SECRET"));
            assertThat(secret.getValue()).as(name + ": never a literal").isNull();
            assertThat(secret.getValueFrom().getSecretKeyRef().getName()).as(name).isEqualTo("pullmail-internal");
            assertThat(secret.getValueFrom().getSecretKeyRef().getKey()).as(name).isEqualTo("secret");
            assertThat(secret.getValueFrom().getSecretKeyRef().getOptional()).as(name + ": required").isNotEqualTo(true);

            ConfigMap config = all(objects, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name))
                    .findFirst().orElseThrow();
            int management = Integer.parseInt(config.getData().get("MANAGEMENT_SERVER_PORT"));
            int http = Integer.parseInt(config.getData().get("SERVER_PORT"));
            assertThat(management).as(name + " management port").isNotEqualTo(http);
            assertThat(app.getPorts()).as(name).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                    .contains(tuple("http", http),
                            tuple("management", management));
            assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).as(name + " is scraped there")
                    .containsEntry("prometheus.io/port", String.valueOf(management))
                    .containsEntry("prometheus.io/path", "/actuator/prometheus");
            for (Probe probe : List.of(app.getStartupProbe(), app.getLivenessProbe(), app.getReadinessProbe())) {
                assertThat(probe.getHttpGet().getPath()).as(name + ": a health group on the service port")
                        .isIn("/livez", "/readyz");
                assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
            }
            assertThat(managementPorts.add(management)).as(name + "'s management port is its own").isTrue();
        }
        assertThat(managementPorts).containsExactly(8090, 8091, 8092, 8093, 8094);

        NetworkPolicy monitoring = all(objects, NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().equals("metrics-from-monitoring")).findFirst().orElseThrow();
        assertThat(monitoring.getSpec().getIngress()).singleElement().satisfies(rule -> assertThat(rule.getPorts())
                .extracting(NetworkPolicyPort::getPort).extracting(port -> port.getIntVal())
                .containsExactlyInAnyOrderElementsOf(managementPorts));
        List<Integer> reachableFromMonitoring = all(objects, NetworkPolicy.class).stream()
                .filter(p -> p.getSpec().getIngress() != null)
                .flatMap(p -> p.getSpec().getIngress().stream())
                .filter(rule -> rule.getFrom() != null && rule.getFrom().stream().anyMatch(peer ->
                        peer.getNamespaceSelector() != null && peer.getNamespaceSelector().getMatchLabels() != null
                                && "monitoring".equals(peer.getNamespaceSelector().getMatchLabels()
                                        .get("kubernetes.io/metadata.name"))))
                .flatMap(rule -> rule.getPorts().stream()).map(port -> port.getPort().getIntVal()).toList();
        assertThat(reachableFromMonitoring).as("every port monitoring may reach").containsExactlyInAnyOrderElementsOf(
                managementPorts);

        List<Secret> secrets = all(objects, Secret.class).stream()
                .filter(x -> x.getMetadata().getName().equals("pullmail-internal")).toList();
        if (overlay.equals("local")) {
            String value = new String(Base64.getDecoder().decode(secrets.get(0).getData().get("secret")),
                    StandardCharsets.UTF_8);
            assertThat(value).as("the services refuse a shorter secret").hasSizeGreaterThanOrEqualTo(32);
        } else {
            assertThat(secrets).as("production's is created by the operator, never kept in Git").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prod"})
    void productionUsesCloudNativePgClustersPerService(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        List<GenericKubernetesResource> clusters = all(objects, GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals("Cluster") && r.getApiVersion().equals("postgresql.cnpg.io/v1")).toList();
        assertThat(clusters).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("gateway-db", "outbox-db", "notifier-db", "inbox-db", "bridge-db");
        assertThat(all(objects, StatefulSet.class)).isEmpty();
        assertThat(objects).noneMatch(o -> o.getKind().equals("Secret"));
    }

    /**
     * The world's mail servers reach the domain's MX on port 25 of a load balancer, which hands the connection to the
     * bridge's SMTP listener on 2525 without hiding the client's address (SPF is checked against it); nothing else of
     * the domain is exposed but through the Ingress.
     */
    @ParameterizedTest
    @ValueSource(strings = {"local", "prod"})
    void theSmtpWorldReachesTheBridgeOnPort25WithTheClientsAddressKept(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        Service smtp = all(objects, Service.class).stream()
                .filter(x -> x.getMetadata().getName().equals("smtp-bridge-smtp")).findFirst()
                .orElseThrow(() -> new AssertionError("no Service smtp-bridge-smtp"));
        assertThat(smtp.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(smtp.getSpec().getExternalTrafficPolicy()).as("the bridge sees the SMTP client's address")
                .isEqualTo("Local");
        assertThat(smtp.getSpec().getSelector()).containsExactly(Map.entry("app.kubernetes.io/name", "smtp-bridge"));
        ServicePort port = smtp.getSpec().getPorts().stream().filter(p -> p.getPort() == 25).findFirst()
                .orElseThrow(() -> new AssertionError("smtp-bridge-smtp does not listen on 25"));
        assertThat(smtp.getSpec().getPorts()).as("port 25 only").hasSize(1);
        assertThat(port.getProtocol()).isIn(null, "TCP");

        Deployment bridge = deployments(objects).get("smtp-bridge");
        Container app = bridge.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(bridge.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(smtp.getSpec().getSelector());
        assertThat(containerPort(app, port.getTargetPort())).as("port 25 leads to the bridge's SMTP listener")
                .isEqualTo(2525);
        ConfigMap config = all(objects, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("smtp-bridge")).findFirst().orElseThrow();
        assertThat(config.getData()).containsEntry("PULLMAIL_BRIDGE_SMTP_PORT", "2525")
                .containsEntry("PULLMAIL_BRIDGE_SMTP_BIND_ADDRESS", "0.0.0.0");

        // STARTTLS where a certificate is given; a missing Secret must not keep the bridge from starting
        var tls = bridge.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null && "smtp-bridge-tls".equals(v.getSecret().getSecretName()))
                .findFirst().orElseThrow(() -> new AssertionError("the bridge mounts no Secret smtp-bridge-tls"));
        assertThat(tls.getSecret().getOptional()).isTrue();
        var mount = app.getVolumeMounts().stream().filter(m -> m.getName().equals(tls.getName())).findFirst()
                .orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(config.getData())
                .containsEntry("PULLMAIL_BRIDGE_SMTP_TLS_CERTIFICATE", mount.getMountPath() + "/tls.crt")
                .containsEntry("PULLMAIL_BRIDGE_SMTP_TLS_KEY", mount.getMountPath() + "/tls.key");

        assertThat(all(objects, Service.class)).as("reachable from outside the cluster: SMTP (HTTP is the Ingress's)")
                .filteredOn(x -> x.getSpec().getType() != null && !x.getSpec().getType().equals("ClusterIP"))
                .extracting(x -> x.getMetadata().getName()).containsExactly("smtp-bridge-smtp");
    }

    /**
     * The paths to and from the bridge, as the rendered NetworkPolicies decide them (default deny): who may open a
     * connection to which port of which service, and where the bridge may connect.
     */
    @ParameterizedTest
    @ValueSource(strings = {"local", "prod"})
    void networkPoliciesOpenExactlyTheBridgesPaths(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        Policies policies = new Policies(all(objects, NetworkPolicy.class));
        Map<String, Deployment> services = deployments(objects);
        Deployment bridge = services.get("smtp-bridge");
        Peer world = Peer.address("203.0.113.25");
        Peer monitoring = new Peer("monitoring", Map.of("app.kubernetes.io/name", "prometheus"), null);

        assertThat(SERVICES).as("who reaches the bridge's HTTP port")
                .filteredOn(s -> policies.connects(services.get(s), bridge, 8084))
                .containsExactlyInAnyOrder("gateway", "notifier-service");
        assertThat(SERVICES).as("whom the bridge's own ingress admits, whatever the others' egress")
                .filteredOn(s -> policies.admits(Peer.of(services.get(s)), bridge, 8084))
                .containsExactlyInAnyOrder("gateway", "notifier-service");
        assertThat(policies.admits(world, bridge, 8084)).as("the world, to the bridge's HTTP port").isFalse();
        assertThat(policies.admits(monitoring, bridge, 8084)).as("monitoring, to the bridge's HTTP port").isFalse();

        assertThat(policies.connects(bridge, services.get("inbox-service"), 8083)).as("bridge to inbox").isTrue();
        assertThat(policies.connects(bridge, services.get("outbox-service"), 8081)).as("bridge to outbox").isTrue();
        assertThat(policies.connects(bridge, services.get("gateway"), 8080)).as("bridge to the JWK set").isTrue();
        assertThat(policies.connects(bridge, services.get("notifier-service"), 8082)).as("bridge to notifier")
                .isFalse();

        // from outside the cluster: the bridge's SMTP port and nothing else of any service (HTTP comes through the
        // ingress controller's namespace)
        Map<String, Set<Integer>> fromTheWorld = reachable(services, policies, world);
        assertThat(fromTheWorld).as("ports the world reaches").isEqualTo(Map.of("smtp-bridge", Set.of(2525)));

        // monitoring: the management ports, 8090 to 8094, and beyond them only what the whole world reaches
        Map<String, Set<Integer>> fromMonitoring = reachable(services, policies, monitoring);
        Set<Integer> beyondTheWorld = new TreeSet<>();
        fromMonitoring.forEach((name, ports) -> ports.stream()
                .filter(p -> !fromTheWorld.getOrDefault(name, Set.of()).contains(p)).forEach(beyondTheWorld::add));
        assertThat(beyondTheWorld).as("ports monitoring reaches").containsExactly(8090, 8091, 8092, 8093, 8094);
        assertThat(fromMonitoring.get("smtp-bridge")).containsExactlyInAnyOrder(8094, 2525);

        // SMTP out: to MX hosts (25) or a smarthost (465, 587), MTA-STS policies over HTTPS; public addresses only
        for (int port : List.of(25, 465, 587, 443)) {
            assertThat(policies.reaches(bridge, world, port)).as("bridge to a public address on " + port).isTrue();
            assertThat(policies.reaches(bridge, Peer.address("10.1.2.3"), port))
                    .as("bridge to a private address on " + port).isFalse();
        }
        assertThat(policies.reaches(bridge, Peer.address("169.254.169.254"), 80)).as("the cloud's metadata").isFalse();
        assertThat(SERVICES).as("who sends SMTP to the world")
                .filteredOn(s -> policies.reaches(services.get(s), world, 25)).containsExactly("smtp-bridge");
    }

    static Map<String, Deployment> deployments(List<HasMetadata> objects) {
        return all(objects, Deployment.class).stream().collect(Collectors.toMap(d -> d.getMetadata().getName(),
                Function.identity()));
    }

    /** The container ports of each service that {@code source} may connect to; services it reaches on none left out. */
    static Map<String, Set<Integer>> reachable(Map<String, Deployment> services, Policies policies, Peer source) {
        Map<String, Set<Integer>> reachable = new TreeMap<>();
        for (Deployment d : services.values()) {
            for (ContainerPort port : d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()) {
                if (policies.admits(source, d, port.getContainerPort())) {
                    reachable.computeIfAbsent(d.getMetadata().getName(), n -> new TreeSet<>())
                            .add(port.getContainerPort());
                }
            }
        }
        return reachable;
    }

    static Integer containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    /**
     * One end of a connection: a pod (its namespace and labels) or an address outside the cluster.
     */
    record Peer(String namespace, Map<String, String> labels, String address) {

        static Peer of(Deployment d) {
            return new Peer(NAMESPACE, d.getSpec().getTemplate().getMetadata().getLabels(), null);
        }

        static Peer address(String address) {
            return new Peer(null, Map.of(), address);
        }
    }

    /**
     * NetworkPolicy semantics (networking.k8s.io/v1), enough for these manifests: a pod that some policy selects for
     * a direction allows only what one of those policies' rules allows; a peer with {@code ipBlock} matches addresses
     * outside the cluster, pod and namespace selectors match pods.
     */
    record Policies(List<NetworkPolicy> all) {

        /** Both ends agree: {@code from}'s egress and {@code to}'s ingress. */
        boolean connects(Deployment from, Deployment to, int port) {
            return reaches(from, Peer.of(to), port) && admits(Peer.of(from), to, port);
        }

        boolean admits(Peer source, Deployment target, int port) {
            Map<String, String> labels = target.getSpec().getTemplate().getMetadata().getLabels();
            Container container = target.getSpec().getTemplate().getSpec().getContainers().get(0);
            List<NetworkPolicy> isolating = all.stream().filter(p -> applies(p, "Ingress", labels)).toList();
            return isolating.isEmpty() || isolating.stream()
                    .flatMap(p -> p.getSpec().getIngress() == null ? Stream.empty() : p.getSpec().getIngress().stream())
                    .anyMatch(rule -> ports(rule.getPorts(), port, container) && peers(rule.getFrom(), source));
        }

        boolean reaches(Deployment source, Peer destination, int port) {
            Map<String, String> labels = source.getSpec().getTemplate().getMetadata().getLabels();
            List<NetworkPolicy> isolating = all.stream().filter(p -> applies(p, "Egress", labels)).toList();
            return isolating.isEmpty() || isolating.stream()
                    .flatMap(p -> p.getSpec().getEgress() == null ? Stream.empty() : p.getSpec().getEgress().stream())
                    .anyMatch(rule -> ports(rule.getPorts(), port, null) && peers(rule.getTo(), destination));
        }

        static boolean applies(NetworkPolicy policy, String direction, Map<String, String> labels) {
            List<String> types = policy.getSpec().getPolicyTypes();
            boolean covers = types == null || types.isEmpty()
                    ? direction.equals("Ingress")
                            || policy.getSpec().getEgress() != null && !policy.getSpec().getEgress().isEmpty()
                    : types.contains(direction);
            return covers && selects(policy.getSpec().getPodSelector(), labels);
        }

        static boolean ports(List<NetworkPolicyPort> ports, int port, Container target) {
            return ports == null || ports.isEmpty() || ports.stream().anyMatch(p -> {
                if (p.getProtocol() != null && !p.getProtocol().equals("TCP")) {
                    return false;
                }
                if (p.getPort() == null) {
                    return true;
                }
                Integer number = p.getPort().getIntVal() != null ? p.getPort().getIntVal()
                        : target == null ? null : containerPort(target, p.getPort());
                if (number == null) {
                    return false;
                }
                return p.getEndPort() == null ? number == port : number <= port && port <= p.getEndPort();
            });
        }

        static boolean peers(List<NetworkPolicyPeer> peers, Peer peer) {
            return peers == null || peers.isEmpty() || peers.stream().anyMatch(p -> {
                if (p.getIpBlock() != null) {
                    return peer.address() != null && within(p.getIpBlock(), peer.address());
                }
                if (peer.address() != null) {
                    return false;
                }
                boolean namespace = p.getNamespaceSelector() == null ? peer.namespace().equals(NAMESPACE)
                        : selects(p.getNamespaceSelector(), Map.of("kubernetes.io/metadata.name", peer.namespace()));
                return namespace && (p.getPodSelector() == null || selects(p.getPodSelector(), peer.labels()));
            });
        }

        static boolean selects(LabelSelector selector, Map<String, String> labels) {
            if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                return false;
            }
            return selector.getMatchExpressions() == null
                    || selector.getMatchExpressions().stream().allMatch(e -> switch (e.getOperator()) {
                case "In" -> e.getValues().contains(labels.get(e.getKey()));
                case "NotIn" -> !e.getValues().contains(labels.get(e.getKey()));
                case "Exists" -> labels.containsKey(e.getKey());
                case "DoesNotExist" -> !labels.containsKey(e.getKey());
                default -> throw new AssertionError("unknown operator " + e.getOperator());
            });
        }

        static boolean within(IPBlock block, String address) {
            return inCidr(block.getCidr(), address) && (block.getExcept() == null
                    || block.getExcept().stream().noneMatch(cidr -> inCidr(cidr, address)));
        }

        static boolean inCidr(String cidr, String address) {
            try {
                byte[] network = InetAddress.getByName(cidr.substring(0, cidr.indexOf('/'))).getAddress();
                byte[] candidate = InetAddress.getByName(address).getAddress();
                int bits = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
                if (network.length != candidate.length) {
                    return false;
                }
                for (int i = 0; i < bits; i++) {
                    int mask = 0x80 >> (i % 8);
                    if ((network[i / 8] & mask) != (candidate[i / 8] & mask)) {
                        return false;
                    }
                }
                return true;
            } catch (UnknownHostException e) {
                throw new AssertionError("not an address: " + cidr + " or " + address, e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local"})
    void theStrictParseCatchesAnUnknownField(String overlay) throws Exception {
        Assumptions.assumeTrue(kubectlPresent(), "kubectl is not installed");
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: x }
                spec:
                  replicas: 1
                  selector: { matchLabels: { a: b } }
                  template:
                    metadata: { labels: { a: b } }
                    spec:
                      containers:
                        - name: x
                          image: x
                          readinesProbe: { httpGet: { path: /, port: 80 } }
                """;
        Object parsed = new KubernetesSerialization().unmarshal(typo);
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, overlay, unknown);
        assertThat(unknown).singleElement().asString().contains("readinesProbe");
    }
}

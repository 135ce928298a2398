package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Every overlay rendered with {@code kubectl kustomize}, parsed strictly with fabric8 (a field the
 * Kubernetes API does not know fails), and held to the rules a platform team checks.
 */
class KubernetesManifestsTest {

    static final Path K8S = Path.of(System.getProperty("pullmail.root", ".."), "k8s");
    static final Set<String> SERVICES = Set.of("gateway", "outbox-service", "notifier-service", "inbox-service");

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
        assertThat(all(objects, PodDisruptionBudget.class)).hasSize(4);
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
        assertThat(managementPorts).containsExactly(8090, 8091, 8092, 8093);

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
                .containsExactlyInAnyOrder("gateway-db", "outbox-db", "notifier-db", "inbox-db");
        assertThat(all(objects, StatefulSet.class)).isEmpty();
        assertThat(objects).noneMatch(o -> o.getKind().equals("Secret"));
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

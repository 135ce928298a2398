package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** docker-compose.yml and the demo overlay against the Compose specification, and the suite's rules. */
class ComposeFileTest {

    static final Path ROOT = Path.of(System.getProperty("pullmail.root", ".."));
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Each service and its own database. */
    static final Map<String, String> SERVICES = Map.of("gateway", "gateway-db", "outbox", "outbox-db",
            "notifier", "notifier-db", "inbox", "inbox-db", "smtp-bridge", "bridge-db");
    /** The container port each service publishes: the gateway its HTTP, the bridge its SMTP listener; no other. */
    static final Map<String, String> PUBLISHED = Map.of("gateway", "8080", "smtp-bridge", "2525");

    static List<String> schemaErrors(Path file) throws Exception {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(SchemaLocation.of("classpath:compose-spec.json"));
        List<String> errors = new ArrayList<>();
        schema.validate(read(file)).forEach(e -> errors.add(e.toString()));
        return errors;
    }

    /** Reads YAML as Compose does: anchors, aliases and merge keys ({@code <<}) resolved (SnakeYAML). */
    static JsonNode read(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            Object document = new Yaml().load(in);
            return JSON.valueToTree(document);
        }
    }

    @Test
    void theComposeFilesFollowTheComposeSpecification() throws Exception {
        assertThat(schemaErrors(ROOT.resolve("docker-compose.yml"))).isEmpty();
        assertThat(schemaErrors(ROOT.resolve("docker-compose.demo.yml"))).isEmpty();
    }

    @Test
    void theSchemaCheckCanFail() throws Exception {
        Path broken = Path.of(System.getProperty("java.io.tmpdir"), "pullmail-broken-compose.yml");
        Files.writeString(broken, "services:\n  gateway:\n    image: x\n    restart: sometimes\n    portz: [1]\n");
        assertThat(schemaErrors(broken)).isNotEmpty();
    }

    @Test
    void everyServiceHasItsOwnDatabaseHealthchecksLimitsAndOnlyTheGatewayAndTheSmtpListenerArePublished()
            throws Exception {
        JsonNode services = read(ROOT.resolve("docker-compose.yml")).get("services");
        for (String name : services.propertyNames()) {
            JsonNode service = services.get(name);
            assertThat(service.has("healthcheck")).as(name + " has a healthcheck").isTrue();
            assertThat(service.at("/deploy/resources/limits/memory").asString("")).as(name + " has a memory limit")
                    .isNotEmpty();
            List<String> published = new ArrayList<>();
            for (JsonNode port : service.path("ports")) {
                published.add(port.asString().substring(port.asString().lastIndexOf(':') + 1));
            }
            assertThat(published).as(name + " publishes").containsExactlyElementsOf(
                    PUBLISHED.containsKey(name) ? List.of(PUBLISHED.get(name)) : List.of());
            for (JsonNode dependency : service.path("depends_on")) {
                assertThat(dependency.get("condition").asString()).isEqualTo("service_healthy");
            }
        }
        JsonNode volumes = read(ROOT.resolve("docker-compose.yml")).get("volumes");
        SERVICES.forEach((service, database) -> {
            JsonNode app = services.get(service);
            JsonNode db = services.get(database);
            assertThat(app).as(service).isNotNull();
            assertThat(db).as(service + " has its own database").isNotNull();
            assertThat(app.at("/depends_on/" + database + "/condition").asString()).isEqualTo("service_healthy");
            assertThat(app.at("/environment/SPRING_DATASOURCE_URL").asString()).contains("//" + database + ":5432/");
            String volume = db.get("volumes").get(0).asString().split(":")[0];
            assertThat(volumes.has(volume)).as(database + " keeps its data on a named volume").isTrue();
            assertThat(app.at("/environment").has("PULLMAIL_DOMAIN"))
                    .as(service + " is configured through the environment").isTrue();
        });
        assertThat(SERVICES.values().stream().map(db -> services.at("/" + db + "/volumes/0").asString().split(":")[0]))
                .as("no two databases share a volume").doesNotHaveDuplicates();
    }

    /**
     * A service another one calls (PULLMAIL_GATEWAY_BRIDGE_URL=http://smtp-bridge:8084, ...) is a service of this file,
     * named as Compose names it, and answers on that port: the one its healthcheck reads.
     */
    @Test
    void everyServiceUrlNamesAServiceOfThisFileAtItsPort() throws Exception {
        JsonNode services = read(ROOT.resolve("docker-compose.yml")).get("services");
        Pattern url = Pattern.compile("http://([a-z0-9-]+):(\\d+)");
        Pattern healthPort = Pattern.compile("http://localhost:(\\d+)/");
        int urls = 0;
        for (String name : services.propertyNames()) {
            JsonNode environment = services.at("/" + name + "/environment");
            for (String key : environment.propertyNames()) {
                Matcher target = url.matcher(environment.get(key).asString(""));
                if (!target.lookingAt()) {
                    continue;
                }
                urls++;
                JsonNode called = services.get(target.group(1));
                assertThat(called).as(name + " " + key + " names a service of this file").isNotNull();
                Matcher health = healthPort.matcher(called.at("/healthcheck/test").toString());
                assertThat(health.find()).as(target.group(1) + " has an HTTP healthcheck").isTrue();
                assertThat(target.group(2)).as(name + " " + key).isEqualTo(health.group(1));
            }
        }
        assertThat(urls).as("the services' URLs of one another").isGreaterThanOrEqualTo(10);
        assertThat(services.at("/gateway/environment/PULLMAIL_GATEWAY_BRIDGE_URL").asString())
                .isEqualTo("http://smtp-bridge:8084");
        assertThat(services.at("/notifier/environment/PULLMAIL_NOTIFIER_BRIDGE_URL").asString())
                .isEqualTo("http://smtp-bridge:8084");
    }

    /**
     * The SMTP world reaches the bridge on the published port (25 unless PULLMAIL_SMTP_PORT says otherwise), which
     * leads to the port the bridge listens on, on every interface of its container; the two demo domains, which run on
     * one machine, publish ports of their own.
     */
    @Test
    void theBridgesSmtpListenerIsPublishedAndEachDemoDomainHasPortsOfItsOwn() throws Exception {
        JsonNode bridge = read(ROOT.resolve("docker-compose.yml")).at("/services/smtp-bridge");
        assertThat(bridge.at("/ports/0").asString()).isEqualTo("${PULLMAIL_SMTP_PORT:-25}:2525");
        assertThat(bridge.at("/environment/PULLMAIL_BRIDGE_SMTP_PORT").asString()).isEqualTo("2525");
        assertThat(bridge.at("/environment/PULLMAIL_BRIDGE_SMTP_BIND_ADDRESS").asString())
                .as("reachable from outside its container").isEqualTo("0.0.0.0");

        List<String> hostPorts = new ArrayList<>();
        for (String domain : List.of("alpha", "beta")) {
            Map<String, String> settings = new TreeMap<>();
            for (String line : Files.readAllLines(ROOT.resolve("demo/" + domain + ".env"))) {
                if (line.contains("=") && !line.startsWith("#")) {
                    settings.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
            assertThat(settings).as(domain).containsKeys("PULLMAIL_GATEWAY_PORT", "PULLMAIL_SMTP_PORT");
            hostPorts.add(settings.get("PULLMAIL_GATEWAY_PORT"));
            hostPorts.add(settings.get("PULLMAIL_SMTP_PORT"));
        }
        assertThat(hostPorts).as("ports published on the demo's machine").doesNotHaveDuplicates();
        // a service the demo puts on the federation network keeps its own domain's (its database, its peers)
        JsonNode demo = read(ROOT.resolve("docker-compose.demo.yml")).get("services");
        assertThat(demo.propertyNames()).contains("smtp-bridge");
        for (String name : demo.propertyNames()) {
            assertThat(demo.at("/" + name + "/networks").toString()).as(name + " in the demo").contains("default");
        }
    }

    /**
     * The services share one internal secret, which Compose requires as it requires the database password
     * (no default that a forgotten setting would fall back to); each serves Actuator on an unpublished management
     * port of its own, while its healthcheck keeps reading /readyz on its service port.
     */
    @Test
    void everyServiceGetsTheRequiredInternalSecretAndAManagementPortOfItsOwn() throws Exception {
        JsonNode services = read(ROOT.resolve("docker-compose.yml")).get("services");
        Set<String> managementPorts = new TreeSet<>();
        for (String service : SERVICES.keySet()) {
            JsonNode environment = services.at("/" + service + "/environment");
            assertThat(environment.path("PULLMAIL_INTERNAL_SECRET").asString()).as(service)
                    .isEqualTo("${PULLMAIL_INTERNAL_SECRET:?set PULLMAIL_INTERNAL_SECRET}");
            String management = environment.path("MANAGEMENT_SERVER_PORT").asString("");
            assertThat(managementPorts.add(management)).as(service + " has a management port of its own").isTrue();
            assertThat(services.at("/" + service + "/healthcheck/test").toString()).as(service)
                    .contains("/readyz").doesNotContain(":" + management);
        }
        assertThat(managementPorts).containsExactly("8090", "8091", "8092", "8093", "8094");

        Map<String, String> secrets = new TreeMap<>();
        for (String domain : List.of("alpha", "beta")) {
            Files.readAllLines(ROOT.resolve("demo/" + domain + ".env")).stream()
                    .filter(line -> line.startsWith("PULLMAIL_INTERNAL_SECRET="))
                    .forEach(line -> secrets.put(domain, line.substring(line.indexOf('=') + 1)));
        }
        assertThat(secrets.values()).as("the demo domains, which share a network, hold different secrets")
                .hasSize(2).doesNotHaveDuplicates()
                .allSatisfy(secret -> assertThat(secret).hasSizeGreaterThanOrEqualTo(32));
    }
}

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
    static final List<String> SERVICES = List.of("gateway", "outbox", "notifier", "inbox");

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
    void everyServiceHasItsOwnDatabaseHealthchecksLimitsAndOnlyTheGatewayIsPublished() throws Exception {
        JsonNode services = read(ROOT.resolve("docker-compose.yml")).get("services");
        for (String name : services.propertyNames()) {
            JsonNode service = services.get(name);
            assertThat(service.has("healthcheck")).as(name + " has a healthcheck").isTrue();
            assertThat(service.at("/deploy/resources/limits/memory").asString("")).as(name + " has a memory limit")
                    .isNotEmpty();
            assertThat(service.has("ports")).as(name + " publishes a port").isEqualTo(name.equals("gateway"));
            for (JsonNode dependency : service.path("depends_on")) {
                assertThat(dependency.get("condition").asString()).isEqualTo("service_healthy");
            }
        }
        JsonNode volumes = read(ROOT.resolve("docker-compose.yml")).get("volumes");
        for (String service : SERVICES) {
            JsonNode app = services.get(service);
            JsonNode db = services.get(service + "-db");
            assertThat(db).as(service + " has its own database").isNotNull();
            assertThat(app.at("/depends_on/" + service + "-db/condition").asString()).isEqualTo("service_healthy");
            assertThat(app.at("/environment/SPRING_DATASOURCE_URL").asString()).contains("//" + service + "-db:5432/");
            String volume = db.get("volumes").get(0).asString().split(":")[0];
            assertThat(volumes.has(volume)).as(service + "-db keeps its data on a named volume").isTrue();
        }
        for (String service : SERVICES) {
            assertThat(services.at("/" + service + "/environment").has("PULLMAIL_DOMAIN"))
                    .as(service + " is configured through the environment").isTrue();
        }
    }

    /**
     * The four services share one internal secret, which Compose requires as it requires the database password
     * (no default that a forgotten setting would fall back to); each serves Actuator on an unpublished management
     * port of its own, while its healthcheck keeps reading /readyz on its service port.
     */
    @Test
    void everyServiceGetsTheRequiredInternalSecretAndAManagementPortOfItsOwn() throws Exception {
        JsonNode services = read(ROOT.resolve("docker-compose.yml")).get("services");
        Set<String> managementPorts = new TreeSet<>();
        for (String service : SERVICES) {
            JsonNode environment = services.at("/" + service + "/environment");
            assertThat(environment.path("PULLMAIL_INTERNAL_SECRET").asString()).as(service)
                    .isEqualTo("${PULLMAIL_INTERNAL_SECRET:?set PULLMAIL_INTERNAL_SECRET}");
            String management = environment.path("MANAGEMENT_SERVER_PORT").asString("");
            assertThat(managementPorts.add(management)).as(service + " has a management port of its own").isTrue();
            assertThat(services.at("/" + service + "/healthcheck/test").toString()).as(service)
                    .contains("/readyz").doesNotContain(":" + management);
        }
        assertThat(managementPorts).containsExactly("8090", "8091", "8092", "8093");

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

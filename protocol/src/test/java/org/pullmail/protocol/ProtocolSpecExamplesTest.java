package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/** PROTOCOL.md's worked examples are exact: rebuilt from their inputs, byte for byte, and they verify. */
class ProtocolSpecExamplesTest {

    private static final Pattern BLOCK = Pattern.compile("<!-- example: (\\S+) -->\\n```\\n(.*?)```", Pattern.DOTALL);

    static Map<String, String> specBlocks() throws Exception {
        String spec = Files.readString(Path.of("..", "PROTOCOL.md"), StandardCharsets.UTF_8);
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(spec);
        while (m.find()) {
            blocks.put(m.group(1), m.group(2));
        }
        return blocks;
    }

    @Test
    void everyWorkedExampleInTheSpecIsExactlyWhatTheLibraryProduces() throws Exception {
        Map<String, String> spec = specBlocks();
        Map<String, String> built = WorkedExamples.blocks();
        assertThat(spec.keySet()).containsExactlyElementsOf(built.keySet());
        built.forEach((name, text) -> assertThat(spec.get(name)).as("PROTOCOL.md example " + name).isEqualTo(text));
    }

    @Test
    void theExampleRequestsVerifyWithTheExampleDiscoveryDocuments() throws Exception {
        PmpVerifier verifier = new PmpVerifier(WorkedExamples.CLOCK, new InMemoryNonceStore(WorkedExamples.CLOCK));
        var notification = WorkedExamples.notificationRequest();
        verifier.verify(notification.view(), notification.body(), SignatureProfile.NOTIFICATION,
                kid -> WorkedExamples.alphaDiscovery().key(kid));
        var fetch = WorkedExamples.fetchRequest();
        verifier.verify(fetch.view(), null, SignatureProfile.FETCH, kid -> WorkedExamples.betaDiscovery().key(kid));
        var status = WorkedExamples.statusRequest();
        verifier.verify(status.view(), status.body(), SignatureProfile.STATUS, kid -> WorkedExamples.betaDiscovery().key(kid));
    }

    @Test
    void theExampleNotificationIsValidAndDescribesTheExampleMessage() throws Exception {
        Notification n = PmpJson.readNotification(WorkedExamples.notificationRequest().body());
        assertThat(n.size()).isEqualTo(WorkedExamples.messageBytes().length).isEqualTo(303);
        assertThat(n.digest()).isEqualTo(ContentDigest.sha256(WorkedExamples.messageBytes()));
        assertThat(WorkedExamples.alphaDiscovery().isUnderFetchBase(n.fetchUrl())).isTrue();
        assertThat(PmpJson.readDiscovery(PmpJson.write(WorkedExamples.alphaDiscovery()), "alpha.test").keySet()
                .getKeyByKeyId("alpha.test/2026-11").isPrivate()).isFalse();
    }
}

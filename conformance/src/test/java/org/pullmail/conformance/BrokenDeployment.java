package org.pullmail.conformance;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.json.PmpJson;

/**
 * A deployment that looks right from afar: a plausible discovery document (without Cache-Control),
 * but it takes every notification with 200, checking nothing, serves every fetch and takes every
 * status report.
 */
class BrokenDeployment extends StubDeployment {

    BrokenDeployment(String domain, Map<String, URI> peers) throws IOException {
        super(domain, peers);
    }

    @Override
    String cacheControl() {
        return null;
    }

    @Override
    Reply notification(HttpRequestView request, byte[] body) {
        try {
            Notification n = PmpJson.read(body, Notification.class, ProblemType.INVALID_NOTIFICATION);
            List<NotificationReceipt.RecipientOutcome> outcomes = n.recipients() == null ? List.of()
                    : n.recipients().stream().map(r -> new NotificationReceipt.RecipientOutcome(r.address(),
                            NotificationReceipt.Outcome.UNKNOWN)).toList();
            return Reply.json(200, new NotificationReceipt(n.id(), outcomes));
        } catch (ProtocolException notEvenJson) {
            return Reply.json(200, new NotificationReceipt(null, List.of()));
        }
    }

    @Override
    Reply fetch(Message message, HttpRequestView request) {
        return message(message != null ? message : messages.values().stream().findFirst()
                .orElse(new Message("none", "Subject: anything\r\n\r\nanything\r\n".getBytes(StandardCharsets.UTF_8),
                        Instant.now())));
    }

    @Override
    Reply status(Message message, HttpRequestView request, byte[] body) {
        return new Reply(204, null, null, Map.of());
    }
}

package org.pullmail.inbox.notification;

import java.nio.charset.StandardCharsets;

import org.pullmail.protocol.Bridged;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;

/** The notification's {@code bridged} column: what this domain's SMTP bridge learned (PROTOCOL.md 3.6), as JSON. */
public final class BridgedColumn {

    private BridgedColumn() {
    }

    /** The stored results, null for mail that did not come over SMTP. */
    public static Bridged read(String json) {
        if (json == null) {
            return null;
        }
        try {
            return PmpJson.read(json.getBytes(StandardCharsets.UTF_8), Bridged.class, ProblemType.INVALID_NOTIFICATION);
        } catch (ProtocolException e) {
            // written by intake from a notification that passed its checks
            throw new IllegalStateException("a stored bridged column does not parse: " + e.detail(), e);
        }
    }
}

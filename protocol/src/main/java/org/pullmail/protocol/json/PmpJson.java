package org.pullmail.protocol.json;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;

/**
 * The JSON codec of PMP/1: snake_case members, RFC 3339 timestamps, absent members for nulls,
 * unknown members ignored (so later minor versions can add fields), and limits checked on read.
 */
public final class PmpJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private PmpJson() {
    }

    public static byte[] write(Object message) {
        return MAPPER.writeValueAsBytes(message);
    }

    public static String writeString(Object message) {
        return MAPPER.writeValueAsString(message);
    }

    /** Reads and validates a notification body, refusing it before parsing when it is too large. */
    public static Notification readNotification(byte[] body) throws ProtocolException {
        if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
            throw new ProtocolException(ProblemType.TOO_LARGE,
                    "a notification is at most " + Pmp.MAX_NOTIFICATION_BYTES + " bytes, this one is " + body.length);
        }
        return read(body, Notification.class, ProblemType.INVALID_NOTIFICATION).validate();
    }

    public static StatusReport readStatusReport(byte[] body) throws ProtocolException {
        if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
            throw new ProtocolException(ProblemType.TOO_LARGE, "a status report is at most 4096 bytes");
        }
        return read(body, StatusReport.class, ProblemType.MALFORMED_REQUEST).validate();
    }

    public static DiscoveryDocument readDiscovery(byte[] body, String expectedDomain) throws ProtocolException {
        if (body.length > Pmp.MAX_DISCOVERY_BYTES) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "the discovery document is too large");
        }
        return read(body, DiscoveryDocument.class, ProblemType.DISCOVERY_FAILED).validate(expectedDomain);
    }

    /** Reads any PMP/1 record; malformed JSON becomes a ProtocolException of the given type. */
    public static <T> T read(byte[] body, Class<T> type, ProblemType onError) throws ProtocolException {
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new ProtocolException(onError, "the body is JSON null");
            }
            return value;
        } catch (JacksonException e) {
            throw new ProtocolException(onError, "malformed JSON: " + e.getOriginalMessage(), e);
        }
    }
}

package org.pullmail.protocol.json;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;

/**
 * The JSON codec of PMP/1: snake_case members, RFC 3339 timestamps, absent members for nulls,
 * unknown members ignored (so later minor versions can add fields), and limits checked on read.
 * An enum value this version does not know fails the read, unless the enum names a default for it
 * (a receipt's unknown outcome counts as {@code accepted}, PROTOCOL.md 3.4).
 */
public final class PmpJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // a member has its JSON type or is refused: no 1.5 read as 1, no "120" as 120, no 42 as "42"
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, text -> text
                    .setCoercion(CoercionInputShape.Integer,
                            CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float,
                            CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean,
                            CoercionAction.Fail))
            .enable(EnumFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .addModule(new SimpleModule("pmp-timestamps").addDeserializer(Instant.class, new Rfc3339Instant()))
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
            throw new ProtocolException(onError, describe(e), e);
        }
    }

    /**
     * What is wrong with a body, for a problem's detail: the member Jackson stopped at, never its own
     * message, which names Java types (PROTOCOL.md 7: errors never include internal names).
     */
    public static String describe(JacksonException e) {
        StringBuilder path = new StringBuilder();
        if (e instanceof DatabindException mismatch) {
            for (var reference : mismatch.getPath()) {
                if (reference.getPropertyName() != null) {
                    path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
                } else if (reference.getIndex() >= 0) {
                    path.append('[').append(reference.getIndex()).append(']');
                }
            }
        }
        if (!path.isEmpty()) {
            return "the member \"" + path + "\" is missing, of the wrong type or not in the form it must have";
        }
        var location = e.getLocation();
        return location == null || location.getLineNr() < 0 ? "the body is not valid JSON"
                : "the body is not valid JSON (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * A timestamp is an RFC 3339 date-time string (PROTOCOL.md 1): {@code T} and {@code Z} in either
     * case, 1 to 9 fraction digits, {@code Z} or a {@code ±hh:mm} offset. Jackson's own reader would
     * also take numbers as epoch seconds and strings padded with spaces, which no PMP/1 peer sends;
     * accepting them would make a lenient reading part of the protocol.
     */
    private static final class Rfc3339Instant extends ValueDeserializer<Instant> {

        private static final Pattern DATE_TIME = Pattern.compile(
                // hours 00-23: Java's reader would take 24:00:00 as the next midnight, which RFC 3339 does not allow
                "\\d{4}-\\d{2}-\\d{2}[Tt]([01]\\d|2[0-3]):\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
        /** Converts offsets to UTC and reads a leap second (23:59:60) as 23:59:59. */
        private static final DateTimeFormatter INSTANT = new DateTimeFormatterBuilder()
                .parseCaseInsensitive().appendInstant().toFormatter();

        @Override
        public Instant deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            if (!parser.hasToken(JsonToken.VALUE_STRING)) {
                return context.reportInputMismatch(Instant.class, "a timestamp is an RFC 3339 string");
            }
            String text = parser.getString();
            if (DATE_TIME.matcher(text).matches()) {
                try {
                    return INSTANT.parse(text, Instant::from);
                } catch (DateTimeParseException e) {
                    // a well-formed string naming no instant, like February 30: refused below
                }
            }
            throw context.weirdStringException(text, Instant.class,
                    "not an RFC 3339 date-time like 2026-11-26T12:00:00Z");
        }
    }
}

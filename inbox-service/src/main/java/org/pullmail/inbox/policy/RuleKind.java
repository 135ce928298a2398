package org.pullmail.inbox.policy;

import java.util.Locale;
import java.util.Optional;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * What a rule does with a sender: {@code contact} and {@code allow} fetch at once, {@code block} refuses.
 * A user's rules have all three; the domain's rules are {@code allow} or {@code block}.
 */
enum RuleKind {
    CONTACT, ALLOW, BLOCK;

    /** The name in the database. */
    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of this wire name, if it is one. */
    static Optional<RuleKind> ofWire(String wire) {
        for (RuleKind kind : values()) {
            if (kind.wire().equals(wire)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** The list of the API that holds this kind of rule. */
    static RuleKind ofList(String list) {
        return switch (list) {
            case "contacts" -> CONTACT;
            case "allowlist" -> ALLOW;
            case "blocklist" -> BLOCK;
            default -> throw new IllegalArgumentException("no list " + list);
        };
    }

    /** Stores a kind by its wire name, the column's CHECK constraint's spelling. */
    @Converter
    static class Column implements AttributeConverter<RuleKind, String> {

        @Override
        public String convertToDatabaseColumn(RuleKind kind) {
            return kind == null ? null : kind.wire();
        }

        @Override
        public RuleKind convertToEntityAttribute(String wire) {
            return wire == null ? null
                    : ofWire(wire).orElseThrow(() -> new IllegalArgumentException("no rule kind " + wire));
        }
    }
}

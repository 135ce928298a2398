package org.pullmail.service.keys;

import java.util.Locale;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * Where a signing key stands: {@code published} (in the discovery document, not yet signing), {@code active}
 * (signing) or {@code retired} (no longer signing, still published until verifiers' caches expire).
 */
public enum KeyState {
    PUBLISHED, ACTIVE, RETIRED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Stored as the lower-case word the table's check constraint allows. */
    @Converter(autoApply = true)
    static class Column implements AttributeConverter<KeyState, String> {

        @Override
        public String convertToDatabaseColumn(KeyState state) {
            return state == null ? null : state.wire();
        }

        @Override
        public KeyState convertToEntityAttribute(String value) {
            return value == null ? null : KeyState.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}

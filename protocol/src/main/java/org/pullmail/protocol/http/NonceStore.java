package org.pullmail.protocol.http;

import java.time.Instant;

/**
 * Remembers signature nonces until their signatures can no longer be accepted anyway. Services keep
 * it in their database so that every replica refuses a replay.
 */
@FunctionalInterface
public interface NonceStore {

    /**
     * Records the nonce, answering true the first time and false when the same key already used it.
     *
     * @param keyId      the signing key's id, which scopes the nonce
     * @param nonce      the signature's nonce
     * @param forgetAfter after this instant the signature is stale, so the nonce may be forgotten
     */
    boolean firstUse(String keyId, String nonce, Instant forgetAfter);

    /** What a store knows of a nonce. */
    enum Use {
        /** never seen: recorded now */
        FIRST,
        /** seen before: a replay */
        REPEATED,
        /**
         * the store was reset (a database crash empties it) after the signature was made, so it cannot tell
         * a first use from a replay; a fresh signature will do (PROTOCOL.md 8.1)
         */
        UNKNOWABLE
    }

    /**
     * Like {@link #firstUse}, for a store that can lose what it remembered: a signature made before the
     * store was last reset is {@link Use#UNKNOWABLE}. A store that never loses anything needs no more.
     *
     * @param created when the signature was made
     */
    default Use use(String keyId, String nonce, Instant created, Instant forgetAfter) {
        return firstUse(keyId, nonce, forgetAfter) ? Use.FIRST : Use.REPEATED;
    }
}

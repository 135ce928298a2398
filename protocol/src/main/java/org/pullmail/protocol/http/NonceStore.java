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
}

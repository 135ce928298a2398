package org.pullmail.gateway.token;

/** The access tokens of this account issued until now are no longer valid (published on every replica). */
public record TokensRevoked(String address) {
}

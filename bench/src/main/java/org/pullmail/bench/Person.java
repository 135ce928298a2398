package org.pullmail.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.pullmail.protocol.Addresses;

/**
 * A simulated mail user of one of the real domains: their account, what they know of other people (the truth
 * that labels each delivery a first contact or not), and what they have seen in their mailbox and requests.
 */
final class Person {

    final String address;
    final String domain;
    final int port;
    private final String password;
    private volatile String token;

    /** Everyone this person wrote to (To, Cc or Bcc). */
    final Set<String> wroteTo = ConcurrentHashMap.newKeySet();
    /** Senders whose request this person accepted. */
    final Set<String> acceptedFrom = ConcurrentHashMap.newKeySet();
    /** Domains this person trusts, or whose organisation their admin trusts (partners). */
    final Set<String> trustedDomains = ConcurrentHashMap.newKeySet();
    /** Newsletter senders this person subscribed to, and the address each was given (tagged where tags exist). */
    final Map<String, String> subscriptions = new ConcurrentHashMap<>();

    /** The copies sent to this person, as they are sent. */
    final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    /** When this person last began to look at their mail. */
    volatile Instant lastLook;
    /** Inbox ids of the messages this person has looked at. */
    final Set<String> seenMessages = ConcurrentHashMap.newKeySet();
    /** One look at the mailbox at a time: the person's checks and their final look never overlap. */
    final Object looking = new Object();

    Person(String address, String password) {
        this.address = address;
        this.domain = Addresses.domainOf(address);
        this.port = SimulatedDomains.port(domain);
        this.password = password;
    }

    /**
     * Whether anything sent to this person may show something new in their mailbox or requests: a copy neither in
     * the mailbox yet nor declined, nor refused at intake. When nothing is, a look would find what the last one
     * found, and the simulation spares the domains the two list calls (on two cores they would slow the clock).
     */
    boolean expectsMail() {
        for (Delivery d : deliveries) {
            if (!d.inMailbox() && !"declined_as_spam".equals(d.decision)
                    && (d.intake == null || "accepted".equals(d.intake))) {
                return true;
            }
        }
        return false;
    }

    String local() {
        return address.substring(0, address.indexOf('@'));
    }

    void logIn() {
        token = SimulationApi.token(port, address, password);
    }

    /** A call with this person's token; an expired token is renewed once. */
    SimulationApi.Answer call(String method, String path, String contentType, String body) {
        SimulationApi.Answer answer = SimulationApi.call(port, method, path, token, contentType, body);
        if (answer.status() == 401) {
            logIn();
            answer = SimulationApi.call(port, method, path, token, contentType, body);
        }
        return answer;
    }

    SimulationApi.Answer get(String path) {
        return call("GET", path, null, null);
    }

    SimulationApi.Answer postJson(String path, Object body) {
        return call("POST", path, "application/json", SimulationApi.json(body));
    }

    @Override
    public String toString() {
        return address;
    }
}

package org.pullmail.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The simulation's people: twelve in each real domain, their accounts created through each domain's admin API
 * (alice, bob and carol are the demo's own), and the trust they start the month with: beta.test's admin trusts
 * alpha.test as a partner, and a few people of gamma.test trust beta.test themselves.
 */
final class Town {

    static final Map<String, List<String>> NAMES = Map.of(
            SimulatedDomains.ALPHA, List.of("alice", "adam", "amy", "arthur", "ava", "axel", "anna", "abel", "agnes", "alan",
                    "aria", "august"),
            SimulatedDomains.BETA, List.of("bob", "carol", "ben", "bella", "boris", "bianca", "bruno", "beth", "basil",
                    "bonnie", "brian", "bea"),
            SimulatedDomains.GAMMA, List.of("gus", "gina", "greg", "grace", "gary", "gwen", "glen", "gloria", "gil", "gemma",
                    "gordon", "gavin"));
    /** The account of gamma.test that is compromised in the month's last third. */
    static final String COMPROMISED = "gavin@" + SimulatedDomains.GAMMA;
    private static final List<String> DEMO_ACCOUNTS = List.of("alice@alpha.test", "bob@beta.test", "carol@beta.test");
    private static final String PASSWORD = "simulated-person-password";

    final List<Person> people = new ArrayList<>();
    final Map<String, Person> byAddress = new LinkedHashMap<>();
    final Map<String, List<Person>> byDomain = new LinkedHashMap<>();

    static Town create(SimulatedDomains domains, Random random) throws Exception {
        Town town = new Town();
        Map<String, String> admins = new LinkedHashMap<>();
        for (String domain : SimulatedDomains.DOMAINS) {
            int port = SimulatedDomains.port(domain);
            String admin = SimulationApi.token(port, "admin@" + domain, domains.adminPassword(domain));
            admins.put(domain, admin);
            List<Person> here = new ArrayList<>();
            for (String name : NAMES.get(domain)) {
                String address = name + "@" + domain;
                boolean demo = DEMO_ACCOUNTS.contains(address);
                if (!demo) {
                    createAccount(port, admin, address);
                }
                Person person = new Person(address, demo ? SimulatedDomains.DEMO_PASSWORD : PASSWORD);
                person.logIn();
                here.add(person);
                town.people.add(person);
                town.byAddress.put(address, person);
            }
            town.byDomain.put(domain, here);
        }
        // partners: the organisation of beta.test trusts alpha.test (the domain's allow list)
        SimulationApi.Answer partner = SimulationApi.call(SimulatedDomains.port(SimulatedDomains.BETA), "PUT",
                "/api/v1/admin/inbound/allowlist/" + SimulatedDomains.ALPHA, admins.get(SimulatedDomains.BETA), null, null);
        if (SimulationApi.feature("a partner domain (PUT /api/v1/admin/inbound/allowlist/{domain})", partner)) {
            town.byDomain.get(SimulatedDomains.BETA).forEach(p -> p.trustedDomains.add(SimulatedDomains.ALPHA));
        }
        // four people of gamma.test trust beta.test on their own
        List<Person> gamma = new ArrayList<>(town.byDomain.get(SimulatedDomains.GAMMA));
        gamma.removeIf(p -> p.address.equals(COMPROMISED));
        for (int i = 0; i < 4; i++) {
            Person person = gamma.remove(random.nextInt(gamma.size()));
            SimulationApi.Answer trust = person.call("PUT", "/api/v1/inbox/allowlist/" + SimulatedDomains.BETA, null, null);
            if (SimulationApi.feature("a user trusts a domain (PUT /api/v1/inbox/allowlist/{domain})", trust)) {
                person.trustedDomains.add(SimulatedDomains.BETA);
            }
        }
        return town;
    }

    /** Creates the account; 202 means stored but not yet provisioned in the inbox and outbox, so it asks again. */
    private static void createAccount(int port, String admin, String address) throws InterruptedException {
        String body = SimulationApi.json(Map.of("address", address, "password", PASSWORD));
        for (int attempt = 0; attempt < 60; attempt++) {
            SimulationApi.Answer answer = SimulationApi.call(port, "POST", "/api/v1/admin/accounts", admin,
                    "application/json", body);
            if (answer.status() == 200 || answer.status() == 201) {
                return;
            }
            if (answer.status() != 202 && answer.status() >= 0 && answer.status() < 500) {
                throw new IllegalStateException("creating " + address + ": " + answer.status() + " " + answer.body());
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the account " + address + " was not provisioned within 30 s");
    }

    Person person(String address) {
        return byAddress.get(address);
    }

    List<Person> others(Person person) {
        List<Person> others = new ArrayList<>(people);
        others.remove(person);
        return others;
    }

    List<Person> colleagues(Person person) {
        List<Person> colleagues = new ArrayList<>(byDomain.get(person.domain));
        colleagues.remove(person);
        return colleagues;
    }
}

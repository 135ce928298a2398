package org.pullmail.conformance;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.json.PmpJson;

/** PROTOCOL.md 2.1 and 2.2: the deployment's discovery document and how it may be cached. */
final class DiscoveryChecks {

    private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d+)\"?");
    private static final Pattern PUBLIC = Pattern.compile("(?:^|[,\\s])public(?:$|[,\\s])");
    /** What section 2.2 recommends servers send. */
    private static final long SHOULD_MIN_MAX_AGE = 300;
    private static final long SHOULD_MAX_MAX_AGE = 3600;
    /** What clients clamp any max-age to. */
    private static final long CLAMP_MIN = Pmp.MIN_DISCOVERY_TTL.toSeconds();
    private static final long CLAMP_MAX = Pmp.MAX_DISCOVERY_TTL.toSeconds();
    /** Members that make a JWK private (PROTOCOL.md 2.1); a whole "oct" key is secret too. */
    private static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth");

    private final String domain;
    private final Wire wire;
    private final Recorder recorder;

    DiscoveryChecks(String domain, Wire wire, Recorder recorder) {
        this.domain = domain;
        this.wire = wire;
        this.recorder = recorder;
    }

    /** Runs the checks; returns the document when its URLs are usable for the checks that follow. */
    Optional<DiscoveryDocument> run() {
        URI url = URI.create(wire.baseUrl() + Pmp.WELL_KNOWN_PATH);
        Answer answer = wire.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Accept", Pmp.MEDIA_TYPE_JSON).GET().build());
        if (recorder.success("2.1", "discovery document answers 200", answer, 200, false).status()
                != Result.Status.PASS) {
            return Optional.empty();
        }
        recorder.check("2.1", "discovery document is application/json", Pmp.MEDIA_TYPE_JSON.equals(answer.mediaType()),
                "Content-Type " + answer.header("Content-Type").orElse("missing"));
        recorder.check("2.1", "discovery document is at most 64 KiB", answer.body().length <= Pmp.MAX_DISCOVERY_BYTES,
                answer.body().length + " bytes");
        DiscoveryDocument document;
        try {
            document = PmpJson.read(answer.body(), DiscoveryDocument.class, ProblemType.DISCOVERY_FAILED);
            recorder.pass("2.1", "discovery document is a JSON object");
        } catch (ProtocolException e) {
            recorder.fail("2.1", "discovery document is a JSON object", e.detail());
            return Optional.empty();
        }
        recorder.check("2.1", "protocol is \"pmp/1\"", Pmp.PROTOCOL.equals(document.protocol()),
                "protocol is " + quoted(document.protocol()));
        recorder.check("2.1", "domain is the domain asked for", domain.equalsIgnoreCase(String.valueOf(document.domain())),
                "domain is " + quoted(document.domain()) + ", not \"" + domain + "\"");
        boolean notifyUrl = isHttpUrl(document.notifyUrl());
        recorder.check("2.1", "notify_url is an absolute http(s) URL", notifyUrl, "notify_url is " + quoted(document.notifyUrl()));
        boolean fetchBase = isHttpUrl(document.fetchBase()) && document.fetchBase().endsWith("/");
        recorder.check("2.1", "fetch_base is an absolute http(s) URL ending in /", fetchBase,
                "fetch_base is " + quoted(document.fetchBase()));
        checkKeys(document);
        checkCaching(answer.header("Cache-Control").orElse(null));
        return notifyUrl && fetchBase ? Optional.of(document) : Optional.empty();
    }

    private void checkKeys(DiscoveryDocument document) {
        Map<String, Object> keys = document.keys();
        List<?> list = keys == null || !(keys.get("keys") instanceof List<?> l) ? null : l;
        if (list == null) {
            recorder.fail("2.1", "keys is a JWK set with an Ed25519 key", "keys is not a JWK set ({\"keys\":[…]})");
            recorder.skip("2.1", "every Ed25519 key has a unique printable ASCII kid", "no JWK set");
            recorder.skip("2.1", "no key has private members", "no JWK set");
            return;
        }
        String invalidSet = null;
        try {
            document.keySet(); // a key of a known type that is not valid makes the document invalid
        } catch (ProtocolException e) {
            invalidSet = e.detail();
        }
        int ed25519 = 0;
        String unusable = null;
        Map<String, Integer> kids = new HashMap<>();
        List<String> signingKids = new ArrayList<>();
        String privateKey = null;
        for (Object entry : list) {
            if (!(entry instanceof Map<?, ?> jwk)) {
                unusable = "an entry of keys is not a JSON object";
                continue;
            }
            Object kid = jwk.get("kid");
            if (kid instanceof String k) {
                kids.merge(k, 1, Integer::sum);
            }
            if (privateKey == null && ("oct".equals(jwk.get("kty")) || PRIVATE_MEMBERS.stream().anyMatch(jwk::containsKey))) {
                privateKey = "key " + quoted(kid) + " has " + ("oct".equals(jwk.get("kty")) ? "kty oct (a secret key)"
                        : "private member " + PRIVATE_MEMBERS.stream().filter(jwk::containsKey).findFirst().orElse(""));
            }
            if ("OKP".equals(jwk.get("kty")) && "Ed25519".equals(jwk.get("crv"))) {
                signingKids.add(kid instanceof String k ? k : null);
                try {
                    @SuppressWarnings("unchecked")
                    OctetKeyPair okp = Ed25519Keys.requireEd25519(JWK.parse((Map<String, Object>) jwk));
                    Ed25519Keys.publicKey(okp);
                    ed25519++;
                } catch (ParseException | ProtocolException e) {
                    unusable = "key " + quoted(kid) + " is not a usable Ed25519 JWK: " + e.getMessage();
                }
            }
        }
        recorder.check("2.1", "keys is a JWK set with an Ed25519 key", ed25519 > 0 && unusable == null && invalidSet == null,
                invalidSet != null ? invalidSet : unusable != null ? unusable
                        : "no key with \"kty\":\"OKP\",\"crv\":\"Ed25519\" among " + list.size());
        String badKid = null;
        for (String kid : signingKids) {
            if (kid == null || kid.isEmpty() || !kid.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
                badKid = "an Ed25519 key's kid " + quoted(kid) + " is not a non-empty printable ASCII string";
            } else if (kids.get(kid) > 1) {
                badKid = "kid " + quoted(kid) + " names " + kids.get(kid) + " keys";
            }
            if (badKid != null) {
                break;
            }
        }
        recorder.check("2.1", "every Ed25519 key has a unique printable ASCII kid", badKid == null, badKid);
        recorder.check("2.1", "no key has private members", privateKey == null, privateKey);
    }

    private void checkCaching(String cacheControl) {
        String name = "Cache-Control is public with a max-age between 300 and 3600";
        if (cacheControl == null) {
            recorder.warn("2.2", name, "no Cache-Control: clients cache for 1 hour; Pullmail sends max-age=300, public");
            return;
        }
        String cc = cacheControl.toLowerCase(Locale.ROOT);
        Matcher m = MAX_AGE.matcher(cc);
        boolean isPublic = PUBLIC.matcher(cc).find();
        if (!m.find()) {
            recorder.warn("2.2", name, "Cache-Control: " + cacheControl + " has no max-age: clients cache for 1 hour");
            return;
        }
        long maxAge = m.group(1).length() > 9 ? Long.MAX_VALUE : Long.parseLong(m.group(1));
        if (maxAge < SHOULD_MIN_MAX_AGE || maxAge > SHOULD_MAX_MAX_AGE) {
            boolean clamped = maxAge < CLAMP_MIN || maxAge > CLAMP_MAX;
            recorder.warn("2.2", name, "max-age=" + m.group(1) + " lies outside [300, 3600]"
                    + (clamped ? ", and outside [60, 86400], so clients clamp it" : ""));
        } else if (!isPublic) {
            recorder.warn("2.2", name, "Cache-Control: " + cacheControl + " is not public");
        } else {
            recorder.pass("2.2", name);
        }
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.isAbsolute() && uri.getHost() != null
                    && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()));
        } catch (URISyntaxException | NullPointerException e) {
            return false;
        }
    }

    private static String quoted(Object value) {
        return value == null ? "missing" : "\"" + value + "\"";
    }
}

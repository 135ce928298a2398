package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates verified TLS trusts (MTA-STS policy fetches, STARTTLS under an {@code enforce} policy): the JVM's,
 * and those of an optional PEM file (a private CA; a test rig's own).
 */
final class TlsTrust {

    private TlsTrust() {
    }

    static SSLContext context(Path extraCertificates) {
        try {
            if (extraCertificates == null) {
                return SSLContext.getDefault();
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jvm.init((KeyStore) null);
            int n = 0;
            for (TrustManager tm : jvm.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    for (X509Certificate c : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jvm-" + n++, c);
                    }
                }
            }
            try (InputStream in = Files.newInputStream(extraCertificates)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("extra-" + n++, c);
                }
            }
            TrustManagerFactory all = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            all.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, all.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the trusted certificates " + extraCertificates + " cannot be read", e);
        }
    }
}

package io.fleetkeeper.pki;

import io.fleetkeeper.pki.internal.KeyVault;
import io.fleetkeeper.pki.internal.CaSigners;
import io.fleetkeeper.pki.internal.SoftwareSigner;
import io.fleetkeeper.pki.internal.X509Factory;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import io.fleetkeeper.store.Times;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The platform's own CA (EC P-256, self-signed, 20 years). It signs the server certificates of the
 * device-facing listeners, never device certificates (tenant CAs do that). Created on first start and
 * kept in {@code platform_secrets} as one row, the sealed key and the certificate together; nodes that
 * start at the same time both try an insert-if-absent and then read back the one that won.
 */
@Component
public class PlatformCa {

    static final String SECRET = "platform-ca";
    private static final Duration VALIDITY = Duration.ofDays(7300);
    private static final Pattern IP = Pattern.compile("[0-9.]+|.*:.*");

    /** A server key with its certificate chain (leaf, then the platform CA). */
    public record ServerIdentity(PrivateKey key, X509Certificate[] chain) {

        public X509Certificate certificate() {
            return chain[0];
        }
    }

    private final JdbcClient jdbc;
    private final KeyVault vault;
    private final Clock clock;
    private final CaSigners signers;
    private volatile SoftwareSigner signer;

    PlatformCa(JdbcClient jdbc, KeyVault vault, Clock clock, CaSigners signers) {
        this.signers = signers;
        this.jdbc = jdbc;
        this.vault = vault;
        this.clock = clock;
    }

    public X509Certificate certificate() {
        return signer().certificate();
    }

    /** A new EC P-256 key and a serverAuth certificate for {@code names} (DNS names or IP addresses). */
    public ServerIdentity issueServerCertificate(List<String> names, Duration validity) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("at least one server name is needed");
        }
        SoftwareSigner ca = signer();
        KeyPair kp = KeyAlgorithm.EC_P256.generate();
        Instant now = Times.now(clock);
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
            notAfter = ca.certificate().getNotAfter().toInstant();
        }
        List<GeneralName> sans = names.stream().map(String::trim)
                .map(n -> new GeneralName(IP.matcher(n).matches() ? GeneralName.iPAddress : GeneralName.dNSName, n))
                .toList();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.get(0).trim())
                .addRDN(BCStyle.O, "Fleetkeeper").build();
        X509Certificate leaf = X509Factory.leaf(ca, kp.getPublic(), X509Factory.serial(), new LeafProfile(subject,
                sans, false, true, now.minus(Duration.ofMinutes(5)), notAfter, null, null));
        return new ServerIdentity(kp.getPrivate(), new X509Certificate[] {leaf, ca.certificate()});
    }

    private SoftwareSigner signer() {
        SoftwareSigner s = signer;
        if (s == null) {
            synchronized (this) {
                s = signer;
                if (s == null) {
                    s = load();
                    signer = s;
                }
            }
        }
        return s;
    }

    private SoftwareSigner load() {
        Optional<String> stored = read();
        if (stored.isEmpty()) {
            jdbc.sql("INSERT INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?) "
                    + "ON CONFLICT (name) DO NOTHING").params(SECRET, create(), clock.millis()).update();
            stored = read();
        }
        String value = stored.orElseThrow(() -> new IllegalStateException("platform CA was not stored"));
        int split = value.indexOf('\n');
        X509Certificate cert = Pem.certificates(value.substring(split + 1), SECRET).get(0);
        PrivateKey key = vault.open(value.substring(0, split), SECRET, cert.getPublicKey().getAlgorithm());
        return signers.of(cert, key);
    }

    private Optional<String> read() {
        return jdbc.sql("SELECT value FROM platform_secrets WHERE name = ?").param(SECRET).query(String.class)
                .optional();
    }

    /** The stored form: the sealed key on the first line, the certificate PEM after it. */
    private String create() {
        KeyPair kp = KeyAlgorithm.EC_P256.generate();
        Instant now = Times.now(clock);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "Fleetkeeper Platform CA")
                .addRDN(BCStyle.OU, "platform " + UUID.randomUUID()).addRDN(BCStyle.O, "Fleetkeeper").build();
        try {
            X509Certificate cert = X509Factory.root(subject, kp.getPublic(),
                    new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()),
                    now.minus(Duration.ofMinutes(5)), now.plus(VALIDITY));
            return vault.seal(kp.getPrivate(), SECRET) + "\n" + Pem.write(cert);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}

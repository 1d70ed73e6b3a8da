package io.fleetkeeper.pki;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.pki.internal.CodeSigningRepository;
import io.fleetkeeper.pki.internal.KeyVault;
import io.fleetkeeper.pki.internal.X509Factory;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.springframework.stereotype.Service;

/**
 * The server's code-signing key per tenant, which signs OTA manifests as a JWS (ES256) carrying its certificate
 * chain in {@code x5c}: an EC P-256 key whose certificate the tenant's default issuing CA issues with the
 * codeSigning extended key usage, so a device verifies a manifest against the tenant CA it already trusts. The
 * key is issued on first need and a new one {@link #RENEW_BEFORE} before the certificate expires; its private key
 * is sealed under the master key like CA keys, bound to its row, and never leaves this class (never logged, never
 * returned by an API). A tenant without an issuing CA gets no signature.
 */
@Service
public class CodeSigningService {

    /** How long a code-signing certificate is valid (at most until its CA expires). */
    public static final Duration VALIDITY = Duration.ofDays(365);
    /** How long before its certificate expires a key is replaced (a third of its life when that is shorter). */
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private record Active(ECPrivateKey key, JWSHeader header, List<X509Certificate> chain, Instant renewAt) {
    }

    private final CodeSigningRepository keys;
    private final CaService cas;
    private final KeyVault vault;
    private final Clock clock;
    private final PublicBaseUrl baseUrl;
    private final Map<UUID, Active> active = new ConcurrentHashMap<>();

    CodeSigningService(CodeSigningRepository keys, CaService cas, KeyVault vault, Clock clock,
            PublicBaseUrl baseUrl) {
        this.keys = keys;
        this.cas = cas;
        this.vault = vault;
        this.clock = clock;
        this.baseUrl = baseUrl;
    }

    /**
     * {@code payload} signed as a compact JWS (ES256, {@code x5c}: the code-signing certificate, then its CA chain
     * up to the root); empty when the tenant has no CA that can issue.
     */
    public Optional<String> sign(UUID tenantId, byte[] payload) {
        Active a = active(tenantId);
        if (a == null) {
            return Optional.empty();
        }
        try {
            JWSObject jws = new JWSObject(a.header(), new Payload(payload));
            jws.sign(new ECDSASigner(a.key()));
            return Optional.of(jws.serialize());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the manifest", e);
        }
    }

    /** The certificate chain that signs for the tenant now (issuing a key if none is current); empty without CA. */
    public List<X509Certificate> chain(UUID tenantId) {
        Active a = active(tenantId);
        if (a == null) {
            return List.of();
        }
        return a.chain();
    }

    private Active active(UUID tenantId) {
        Instant now = clock.instant();
        Active a = active.get(tenantId);
        if (a != null && now.isBefore(a.renewAt())) {
            return a;
        }
        synchronized (this) {
            a = active.get(tenantId);
            if (a != null && now.isBefore(a.renewAt())) {
                return a;
            }
            a = keys.newest(tenantId).map(r -> load(tenantId, r)).filter(k -> now.isBefore(k.renewAt()))
                    .orElseGet(() -> issue(tenantId, now));
            if (a != null) {
                Active loaded = a;
                AfterCommit.run(() -> active.put(tenantId, loaded)); // remembered once its row is committed
            }
            return a;
        }
    }

    private Active load(UUID tenantId, CodeSigningRepository.Row r) {
        X509Certificate leaf = Pem.certificates(r.certificatePem(), "certificate").get(0);
        ECPrivateKey key = (ECPrivateKey) vault.open(r.sealedKey(), r.id().toString(), "EC");
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(cas.chain(tenantId, r.caId()));
        return active(key, chain, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    }

    /** A new key and its certificate from the tenant's issuing CA; null when the tenant has none. */
    private Active issue(UUID tenantId, Instant now) {
        CertificateAuthority ca;
        try {
            ca = cas.issuingCa(tenantId, null);
        } catch (ApiException noCa) {
            return null;
        }
        KeyPair kp;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            kp = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a code-signing key", e);
        }
        UUID id = Ids.newId(clock);
        Instant notBefore = now.minus(Duration.ofMinutes(5));
        Instant notAfter = now.plus(VALIDITY).isAfter(ca.notAfter()) ? ca.notAfter() : now.plus(VALIDITY);
        String base = baseUrl.get() + "/pki/v1/tenants/" + tenantId + "/cas/" + ca.id();
        LeafProfile profile = new LeafProfile(new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "OTA code signing " + id).addRDN(BCStyle.OU, "tenant " + tenantId)
                .addRDN(BCStyle.O, "Fleetkeeper").build(), List.of(), false, false, notBefore, notAfter,
                base + "/crl", base + "/ocsp", true);
        X509Certificate leaf = X509Factory.leaf(cas.signer(tenantId, ca.id()), kp.getPublic(), X509Factory.serial(),
                profile);
        keys.insert(tenantId, new CodeSigningRepository.Row(id, ca.id(), Pem.write(leaf),
                vault.seal(kp.getPrivate(), id.toString()), notAfter.toEpochMilli()), now.toEpochMilli());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(cas.chain(tenantId, ca.id()));
        return active((ECPrivateKey) kp.getPrivate(), chain, notBefore, notAfter);
    }

    private static Active active(ECPrivateKey key, List<X509Certificate> chain, Instant notBefore,
            Instant notAfter) {
        List<Base64> x5c = new ArrayList<>();
        try {
            for (X509Certificate c : chain) {
                x5c.add(Base64.encode(c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the certificate chain", e);
        }
        Duration life = Duration.between(notBefore, notAfter);
        Duration early = life.dividedBy(3).compareTo(RENEW_BEFORE) < 0 ? life.dividedBy(3) : RENEW_BEFORE;
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).x509CertChain(x5c).build();
        return new Active(key, header, List.copyOf(chain), notAfter.minus(early));
    }
}

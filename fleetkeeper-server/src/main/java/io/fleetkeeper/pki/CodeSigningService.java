package io.fleetkeeper.pki;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.CodeSigningRepository;
import io.fleetkeeper.pki.internal.CodeSigningRepository.Revoked;
import io.fleetkeeper.pki.internal.CodeSigningRepository.Row;
import io.fleetkeeper.pki.internal.KeyVault;
import io.fleetkeeper.pki.internal.X509Factory;
import io.fleetkeeper.pki.internal.X509Factory.LeafProfile;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The server's code-signing key per tenant, which signs OTA manifests as a JWS (ES256) carrying its certificate
 * chain in {@code x5c}: an EC P-256 key whose certificate the tenant's default issuing CA issues with the
 * codeSigning extended key usage, so a device verifies a manifest against the tenant CA it already trusts. The
 * key is issued on first need and a new one {@link #RENEW_BEFORE} before the certificate expires; its private key
 * is sealed under the master key like CA keys, bound to its row, and never leaves this class (never logged, never
 * returned by an API). A tenant without an issuing CA gets no signature.
 *
 * <p>A key is revoked, and signs nothing more, when the operator rotates or revokes it, and at once when the
 * tenant's default issuing CA changes away from the CA that issued it; its certificate is then listed on that CA's
 * CRL and answered revoked by its OCSP responder, and the next signature uses a new key from the current default
 * CA. Every node checks, on each use, that its cached key is still the tenant's current one in the store.
 */
@Service
public class CodeSigningService {

    /** How long a code-signing certificate is valid (at most until its CA expires). */
    public static final Duration VALIDITY = Duration.ofDays(365);
    /** How long before its certificate expires a key is replaced (a third of its life when that is shorter). */
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private record Active(UUID id, ECPrivateKey key, JWSHeader header, List<X509Certificate> chain,
            Instant renewAt) {
    }

    private final CodeSigningRepository keys;
    private final CaService cas;
    private final KeyVault vault;
    private final Clock clock;
    private final PublicBaseUrl baseUrl;
    private final CrlService crls;
    private final AuditService audit;
    private final Map<UUID, Active> active = new ConcurrentHashMap<>();

    CodeSigningService(CodeSigningRepository keys, CaService cas, KeyVault vault, Clock clock,
            PublicBaseUrl baseUrl, CrlService crls, AuditService audit) {
        this.keys = keys;
        this.cas = cas;
        this.vault = vault;
        this.clock = clock;
        this.baseUrl = baseUrl;
        this.crls = crls;
        this.audit = audit;
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

    /** The key that signs for the tenant now; 404 before the first one is issued (by a signature or a rotation). */
    public CodeSigningKey current(UUID tenantId) {
        return view(tenantId, keys.current(tenantId).orElseThrow(() -> ApiException.notFound("code-signing key")));
    }

    /**
     * Revokes the tenant's keys ({@code reason}, default {@code superseded}) and issues a new one from its default
     * issuing CA; answers the new one. 409 CONFLICT without an issuing CA, 400 for an unknown reason; either way
     * nothing changes.
     */
    @Transactional
    public CodeSigningKey rotate(Caller caller, String reason) {
        UUID tenantId = caller.tenantId();
        String r = CertificateService.reason(reason, "superseded");
        cas.issuingCa(tenantId, null);
        revoke(caller, keys.unrevoked(tenantId), r, "rotated");
        Active a = issue(tenantId, clock.instant());
        remember(tenantId, a);
        audit.recordDetails(tenantId, caller, "code_signing_key.rotate", "code_signing_key", a.id().toString(),
                Map.of("reason", r));
        return current(tenantId);
    }

    /**
     * Revokes the tenant's keys ({@code reason}, default {@code unspecified}); the next signature issues a new one.
     * Answers the key that was current, revoked. 404 when the tenant has none, 400 for an unknown reason.
     */
    @Transactional
    public CodeSigningKey revoke(Caller caller, String reason) {
        UUID tenantId = caller.tenantId();
        String r = CertificateService.reason(reason, "unspecified");
        Row cur = keys.current(tenantId).orElseThrow(() -> ApiException.notFound("code-signing key"));
        revoke(caller, keys.unrevoked(tenantId), r, "revoked by an operator");
        return view(tenantId, cur);
    }

    /** The tenant's default issuing CA is now {@code caId}: the keys another CA issued are revoked at once. */
    void defaultCaChanged(Caller caller, UUID caId) {
        revoke(caller, keys.unrevoked(caller.tenantId()).stream().filter(k -> !k.caId().equals(caId)).toList(),
                "superseded", "the tenant's default issuing CA changed");
    }

    /** The code-signing certificate with this serial (lower-case hex) that the CA issued to the tenant, if any. */
    Optional<CodeSigningKey> issued(UUID tenantId, UUID caId, String serial) {
        return keys.issuedBy(tenantId, caId).stream().filter(k -> serial(leaf(k)).equals(serial)).findFirst()
                .map(k -> view(tenantId, k));
    }

    private Active active(UUID tenantId) {
        Instant now = clock.instant();
        Active a = cached(tenantId, now, keys.current(tenantId)); // a key revoked on another node is noticed here
        if (a != null) {
            return a;
        }
        synchronized (this) {
            Optional<Row> current = keys.current(tenantId);
            a = cached(tenantId, now, current);
            if (a != null) {
                return a;
            }
            Active loaded = current.map(r -> load(tenantId, r)).filter(k -> now.isBefore(k.renewAt())).orElse(null);
            if (loaded != null && !issuedByDefaultCa(tenantId, current.get())) {
                revoke(Caller.system(tenantId), List.of(current.get()), "superseded",
                        "its CA is no longer the tenant's default issuing CA");
                loaded = null;
            }
            Active next = loaded != null ? loaded : issue(tenantId, now);
            if (next != null) {
                remember(tenantId, next);
            }
            return next;
        }
    }

    /** The cached key while it is the tenant's current one and not due for renewal; else null. */
    private Active cached(UUID tenantId, Instant now, Optional<Row> current) {
        Active a = active.get(tenantId);
        return a != null && now.isBefore(a.renewAt()) && current.filter(r -> r.id().equals(a.id())).isPresent() ? a
                : null;
    }

    /** Remembered once its row is committed. */
    private void remember(UUID tenantId, Active a) {
        AfterCommit.run(() -> active.put(tenantId, a));
    }

    private boolean issuedByDefaultCa(UUID tenantId, Row r) {
        try {
            return cas.issuingCa(tenantId, null).id().equals(r.caId());
        } catch (ApiException noDefault) {
            return true;
        }
    }

    /** Revokes the keys (once each), audits each, re-issues their CAs' CRLs, and forgets the cached one. */
    private void revoke(Caller caller, List<Row> revoked, String reason, String cause) {
        UUID tenantId = caller.tenantId();
        long now = clock.millis();
        Set<UUID> issuers = new LinkedHashSet<>();
        for (Row k : revoked) {
            String serial = serial(leaf(k));
            if (keys.revoke(tenantId, k, serial, reason, now)) {
                issuers.add(k.caId());
                audit.recordDetails(tenantId, caller, "code_signing_key.revoke", "code_signing_key",
                        k.id().toString(), Map.of("reason", reason, "serial", serial, "ca_id", k.caId().toString(),
                                "cause", cause));
            }
        }
        issuers.forEach(ca -> crls.regenerate(tenantId, ca));
        if (!issuers.isEmpty()) {
            AfterCommit.run(() -> active.remove(tenantId));
        }
    }

    private CodeSigningKey view(UUID tenantId, Row r) {
        X509Certificate leaf = leaf(r);
        Revoked rev = keys.revocation(tenantId, r.id()).orElse(null);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(cas.chain(tenantId, r.caId()));
        return new CodeSigningKey(r.id(), r.caId(), leaf.getSubjectX500Principal().getName(), serial(leaf),
                Pem.fingerprint(leaf), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(),
                rev == null ? "ACTIVE" : "REVOKED", rev == null ? null : rev.revokedAt(),
                rev == null ? null : rev.reason(), Pem.write(leaf), Pem.chain(chain));
    }

    private static X509Certificate leaf(Row r) {
        return Pem.certificates(r.certificatePem(), "certificate").get(0);
    }

    private static String serial(X509Certificate c) {
        return CertificateRepository.hex(c.getSerialNumber());
    }

    private Active load(UUID tenantId, Row r) {
        X509Certificate leaf = leaf(r);
        ECPrivateKey key = (ECPrivateKey) vault.open(r.sealedKey(), r.id().toString(), "EC");
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(cas.chain(tenantId, r.caId()));
        return active(r.id(), key, chain, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
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
        keys.insert(tenantId, new Row(id, ca.id(), Pem.write(leaf), vault.seal(kp.getPrivate(), id.toString()),
                notAfter.toEpochMilli()), now.toEpochMilli());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(cas.chain(tenantId, ca.id()));
        return active(id, (ECPrivateKey) kp.getPrivate(), chain, notBefore, notAfter);
    }

    private static Active active(UUID id, ECPrivateKey key, List<X509Certificate> chain, Instant notBefore,
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
        return new Active(id, key, header, List.copyOf(chain), notAfter.minus(early));
    }
}

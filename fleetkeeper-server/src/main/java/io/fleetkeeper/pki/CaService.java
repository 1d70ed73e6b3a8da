package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.pki.internal.CaRepository;
import io.fleetkeeper.pki.internal.CaRepository.CaRow;
import io.fleetkeeper.pki.internal.KeyVault;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.pki.internal.CaSigners;
import io.fleetkeeper.pki.internal.X509Factory;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Tenant certificate authorities: create a root or issuing CA, import one with its key, register a
 * trust anchor; read them and their chains; hand out signers. Private keys are sealed by the
 * {@link KeyVault} and never leave this package.
 */
@Service
public class CaService {

    private static final int MAX_NAME = 100;

    private final CaRepository cas;
    private final PolicyRepository policies;
    private final KeyVault vault;
    private final AuditService audit;
    private final TrustIndex trust;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    /** Signers by tenant and CA: a CA id alone must never find another tenant's signer. */
    private final Map<SignerKey, CaSigner> signers = new ConcurrentHashMap<>();
    /**
     * Parsed chains by tenant and CA (the CA first, up to its root). A CA's certificate and parent never change
     * once recorded, so an issuance reads neither the CA rows nor their PEM again.
     */
    private final Map<SignerKey, List<X509Certificate>> chains = new ConcurrentHashMap<>();
    private final PlatformCa platformCa;
    private final CaSigners softwareSigners;

    private record SignerKey(UUID tenantId, UUID caId) {
    }

    CaService(CaRepository cas, PolicyRepository policies, KeyVault vault, AuditService audit, TrustIndex trust,
            Clock clock, ApplicationEventPublisher events, PlatformCa platformCa, CaSigners softwareSigners) {
        this.softwareSigners = softwareSigners;
        this.events = events;
        this.platformCa = platformCa;
        this.cas = cas;
        this.policies = policies;
        this.vault = vault;
        this.audit = audit;
        this.trust = trust;
        this.clock = clock;
    }

    /** Request to create a CA: a root when {@code parentId} is null, else an issuing CA under it. */
    public record NewCa(String name, UUID parentId, String keyAlgorithm, String commonName, Integer validityDays) {
    }

    @Transactional
    public CertificateAuthority create(Caller caller, NewCa in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations().required("name", in.name()).maxLength("name", in.name(), MAX_NAME);
        KeyAlgorithm alg = in.keyAlgorithm() == null ? KeyAlgorithm.EC_P256 : KeyAlgorithm.parse(in.keyAlgorithm());
        if (alg == null) {
            v.add("key_algorithm", "must be one of EC_P256, EC_P384, RSA_2048, RSA_3072");
        }
        int days = in.validityDays() == null ? (in.parentId() == null ? 7300 : 3650) : in.validityDays();
        if (days < 1 || days > 36500) {
            v.add("validity_days", "must be between 1 and 36500");
        }
        v.maxLength("common_name", in.commonName(), 64);
        v.throwIfAny();
        requireFreeName(tenantId, in.name());
        Instant now = Times.now(clock);
        Instant notAfter = now.plus(Duration.ofDays(days));
        KeyPair kp = alg.generate();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, in.commonName() == null ? in.name() : in.commonName())
                .addRDN(BCStyle.OU, "tenant " + tenantId).addRDN(BCStyle.O, "Fleetkeeper").build();
        X509Certificate cert;
        String kind;
        if (in.parentId() == null) {
            kind = "ROOT";
            try {
                cert = X509Factory.root(subject, kp.getPublic(),
                        new JcaContentSignerBuilder(alg.signatureAlgorithm()).build(kp.getPrivate()), now, notAfter);
            } catch (org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        } else {
            CaRow parent = row(tenantId, in.parentId());
            if (parent.encryptedKey() == null) {
                throw new ApiException(ErrorCode.VALIDATION_FAILED, "the parent CA has no private key",
                        List.of(new ApiException.FieldError("parent_id", "must be a CA with a private key")));
            }
            kind = "ISSUING";
            Instant clamped = notAfter.isAfter(parent.notAfter()) ? parent.notAfter() : notAfter;
            cert = X509Factory.intermediate(signer(tenantId, parent.id()), subject, kp.getPublic(), now, clamped, 0);
        }
        UUID id = Ids.newId(clock);
        CaRow row = new CaRow(tenantId, id, in.name(), kind, in.parentId(), cert.getSubjectX500Principal().getName(),
                alg.name(), Pem.write(cert), vault.seal(kp.getPrivate(), id.toString()), Pem.fingerprint(cert),
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), "ACTIVE", 0);
        cas.insert(row, now.toEpochMilli());
        if (kind.equals("ISSUING")) {
            makeDefaultIfNone(tenantId, id);
        }
        audit.record(tenantId, caller, "ca.create", "certificate_authority", id.toString(),
                "{\"kind\":\"" + kind + "\"}");
        trustChanged(tenantId, id);
        return view(tenantId, row);
    }

    /** Imports an existing CA: its certificate (a chain may follow it) and its private key. */
    @Transactional
    public CertificateAuthority importCa(Caller caller, String name, String certificatePem,
            String privateKeyPem) {
        UUID tenantId = caller.tenantId();
        new Violations().required("name", name).maxLength("name", name, MAX_NAME)
                .required("certificate_pem", certificatePem).required("private_key_pem", privateKeyPem).throwIfAny();
        X509Certificate cert = Pem.certificates(certificatePem, "certificate_pem").get(0);
        requireCa(cert);
        PrivateKey key = Pem.privateKey(privateKeyPem, "private_key_pem");
        if (!keyMatches(cert, key)) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "private key does not belong to the certificate",
                    List.of(new ApiException.FieldError("private_key_pem", "does not match certificate_pem")));
        }
        requireFreeName(tenantId, name);
        UUID id = Ids.newId(clock);
        CaRow row = new CaRow(tenantId, id, name, "IMPORTED", null, cert.getSubjectX500Principal().getName(),
                keyName(cert), Pem.write(cert), vault.seal(key, id.toString()), Pem.fingerprint(cert),
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), "ACTIVE", 0);
        cas.insert(row, clock.millis());
        makeDefaultIfNone(tenantId, id);
        audit.record(tenantId, caller, "ca.import", "certificate_authority", id.toString(), null);
        trustChanged(tenantId, id);
        return view(tenantId, row);
    }

    /**
     * Registers a CA certificate without a key, e.g. a manufacturer's factory root or intermediate. A CA that
     * Fleetkeeper manages (the platform CA, or a root, issuing or imported CA of any tenant, or a CA issued by
     * one of them) is refused: its certificates are operational ones, never factory certificates, and another
     * tenant's CA must not vouch for devices here.
     */
    @Transactional
    public CertificateAuthority registerTrustAnchor(Caller caller, String name,
            String certificatePem) {
        UUID tenantId = caller.tenantId();
        new Violations().required("name", name).maxLength("name", name, MAX_NAME)
                .required("certificate_pem", certificatePem).throwIfAny();
        X509Certificate cert = Pem.certificates(certificatePem, "certificate_pem").get(0);
        requireCa(cert);
        // Rebuilt first, so a CA that another node created a moment ago is known here too.
        trust.invalidate();
        if (trust.isManagedCa(cert) || isPlatformCa(cert)) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "this is a CA that Fleetkeeper manages, or one "
                    + "it issued; it cannot be a trust anchor",
                    List.of(new ApiException.FieldError("certificate_pem",
                            "must not be a CA managed by Fleetkeeper or chain to one")));
        }
        requireFreeName(tenantId, name);
        UUID id = Ids.newId(clock);
        CaRow row = new CaRow(tenantId, id, name, "TRUST_ANCHOR", null, cert.getSubjectX500Principal().getName(),
                keyName(cert), Pem.write(cert), null, Pem.fingerprint(cert), cert.getNotBefore().toInstant(),
                cert.getNotAfter().toInstant(), "ACTIVE", 0);
        cas.insert(row, clock.millis());
        audit.record(tenantId, caller, "ca.trust_anchor", "certificate_authority", id.toString(), null);
        trustChanged(tenantId, id);
        return view(tenantId, row);
    }

    private boolean isPlatformCa(X509Certificate cert) {
        X509Certificate platform = platformCa.certificate();
        return platform.getPublicKey().equals(cert.getPublicKey())
                || TrustIndex.signedBy(cert, platform);
    }

    /** After commit: this node rebuilds its trust index now, other nodes when told ({@link CaChanged}). */
    private void trustChanged(UUID tenantId, UUID caId) {
        var changed = new CaChanged(tenantId, caId);
        AfterCommit.run(() -> {
            trust.invalidate();
            events.publishEvent(changed);
        });
    }

    public List<CertificateAuthority> list(UUID tenantId) {
        UUID def = policies.get(tenantId).defaultCaId();
        return cas.list(tenantId).stream().map(r -> view(r, def)).toList();
    }

    public Page<CertificateAuthority> page(UUID tenantId, String cursor, int limit) {
        UUID def = policies.get(tenantId).defaultCaId();
        return Page.afterId("ca", cursor, limit, (after, fetch) -> cas.page(tenantId, after, fetch), CaRow::id)
                .map(r -> view(r, def));
    }

    public CertificateAuthority get(UUID tenantId, UUID id) {
        return view(tenantId, row(tenantId, id));
    }

    /** The CA's certificate followed by its parents up to the root (unmodifiable). */
    public List<X509Certificate> chain(UUID tenantId, UUID id) {
        SignerKey cacheKey = new SignerKey(tenantId, id);
        List<X509Certificate> cached = chains.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        List<X509Certificate> chain = new ArrayList<>();
        CaRow r = row(tenantId, id);
        boolean complete = true;
        while (r != null && chain.size() < 8) {
            chain.add(Pem.certificates(r.certificatePem(), "certificate").get(0));
            UUID parent = r.parentId();
            r = parent == null ? null : cas.find(tenantId, parent).orElse(null);
            complete = parent == null || r != null;
        }
        List<X509Certificate> result = List.copyOf(chain);
        if (complete) {
            // Kept once the rows read are known to be committed (a CA created in a transaction that rolls back
            // is never remembered).
            AfterCommit.run(() -> chains.put(cacheKey, result));
        }
        return result;
    }

    /** The signer of an issuing CA of this tenant; 404 when there is none. */
    public CaSigner signer(UUID tenantId, UUID caId) {
        SignerKey cacheKey = new SignerKey(tenantId, caId);
        CaSigner s = signers.get(cacheKey);
        if (s != null) {
            return s;
        }
        CaRow r = row(tenantId, caId);
        if (r.encryptedKey() == null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "this CA has no private key and cannot sign");
        }
        X509Certificate cert = Pem.certificates(r.certificatePem(), "certificate").get(0);
        PrivateKey key = vault.open(r.encryptedKey(), r.id().toString(), cert.getPublicKey().getAlgorithm());
        s = softwareSigners.of(cert, key);
        signers.put(cacheKey, s);
        return s;
    }

    public TrustIndex trust() {
        return trust;
    }

    /** The CA that issues device certificates for this tenant: {@code requested}, or the default. */
    public CertificateAuthority issuingCa(UUID tenantId, UUID requested) {
        return issuingCa(tenantId, requested, policies.get(tenantId));
    }

    /** As {@link #issuingCa(UUID, UUID)}, with the tenant's policy already read in this transaction. */
    CertificateAuthority issuingCa(UUID tenantId, UUID requested, PkiPolicy policy) {
        UUID id = requested != null ? requested : policy.defaultCaId();
        if (id == null) {
            throw new ApiException(ErrorCode.CONFLICT, "the tenant has no issuing CA yet; create one under "
                    + "/api/v1/pki/cas");
        }
        CertificateAuthority ca = view(row(tenantId, id), policy.defaultCaId());
        if (!ca.canIssue()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "CA '" + ca.name() + "' cannot issue device "
                    + "certificates (it is a root or has no key)");
        }
        return ca;
    }

    private void makeDefaultIfNone(UUID tenantId, UUID id) {
        PkiPolicy p = policies.get(tenantId);
        if (p.defaultCaId() == null) {
            policies.put(tenantId, p.withDefaultCa(id));
        }
    }

    CaRow row(UUID tenantId, UUID id) {
        return cas.find(tenantId, id).orElseThrow(() -> ApiException.notFound("certificate authority"));
    }

    private CertificateAuthority view(UUID tenantId, CaRow r) {
        return view(r, policies.get(tenantId).defaultCaId());
    }

    private static CertificateAuthority view(CaRow r, UUID defaultCa) {
        return new CertificateAuthority(r.id(), r.name(), r.kind(), r.parentId(), r.subject(), r.keyAlgorithm(),
                r.fingerprint(), r.notBefore(), r.notAfter(), r.status(), r.encryptedKey() != null,
                r.id().equals(defaultCa), r.certificatePem());
    }

    private void requireFreeName(UUID tenantId, String name) {
        if (cas.nameTaken(tenantId, name)) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "a CA named '" + name + "' exists");
        }
    }

    private void requireCa(X509Certificate cert) {
        if (cert.getBasicConstraints() < 0) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "certificate is not a CA certificate",
                    List.of(new ApiException.FieldError("certificate_pem", "must have basicConstraints CA:TRUE")));
        }
        boolean[] usage = cert.getKeyUsage();
        if (usage != null && (usage.length <= 5 || !usage[5])) {
            // RFC 5280 4.2.1.3: a key usage without keyCertSign forbids verifying certificate signatures with it.
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "certificate's key usage does not allow signing "
                    + "certificates", List.of(new ApiException.FieldError("certificate_pem",
                            "must allow keyCertSign when it has a key usage extension")));
        }
        if (cert.getNotAfter().toInstant().isBefore(clock.instant())) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "certificate has expired",
                    List.of(new ApiException.FieldError("certificate_pem", "has expired")));
        }
    }

    private static String keyName(X509Certificate cert) {
        return cert.getPublicKey().getAlgorithm();
    }

    private static boolean keyMatches(X509Certificate cert, PrivateKey key) {
        try {
            byte[] probe = "fleetkeeper-key-check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            java.security.Signature verify = java.security.Signature.getInstance(alg);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(sig);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }
}

package io.fleetkeeper.pki;

import io.fleetkeeper.pki.internal.CaRepository;
import io.fleetkeeper.pki.internal.CaRepository.CaRow;
import io.fleetkeeper.pki.internal.SignatureVerifiers;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.security.auth.x500.X500Principal;
import org.springframework.stereotype.Component;

/**
 * Every tenant's CA certificates, held in memory and indexed by subject, so a client certificate chain
 * is validated and its tenant resolved without touching the database. Rebuilt after any CA change on
 * this node, and at least every minute to pick up changes made on other nodes.
 */
@Component
public class TrustIndex {

    /** A CA certificate and the tenant it belongs to. */
    public record Anchor(UUID tenantId, UUID caId, String kind, X509Certificate certificate) {
    }

    /** A validated chain: the tenant, the CA that issued the leaf, and the leaf. */
    public record Verified(UUID tenantId, UUID issuerCaId, String issuerKind, X509Certificate leaf) {
    }

    private static final long REFRESH_MS = 60_000;
    /** How long a handshake's check of a leaf stands in for the same check by the store path (see {@link #handshake}). */
    static final long HANDSHAKE_REUSE_MS = 10_000;
    private static final int HANDSHAKE_SLOTS = 1024;
    private static final int MAX_PRESENTED = 5;
    private static final String NAME_CONSTRAINTS = "2.5.29.30";
    private static final ThreadLocal<CertificateFactory> FACTORY = ThreadLocal.withInitial(() -> {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<CertPathValidator> VALIDATOR = ThreadLocal.withInitial(() -> {
        try {
            return CertPathValidator.getInstance("PKIX");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private final CaRepository cas;
    private final SignatureVerifiers verifiers;
    private final Clock clock;
    private volatile Map<X500Principal, List<Anchor>> bySubject;
    /**
     * Per issuing CA of the current index: whether its own chain up to its root validates now and carries no
     * name constraints, so a leaf needs checking against that CA alone. Rebuilt with the index.
     */
    private volatile Map<UUID, Boolean> issuerChains = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long builtAt;
    /**
     * The last handshake checks that held, by leaf fingerprint (one slot per hash, newest wins): what the store path
     * asks right after the handshake of a first-seen certificate. Bounded: ~150 KB when full, whatever the
     * connections.
     */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Checked> handshakes =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(HANDSHAKE_SLOTS);

    /** A chain check that held: for the leaf of {@code fingerprint}, at {@code at}, in index {@code generation}. */
    private record Checked(String fingerprint, UUID tenantId, UUID issuerCaId, String issuerKind, long at,
            Object generation) {
    }

    TrustIndex(CaRepository cas, SignatureVerifiers verifiers, Clock clock) {
        this.cas = cas;
        this.verifiers = verifiers;
        this.clock = clock;
    }

    public void invalidate() {
        bySubject = null;
        issuerChains = new java.util.concurrent.ConcurrentHashMap<>(); // also ends every remembered handshake check
    }

    public List<Anchor> bySubject(X500Principal subject) {
        return index().getOrDefault(subject, List.of());
    }

    /**
     * Validates a presented chain (leaf first) against the CAs it names as issuer. Revocation is not
     * checked here; callers check the leaf's recorded status. Empty when no tenant CA vouches for it.
     */
    public Optional<Verified> verify(X509Certificate[] chain) {
        return verify(chain, null);
    }

    /**
     * As {@link #verify(X509Certificate[])}, for a TLS handshake: a check that holds is remembered for
     * {@link #HANDSHAKE_REUSE_MS}, so the store path's {@link #verify(X509Certificate[], UUID)} of the same leaf in the
     * same tenant right after it (a first-seen certificate) does not verify its signature a second time. Nothing is
     * remembered across a change of the index ({@link #invalidate()}, a rebuild).
     */
    public Optional<Verified> handshake(X509Certificate[] chain) {
        Object generation = issuerChains;
        Optional<Verified> v = verify(chain);
        if (v.isPresent()) {
            String fingerprint = Pem.fingerprint(chain[0]);
            Verified r = v.get();
            handshakes.set(slot(fingerprint), new Checked(fingerprint, r.tenantId(), r.issuerCaId(), r.issuerKind(),
                    clock.millis(), generation));
        }
        return v;
    }

    /**
     * As {@link #verify(X509Certificate[])}, considering only the CAs of {@code tenantId} (null: any). A handshake's
     * check of the same leaf in that tenant, made in the last {@link #HANDSHAKE_REUSE_MS} on the current index, is
     * the answer.
     */
    public Optional<Verified> verify(X509Certificate[] chain, UUID tenantId) {
        return verifyIn(chain, tenantId, tenantId != null ? Pem.leafFingerprint(chain) : null);
    }

    /**
     * As {@link #verify(X509Certificate[], UUID)}, for a caller that has the leaf's SHA-256 fingerprint
     * ({@link Pem#fingerprint}) already: {@code fingerprint} must be that of {@code chain[0]}.
     */
    public Optional<Verified> verifyIn(X509Certificate[] chain, UUID tenantId, String fingerprint) {
        if (tenantId != null && chain != null && chain.length > 0 && fingerprint != null) {
            Checked c = handshakes.get(slot(fingerprint));
            long age = c == null ? -1 : clock.millis() - c.at();
            if (c != null && c.generation() == issuerChains && age >= 0 && age < HANDSHAKE_REUSE_MS
                    && c.tenantId().equals(tenantId) && c.fingerprint().equals(fingerprint)) {
                return Optional.of(new Verified(c.tenantId(), c.issuerCaId(), c.issuerKind(), chain[0]));
            }
        }
        return verify(chain, tenantId, null);
    }

    private static int slot(String fingerprint) {
        return fingerprint.hashCode() & (HANDSHAKE_SLOTS - 1);
    }

    /** Validates against issuers of {@code kind} only (e.g. TRUST_ANCHOR for factory certificates). */
    public Optional<Verified> verify(X509Certificate[] chain, UUID tenantId, String kind) {
        return verify(chain, tenantId, kind, null);
    }

    /**
     * As {@link #verify(X509Certificate[], UUID)}, with the chain's validity checked at {@code validationTime}
     * instead of now (renewing an expired certificate validates it as of a moment it was valid). The CA that
     * issued the leaf must still be valid now.
     */
    public Optional<Verified> verifyAt(X509Certificate[] chain, UUID tenantId, java.time.Instant validationTime) {
        return verify(chain, tenantId, null, Date.from(validationTime));
    }

    private Optional<Verified> verify(X509Certificate[] chain, UUID tenantId, String kind, Date at) {
        if (chain == null || chain.length == 0) {
            return Optional.empty();
        }
        X509Certificate leaf = chain[0];
        List<Anchor> issuers = bySubject(leaf.getIssuerX500Principal());
        for (Anchor issuer : issuers) {
            if ((tenantId != null && !tenantId.equals(issuer.tenantId()))
                    || (kind != null && !kind.equals(issuer.kind()))) {
                continue;
            }
            Optional<Verified> v = validate(List.of(leaf), issuer, at);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /**
     * Every registered CA of {@code kind} that validates the chain, in any tenant: several tenants may
     * trust the same CA (a manufacturer's factory root), and then each of them vouches for it. Unlike
     * {@link #verify}, the intermediates the client presented count (up to the first self-signed one,
     * which is never trusted for being presented), so registering a manufacturer's root is enough for
     * devices whose certificates come from its intermediates.
     */
    public List<Verified> verifyAll(X509Certificate[] chain, String kind) {
        List<Verified> all = new ArrayList<>();
        List<X509Certificate> presented = new ArrayList<>();
        for (int i = 0; chain != null && i < Math.min(chain.length, MAX_PRESENTED); i++) {
            X509Certificate c = chain[i];
            if (i > 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                break;
            }
            presented.add(c);
            List<X509Certificate> path = List.copyOf(presented);
            bySubject(c.getIssuerX500Principal()).stream().filter(a -> kind == null || kind.equals(a.kind()))
                    .forEach(a -> validate(path, a, null).ifPresent(all::add));
        }
        return all;
    }

    /**
     * Whether {@code ca} is a CA that Fleetkeeper manages in any tenant (a created root or issuing CA, or an
     * imported one: anything but a trust anchor), as the same certificate or the same subject and key, or
     * is issued by one.
     */
    public boolean isManagedCa(X509Certificate ca) {
        return managed(bySubject(ca.getSubjectX500Principal())).anyMatch(a -> a.certificate().getPublicKey()
                .equals(ca.getPublicKey())) || issuedByManagedCa(ca);
    }

    /**
     * Whether a presented chain (leaf first) contains a certificate issued by a CA that Fleetkeeper manages in
     * any tenant: such a certificate is an operational one, never a factory certificate. Checks signatures
     * only, so an expired or not yet valid certificate counts too.
     */
    public boolean issuedByManagedCa(X509Certificate[] chain) {
        for (int i = 0; chain != null && i < Math.min(chain.length, MAX_PRESENTED); i++) {
            if (issuedByManagedCa(chain[i]) || (i > 0 && isManagedCa(chain[i]))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a CA that a tenant other than {@code tenantId} manages issued the leaf: such a certificate belongs
     * to that tenant alone, whatever trust anchors {@code tenantId} registered.
     */
    public boolean issuedByAnotherTenantsCa(X509Certificate leaf, UUID tenantId) {
        return managed(bySubject(leaf.getIssuerX500Principal())).anyMatch(a -> !a.tenantId().equals(tenantId)
                && signedBy(leaf, a.certificate()));
    }

    private boolean issuedByManagedCa(X509Certificate cert) {
        return managed(bySubject(cert.getIssuerX500Principal())).anyMatch(a -> signedBy(cert, a.certificate()));
    }

    private static java.util.stream.Stream<Anchor> managed(List<Anchor> anchors) {
        return anchors.stream().filter(a -> !"TRUST_ANCHOR".equals(a.kind()));
    }

    /** Whether {@code issuer}'s key signed {@code cert} (names and validity are not checked). */
    public static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Validates {@code presented} (leaf first, each issued by the next) up through {@code issuer}, at {@code at}
     * (null: now); the issuer itself must be valid now either way.
     */
    private Optional<Verified> validate(List<X509Certificate> presented, Anchor issuer, Date at) {
        if (presented.size() == 1 && issuerChainHolds(issuer)) {
            // The device hot path: one signature (the leaf's, by its issuing CA) instead of the whole chain.
            return check(presented, Set.of(new TrustAnchor(issuer.certificate(), null)), issuer, at);
        }
        if (at != null && !validNow(issuer.certificate())) {
            return Optional.empty();
        }
        return validateFully(presented, issuer, at);
    }

    private boolean validNow(X509Certificate ca) {
        try {
            ca.checkValidity(Date.from(clock.instant()));
            return true;
        } catch (java.security.cert.CertificateException e) {
            return false;
        }
    }

    private boolean issuerChainHolds(Anchor issuer) {
        Map<UUID, Boolean> memo = issuerChains;
        Boolean holds = memo.get(issuer.caId());
        if (holds == null) {
            holds = chainOfCaHolds(issuer);
            memo.put(issuer.caId(), holds);
        }
        return holds;
    }

    /** The CA's own chain up to its tenant's root validates now, and nothing on it constrains names. */
    private boolean chainOfCaHolds(Anchor ca) {
        X509Certificate c = ca.certificate();
        Anchor current = ca;
        for (int depth = 0; depth <= 6; depth++) {
            X509Certificate cert = current.certificate();
            if (cert.getExtensionValue(NAME_CONSTRAINTS) != null) {
                return false;
            }
            if (cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                break;
            }
            current = sameTenant(cert.getIssuerX500Principal(), current.tenantId());
            if (current == null) {
                // The top registered CA is trusted as an anchor as it is.
                break;
            }
        }
        if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
            return true;
        }
        Anchor parent = sameTenant(c.getIssuerX500Principal(), ca.tenantId());
        return parent == null || validateFully(List.of(c), parent, null).isPresent();
    }

    private Optional<Verified> check(List<X509Certificate> path, Set<TrustAnchor> anchors, Anchor issuer,
            Date at) {
        if (!validNow(issuer.certificate())) {
            return Optional.empty();
        }
        return pkix(path, anchors, issuer, at);
    }

    private Optional<Verified> pkix(List<X509Certificate> path, Set<TrustAnchor> anchors, Anchor issuer, Date at) {
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setSigProvider(verifiers.pathProvider(path)); // natively where it can (the CA key kept parsed)
            params.setDate(at != null ? at : Date.from(clock.instant()));
            CertPath certPath = FACTORY.get().generateCertPath(path);
            VALIDATOR.get().validate(certPath, params);
            return Optional.of(new Verified(issuer.tenantId(), issuer.caId(), issuer.kind(), path.get(0)));
        } catch (java.security.GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private Optional<Verified> validateFully(List<X509Certificate> presented, Anchor issuer, Date at) {
        List<X509Certificate> path = new ArrayList<>(presented);
        Set<TrustAnchor> anchors = new HashSet<>();
        // Walk up through this tenant's CAs to a self-signed root or to the top registered CA.
        Anchor current = issuer;
        int depth = 0;
        while (true) {
            X509Certificate c = current.certificate();
            boolean selfSigned = c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
            Anchor parent = selfSigned ? null : sameTenant(c.getIssuerX500Principal(), current.tenantId());
            if (parent == null || ++depth > 6) {
                anchors.add(new TrustAnchor(c, null));
                break;
            }
            path.add(c);
            current = parent;
        }
        return pkix(path, anchors, issuer, at);
    }

    private Anchor sameTenant(X500Principal subject, UUID tenantId) {
        return bySubject(subject).stream().filter(a -> a.tenantId().equals(tenantId)).findFirst().orElse(null);
    }

    private Map<X500Principal, List<Anchor>> index() {
        Map<X500Principal, List<Anchor>> idx = bySubject;
        long now = clock.millis();
        if (idx != null && now - builtAt < REFRESH_MS) {
            return idx;
        }
        Map<X500Principal, List<Anchor>> built = new HashMap<>();
        for (CaRow r : cas.all()) {
            X509Certificate c = Pem.certificates(r.certificatePem(), "certificate").get(0);
            built.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(new Anchor(r.tenantId(), r.id(), r.kind(), c));
        }
        issuerChains = new java.util.concurrent.ConcurrentHashMap<>();
        bySubject = built;
        builtAt = now;
        return built;
    }
}

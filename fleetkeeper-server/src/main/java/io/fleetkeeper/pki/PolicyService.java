package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads and changes a tenant's PKI policy (windows, overlap, validity, default CA, expired-renewal grace, automatic rotation). */
@Service
public class PolicyService {

    private final PolicyRepository policies;
    private final CaService cas;
    private final AuditService audit;
    private final CodeSigningService signing;

    PolicyService(PolicyRepository policies, CaService cas, AuditService audit, CodeSigningService signing) {
        this.policies = policies;
        this.cas = cas;
        this.audit = audit;
        this.signing = signing;
    }

    public PkiPolicy get(UUID tenantId) {
        return policies.get(tenantId);
    }

    @Transactional
    public PkiPolicy update(Caller caller, PkiPolicy in, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        PkiPolicy cur = policies.get(tenantId);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "policy has changed (version " + cur.version() + ")");
        }
        Violations v = new Violations();
        if (in.renewalWindowDays() < 1 || in.renewalWindowDays() > 3650) {
            v.add("renewal_window_days", "must be between 1 and 3650");
        }
        if (in.criticalWindowDays() < 1 || in.criticalWindowDays() > in.renewalWindowDays()) {
            v.add("critical_window_days", "must be between 1 and renewal_window_days");
        }
        if (in.overlapHours() < 0 || in.overlapHours() > 24 * 90) {
            v.add("overlap_hours", "must be between 0 and 2160");
        }
        if (in.deviceValidityDays() < 1 || in.deviceValidityDays() > 3650 * 3) {
            v.add("device_validity_days", "must be between 1 and 10950");
        }
        if (in.expiredRenewalGraceDays() < 0 || in.expiredRenewalGraceDays() > 365) {
            v.add("expired_renewal_grace_days", "must be between 0 (off) and 365");
        }
        String rotationKey = in.rotationKey() == null ? cur.rotationKey() : in.rotationKey();
        if (!rotationKey.equals(PkiPolicy.SAME_KEY) && !rotationKey.equals(PkiPolicy.SERVER_KEY)) {
            v.add("rotation_key", "must be SAME_KEY or SERVER_KEY");
        }
        v.throwIfAny();
        if (in.defaultCaId() != null) {
            cas.issuingCa(tenantId, in.defaultCaId());
        }
        PkiPolicy next = new PkiPolicy(in.renewalWindowDays(), in.criticalWindowDays(), in.overlapHours(),
                in.deviceValidityDays(), in.defaultCaId() != null ? in.defaultCaId() : cur.defaultCaId(),
                in.expiredRenewalGraceDays(), in.autoRotate(), rotationKey, cur.version() + 1);
        policies.put(tenantId, next);
        if (next.defaultCaId() != null && !next.defaultCaId().equals(cur.defaultCaId())) {
            signing.defaultCaChanged(caller, next.defaultCaId()); // the old CA's code-signing key is revoked now
        }
        audit.record(tenantId, caller, "pki_policy.update", "pki_policy", tenantId.toString(), null);
        return next;
    }
}

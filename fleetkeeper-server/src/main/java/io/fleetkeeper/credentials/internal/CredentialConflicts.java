package io.fleetkeeper.credentials.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.TenantCertificate;
import io.fleetkeeper.tenancy.Caller;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Tells every tenant concerned that a credential is bound in more than one tenant and was refused: an audit
 * entry and a {@code CREDENTIAL-CONFLICT} event on each device holding it. Reported once an hour per
 * credential and node, so a device retrying in a loop cannot flood the histories.
 */
@Component
class CredentialConflicts {

    static final String EVENT = "CREDENTIAL-CONFLICT";
    private static final Logger log = LoggerFactory.getLogger(CredentialConflicts.class);

    private final DeviceService devices;
    private final AuditService audit;
    private final Cache<String, Boolean> reported = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(1)).build();

    CredentialConflicts(DeviceService devices, AuditService audit) {
        this.devices = devices;
        this.audit = audit;
    }

    void report(String fingerprint, List<TenantCertificate> bound) {
        if (reported.asMap().putIfAbsent(fingerprint, Boolean.TRUE) != null) {
            return;
        }
        log.warn("refused a client certificate bound in {} tenants (fingerprint {})", bound.size(), fingerprint);
        String details = "{\"fingerprint\":\"" + fingerprint + "\",\"tenants\":" + bound.size()
                + ",\"reason\":\"the certificate is bound to devices of more than one tenant\"}";
        for (TenantCertificate r : bound) {
            try {
                devices.recordEvent(r.tenantId(), r.certificate().deviceId(), EVENT, "system", details);
                audit.record(r.tenantId(), Caller.system(r.tenantId()), "device.credential_conflict", "certificate",
                        r.certificate().id().toString(), details);
            } catch (RuntimeException e) {
                log.warn("cannot record a credential conflict in tenant {}: {}", r.tenantId(), e.getMessage());
            }
        }
    }
}

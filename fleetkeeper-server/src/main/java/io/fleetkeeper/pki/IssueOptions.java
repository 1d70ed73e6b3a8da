package io.fleetkeeper.pki;

import jakarta.annotation.Nullable;
import java.util.List;

/**
 * How an operator wants a device certificate issued: its {@link CertificateProfile} (default {@code client}) and,
 * for {@code tls-server} only, the DNS names and IP addresses its subject alternative names carry.
 */
public record IssueOptions(@Nullable CertificateProfile profile, @Nullable List<String> dnsNames,
        @Nullable List<String> ipAddresses) {

    public static final IssueOptions CLIENT = new IssueOptions(CertificateProfile.CLIENT, List.of(), List.of());
}

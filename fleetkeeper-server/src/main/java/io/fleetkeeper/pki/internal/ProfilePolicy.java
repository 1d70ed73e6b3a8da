package io.fleetkeeper.pki.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.CertificateProfile;
import io.fleetkeeper.pki.IssueOptions;
import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * Which profile a slot may hold and which subject alternative names a profile may carry: the identity slot holds
 * client certificates only; DNS names and IP addresses only in {@code tls-server} certificates, which need at least
 * one. The device's {@code urn:fleetkeeper:device:<id>} name is in every profile.
 */
public final class ProfilePolicy {

    /** Most DNS names plus IP addresses one certificate carries. */
    static final int MAX_NAMES = 20;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    /** A checked profile with the extra subject alternative names it carries. */
    public record Checked(CertificateProfile profile, List<GeneralName> names) {
    }

    private ProfilePolicy() {
    }

    public static Checked check(IssueOptions in, String slot, String identitySlot) {
        CertificateProfile profile = in.profile() == null ? CertificateProfile.CLIENT : in.profile();
        List<String> dns = in.dnsNames() == null ? List.of() : in.dnsNames();
        List<String> ips = in.ipAddresses() == null ? List.of() : in.ipAddresses();
        if (profile != CertificateProfile.CLIENT && slot.equals(identitySlot)) {
            throw invalid("slot", "the identity slot holds client certificates; name another slot for "
                    + profile.wire());
        }
        if (profile != CertificateProfile.TLS_SERVER) {
            if (!dns.isEmpty() || !ips.isEmpty()) {
                throw invalid(dns.isEmpty() ? "ip_addresses" : "dns_names", "only a tls-server certificate carries "
                        + "DNS names and IP addresses");
            }
            return new Checked(profile, List.of());
        }
        if (dns.isEmpty() && ips.isEmpty()) {
            throw invalid("dns_names", "a tls-server certificate needs at least one DNS name or IP address");
        }
        if (dns.size() + ips.size() > MAX_NAMES) {
            throw invalid("dns_names", "at most " + MAX_NAMES + " DNS names and IP addresses together");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String name : dns) {
            if (!dnsName(name)) {
                throw invalid("dns_names", "'" + name + "' is not a DNS name (letters, digits, hyphens; lower case; "
                        + "no wildcard)");
            }
            names.add(new GeneralName(GeneralName.dNSName, name));
        }
        for (String ip : ips) {
            try {
                names.add(new GeneralName(GeneralName.iPAddress, InetAddress.ofLiteral(ip).getHostAddress()));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw invalid("ip_addresses", "'" + ip + "' is not an IPv4 or IPv6 address");
            }
        }
        return new Checked(profile, names);
    }

    /** The profile and DNS and IP names of an issued certificate, so that a renewal keeps them. */
    public static Checked of(X509Certificate x) {
        List<GeneralName> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = x.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int tag = (Integer) san.get(0);
                    if (tag == GeneralName.dNSName || tag == GeneralName.iPAddress) {
                        names.add(new GeneralName(tag, (String) san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalStateException("cannot read a recorded certificate's names", e);
        }
        return new Checked(CertificateProfile.of(x), names);
    }

    private static boolean dnsName(String name) {
        if (name == null || name.isEmpty() || name.length() > 253 || name.endsWith(".")) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + ": " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}

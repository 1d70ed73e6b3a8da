package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.KeyAlgorithm;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.provisioning.BootstrapService.Bootstrapped;
import io.fleetkeeper.provisioning.BootstrapService.Overrides;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/devices/provision} (seed 004): a device provisioned on its behalf by an operator with its
 * factory certificate and serial, under the zero-touch bootstrap's rules ({@link BootstrapService#provision}).
 * The operational key is the device's (a CSR) or generated here ({@code server_keygen}), in which case the
 * private key is in this answer only: it is neither stored nor logged.
 */
@Service
public class ProvisionService {

    /** The type of the keys generated for devices, as EST {@code serverkeygen} generates them. */
    static final KeyAlgorithm SERVER_KEY = KeyAlgorithm.EC_P256;

    /** What the caller sends: the factory certificate (PEM, leaf first), the serial, a CSR or server keygen. */
    public record Request(String factoryCertificate, String serial, @Nullable String csr,
            @Nullable Boolean serverKeygen, @Nullable String deviceType, @Nullable String name,
            @Nullable Map<String, Object> metadata) {
    }

    /** The device and its certificate; the private key only when generated here; the tenant's configuration. */
    public record Provisioned(Bootstrapped bootstrapped, @Nullable PrivateKey privateKey,
            @Nullable JsonNode bootstrapConfiguration) {

        @Override
        public String toString() {
            return "Provisioned[device=" + bootstrapped.device().id() + "]";
        }
    }

    private final BootstrapService bootstrap;
    private final CertificateService certificates;
    private final BootstrapConfigurationService configurations;

    ProvisionService(BootstrapService bootstrap, CertificateService certificates,
            BootstrapConfigurationService configurations) {
        this.bootstrap = bootstrap;
        this.certificates = certificates;
        this.configurations = configurations;
    }

    public Provisioned provision(Caller caller, Request in, String remoteAddr) {
        if (in.factoryCertificate() == null || in.factoryCertificate().isBlank()) {
            throw invalid("factory_certificate", "is required (PEM, the device's certificate first)");
        }
        boolean keygen = Boolean.TRUE.equals(in.serverKeygen());
        boolean csr = in.csr() != null && !in.csr().isBlank();
        if (keygen == csr) {
            throw invalid(keygen ? "server_keygen" : "csr", "send either csr (PEM PKCS#10) or server_keygen: true");
        }
        List<X509Certificate> chain = Pem.certificates(in.factoryCertificate(), "factory_certificate");
        KeyPair generated = keygen ? SERVER_KEY.generate() : null;
        PublicKey key = keygen ? generated.getPublic() : certificates.verifyCsr(Pem.csr(in.csr(), "csr"));
        Bootstrapped b = bootstrap.provision(caller, chain.toArray(X509Certificate[]::new), in.serial(), key,
                new Overrides(in.name(), in.deviceType(), in.metadata()), remoteAddr);
        return new Provisioned(b, keygen ? generated.getPrivate() : null,
                configurations.forDevice(b.tenantId(), b.device()));
    }

    private static ApiException invalid(String field, String why) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + why,
                List.of(new ApiException.FieldError(field, why)));
    }
}

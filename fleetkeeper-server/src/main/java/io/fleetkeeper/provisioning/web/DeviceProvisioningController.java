package io.fleetkeeper.provisioning.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.provisioning.BootstrapConfigurationService;
import io.fleetkeeper.provisioning.BootstrapService;
import io.fleetkeeper.provisioning.ClaimService;
import io.fleetkeeper.provisioning.ClaimService.ClaimRequest;
import io.fleetkeeper.provisioning.ClaimService.Claimed;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.DeviceKeyService;
import io.fleetkeeper.provisioning.RegistrationService;
import io.fleetkeeper.provisioning.RegistrationService.Registered;
import io.fleetkeeper.provisioning.RegistrationService.Registration;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import jakarta.annotation.Nullable;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** How devices join and keep their key: registration, claims, device-key rotation. */
@RestController
class DeviceProvisioningController {

    record ClaimBody(String csr, String name, String serial, Map<String, String> metadata) {
    }

    record ClaimedView(UUID deviceId, UUID tenantId, String certificatePem, String chainPem,
            @Nullable JsonNode bootstrapConfiguration) {
    }

    /** The new device, its key (shown once) and the tenant's bootstrap configuration for it. */
    record RegisteredView(UUID deviceId, String deviceKey, UUID tenantId, @Nullable JsonNode bootstrapConfiguration) {
    }

    record RotatedKey(UUID deviceId, String deviceKey) {
    }

    record BootstrapBody(String serial, String csr) {
    }

    record BootstrappedView(UUID deviceId, UUID tenantId, String status, boolean reprovisioned,
            String certificatePem, String chainPem, @Nullable JsonNode bootstrapConfiguration) {
    }

    private final RegistrationService registrations;
    private final ClaimService claims;
    private final DeviceKeyService deviceKeys;
    private final DeviceCredentials credentials;
    private final BootstrapService bootstrap;
    private final BootstrapConfigurationService configurations;

    DeviceProvisioningController(RegistrationService registrations, ClaimService claims,
            DeviceKeyService deviceKeys, DeviceCredentials credentials, BootstrapService bootstrap,
            BootstrapConfigurationService configurations) {
        this.configurations = configurations;
        this.credentials = credentials;
        this.registrations = registrations;
        this.claims = claims;
        this.deviceKeys = deviceKeys;
        this.bootstrap = bootstrap;
    }

    /** Seed 004 zero-touch: the factory certificate (TLS client certificate), the serial and a CSR. */
    @PostMapping("/device/v1/bootstrap")
    @ResponseStatus(HttpStatus.CREATED)
    BootstrappedView bootstrap(@RequestBody BootstrapBody body, HttpServletRequest request) {
        if (body.csr() == null || body.csr().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "csr is required",
                    List.of(new ApiException.FieldError("csr", "is required (PEM PKCS#10)")));
        }
        var chain = (java.security.cert.X509Certificate[]) request
                .getAttribute("jakarta.servlet.request.X509Certificate");
        BootstrapService.Bootstrapped b = bootstrap.bootstrap(chain, body.serial(), Pem.csr(body.csr(), "csr"),
                request.getRemoteAddr());
        return new BootstrappedView(b.device().id(), b.tenantId(), b.device().status().wire(), b.reprovisioned(),
                b.certificate().certificate().pem(), Pem.chain(b.certificate().chain()),
                configurations.forDevice(b.tenantId(), b.device()));
    }

    /** Seed 001: {@code X-Provisioning-Key} and the device's description → its id and key, shown once. */
    @PostMapping({"/device/v1/register", "/api/v1/devices/register"})
    @ResponseStatus(HttpStatus.CREATED)
    RegisteredView register(@RequestHeader(name = "X-Provisioning-Key", required = false) String key,
            @RequestBody Registration body, HttpServletRequest request) {
        Registered r = registrations.register(key, body, request.getRemoteAddr());
        return new RegisteredView(r.deviceId(), r.deviceKey(), r.tenantId(),
                configurations.forDevice(r.tenantId(), r.deviceId()));
    }

    /** Seed 004: {@code X-Claim-Token} and a CSR → a new device and its certificate with chain. */
    @PostMapping("/device/v1/claim")
    @ResponseStatus(HttpStatus.CREATED)
    ClaimedView claim(@RequestHeader(name = "X-Claim-Token", required = false) String token,
            @RequestBody ClaimBody body, HttpServletRequest request) {
        if (body.csr() == null || body.csr().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "csr is required",
                    List.of(new ApiException.FieldError("csr", "is required (PEM PKCS#10)")));
        }
        Claimed c = claims.claim(token, Pem.csr(body.csr(), "csr"), new ClaimRequest(body.name(), body.serial(),
                body.metadata()), request.getRemoteAddr());
        return new ClaimedView(c.device().id(), c.tenantId(), c.certificate().certificate().pem(),
                Pem.chain(c.certificate().chain()), configurations.forDevice(c.tenantId(), c.device()));
    }

    /** A device replaces its own key, authenticating with the current one. */
    @PostMapping("/device/v1/device-key/rotate")
    RotatedKey rotateOwnKey(@RequestHeader(name = "X-Device-Key", required = false) String key) {
        if (!(credentials.key(key) instanceof AuthenticatedDevice id)) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "device key is not valid");
        }
        Caller self = new Caller(id.tenantId(), "device:" + id.deviceId(), Role.OPERATOR);
        return new RotatedKey(id.deviceId(), deviceKeys.rotate(self, id.deviceId()));
    }
}

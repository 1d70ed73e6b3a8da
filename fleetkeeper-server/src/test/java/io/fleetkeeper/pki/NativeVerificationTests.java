package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.pki.internal.NativeSignatures;
import io.fleetkeeper.pki.internal.SignatureVerifiers;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.TestTenant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The running server verifies through libcrypto by default: a CSR issued over the management API and a client
 * certificate presented to the device listener are both checked there.
 */
class NativeVerificationTests extends ApiTest {

    @Autowired
    private SignatureVerifiers verifiers;
    @Autowired
    private DeviceListener listener;

    @Test
    void issuanceAndTheDeviceChainCheckVerifyNatively() throws Exception {
        NativeSignatures natives = NativeSignatures.load();
        if (natives == null) {
            System.out.println("SKIPPED: native verification in the server: libcrypto 3 cannot be loaded ("
                    + NativeSignatures.loadFailure() + ")");
        }
        assumeThat(natives).as("libcrypto 3 loads").isNotNull();
        assertThat(verifiers.isNative()).as("native by default").isTrue();
        MqttDevices devices = new MqttDevices(api);
        TestTenant tenant = newTenant();
        devices.cas(tenant);

        long before = natives.verifications();
        CertDevice d = devices.certDevice(tenant, "native-1");
        long issued = natives.verifications();
        assertThat(issued).as("the CSR's signature, checked natively").isGreaterThan(before);

        new DevicePort(api, listener.port(), d.key(), d.chain()).call("GET", "/device/v1/shadow", Map.of(), null)
                .expectProblem(404, "NOT_FOUND"); // authenticated: the device has no shadow yet
        assertThat(natives.verifications()).as("the client certificate's signature by its CA, checked natively")
                .isGreaterThan(issued);
    }
}

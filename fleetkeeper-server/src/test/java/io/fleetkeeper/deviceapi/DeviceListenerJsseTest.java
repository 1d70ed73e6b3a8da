package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.CommandLineTls;
import io.fleetkeeper.testing.CommandLineTls.Curl;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code fleetkeeper.device-api.tls-implementation=jsse} puts the device listener back on the JDK's TLS, even in a
 * process where OpenSSL is loaded, with the same behaviour: any client certificate passes the handshake, the
 * application authenticates it. A Spring context of its own (the setting is read at start).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.device-api.tls-implementation=jsse", "fleetkeeper.mqtt.port=-1",
        "fleetkeeper.jobs.runner-enabled=false", "fleetkeeper.auth.bootstrap-token=" + DeviceListenerJsseTest.TOKEN})
class DeviceListenerJsseTest {

    static final String TOKEN = "fk_jsse-test-platform-operator-0123456789abcdefgh";

    static {
        // OpenSSL loaded in the process, as after another listener started on it: Tomcat would then switch any TLS
        // connector that names no implementation to OpenSSL by itself.
        if (CommandLineTls.libsslLoads()) {
            try {
                Class.forName("org.apache.tomcat.util.net.openssl.panama.OpenSSLLibrary").getMethod("init")
                        .invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Autowired
    DeviceListener listener;
    @LocalServerPort
    int managementPort;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws IOException {
        String dir = Files.createTempDirectory("fk-device-jsse").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Test
    void jsseRunsTheListenerWhenAskedForAndDevicesAuthenticateAsBefore() {
        assertThat(listener.tlsImplementation()).isEqualTo(TlsImplementation.JSSE);
        Api api = new Api(managementPort);
        Credential device = CommandLineTls.enrolledDevice(api, TOKEN, "jsse-tenant");
        CommandLineTls cli = new CommandLineTls(api, listener.port());

        for (String version : new String[] {"1.2", "1.3"}) {
            assertThat(cli.get(DeviceListenerTlsTests.ROTATION, version, device)).as("TLS %s", version)
                    .isEqualTo(new Curl(204, ""));
            assertThat(cli.handshake(version)).as("TLS %s", version).contains("Verify return code: 0 (ok)")
                    .contains("No client certificate CA names sent");
        }
    }
}

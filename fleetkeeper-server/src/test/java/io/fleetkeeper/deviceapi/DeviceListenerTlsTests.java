package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.CommandLineTls;
import io.fleetkeeper.testing.CommandLineTls.Curl;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device listener's TLS as it runs by default, the system's OpenSSL through Tomcat's binding (JSSE where libssl
 * cannot be loaded), seen by clients that share no code with the server ({@code curl}, {@code openssl s_client}):
 * it asks for a client certificate without naming a CA, lets any certificate through the handshake, and the
 * application decides.
 */
class DeviceListenerTlsTests extends ApiTest {

    /** A device-authenticated path: 204 for a device with nothing waiting, 401 without a known certificate. */
    static final String ROTATION = "/device/v1/certificates/rotation";

    @Autowired
    DeviceListener listener;

    @Test
    void openSslRunsTheListenerWhereverLibsslLoads() {
        assumeThat(CommandLineTls.libsslLoads()).as("libssl.so loads").isTrue();
        assertThat(listener.tlsImplementation()).isEqualTo(TlsImplementation.OPENSSL);
    }

    @Test
    void curlAuthenticatesWithADeviceCertificateOverTls12AndTls13() {
        Credential device = CommandLineTls.enrolledDevice(api, PLATFORM_TOKEN, randomName("t-"));
        CommandLineTls cli = new CommandLineTls(api, listener.port());

        for (String version : List.of("1.2", "1.3")) {
            assertThat(cli.get(ROTATION, version, device)).as("TLS %s", version).isEqualTo(new Curl(204, ""));
            assertThat(cli.get(ROTATION, version, null).status()).as("TLS %s, no certificate", version)
                    .isEqualTo(401);
        }
    }

    @Test
    void aCertificateOfAnUnknownIssuerPassesTheHandshakeAndTheApplicationRefusesIt() throws Exception {
        KeyPair key = Csrs.p256();
        CommandLineTls cli = new CommandLineTls(api, listener.port());

        Curl reply = cli.get(ROTATION, "1.3", new Credential(key, selfSigned(key)));

        assertThat(reply.status()).as(reply.body()).isEqualTo(401);
        assertThat(JsonMapper.builder().build().readTree(reply.body()).path("code").asString())
                .isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void theServerAsksForAClientCertificateNamingNoCa() {
        CommandLineTls cli = new CommandLineTls(api, listener.port());
        for (String version : List.of("1.2", "1.3")) {
            assertThat(cli.handshake(version)).as("TLS %s", version).contains("New, TLSv" + version + ",")
                    .contains("Verify return code: 0 (ok)").contains("No client certificate CA names sent");
        }
    }

    private static X509Certificate selfSigned(KeyPair key) throws Exception {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=stranger");
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.TWO,
                Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), name, key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }
}

package io.fleetkeeper.testing;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Devices with MQTT credentials for connectivity tests: a certificate from the tenant's issuing CA (its
 * key, chain and the platform CA written as PEM files for command-line clients) or a device key.
 */
public final class MqttDevices {

    /** A device with a client certificate; the paths are PEM files for mosquitto_pub/sub. */
    public record CertDevice(TestTenant tenant, String id, KeyPair key, X509Certificate[] chain,
            String certificateId, Path keyFile, Path certFile, Path caFile) {

        public KeyManagerFactory keyManagers() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", key.getPrivate(), new char[0], chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            return kmf;
        }
    }

    /** A device with a device key (username = id, password = key). */
    public record KeyDevice(TestTenant tenant, String id, String key, Path caFile) {
    }

    private final Api api;
    private final Path dir;
    private final String platformCaPem;

    public MqttDevices(Api api) throws IOException {
        this.api = api;
        this.dir = Files.createTempDirectory("fk-mqtt");
        this.platformCaPem = api.call("GET", "/pki/v1/platform/ca.pem").send().body();
        Files.writeString(dir.resolve("platform-ca.pem"), platformCaPem);
    }

    public Path caFile() {
        return dir.resolve("platform-ca.pem");
    }

    /** Trusts the platform CA, which issues the endpoint's server certificate. */
    public TrustManagerFactory trustManagers() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("platform", (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(platformCaPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf;
    }

    /** Gives the tenant a root and an issuing CA (once per tenant). */
    public void cas(TestTenant t) {
        JsonNode root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root.path("id").asString()))
                .expect(201);
    }

    /** A new device of the tenant (which must have CAs) with a certificate for its new P-256 key. */
    public CertDevice certDevice(TestTenant t, String name) throws Exception {
        String id = api.post(t.admin(), "/api/v1/devices", Map.of("name", name, "device_type", "sensor")).expect(201).path("id").asString();
        return certificateFor(t, id);
    }

    /** A new certificate for an existing device. */
    public CertDevice certificateFor(TestTenant t, String id) throws Exception {
        KeyPair key = Csrs.p256();
        JsonNode issued = api.post(t.admin(), "/api/v1/devices/" + id + "/certificates",
                Map.of("csr", Csrs.csrPem(key))).expect(201);
        String chainPem = issued.path("chain_pem").asString();
        List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)))
                .stream().map(X509Certificate.class::cast).toList();
        Path keyFile = dir.resolve(id + "-" + chain.get(0).getSerialNumber() + ".key");
        Path certFile = dir.resolve(id + "-" + chain.get(0).getSerialNumber() + ".pem");
        Files.writeString(keyFile, Csrs.pem(key.getPrivate()));
        Files.writeString(certFile, chainPem);
        return new CertDevice(t, id, key, chain.toArray(X509Certificate[]::new),
                issued.path("certificate").path("id").asString(), keyFile, certFile, caFile());
    }

    /** A new device of the tenant with a device key. */
    public KeyDevice keyDevice(TestTenant t, String name) {
        String id = api.post(t.admin(), "/api/v1/devices", Map.of("name", name, "device_type", "sensor")).expect(201).path("id").asString();
        String key = api.post(t.admin(), "/api/v1/devices/" + id + "/device-key/rotate", Map.of()).expect(200)
                .path("device_key").asString();
        return new KeyDevice(t, id, key, caFile());
    }

    /** Connects the device to the MQTT endpoint on {@code port} over TLS with MQTT 5, its id and its key. */
    public Mqtt5BlockingClient connect(KeyDevice d, int port) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(port).sslConfig().trustManagerFactory(trustManagers()).applySslConfig().buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        return c;
    }

    /** The next message whose topic starts with {@code prefix}, within 10 s. */
    public static Mqtt5Publish next(Mqtt5BlockingClient.Mqtt5Publishes publishes, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = publishes.receive(200, TimeUnit.MILLISECONDS);
            if (p.isPresent() && p.get().getTopic().toString().startsWith(prefix)) {
                return p.get();
            }
        }
        throw new AssertionError("nothing on " + prefix + "… within 10 s");
    }
}

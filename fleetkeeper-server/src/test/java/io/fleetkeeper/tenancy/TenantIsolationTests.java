package io.fleetkeeper.tenancy;

import static io.fleetkeeper.testing.Endpoint.delete;
import static io.fleetkeeper.testing.Endpoint.get;
import static io.fleetkeeper.testing.Endpoint.patch;
import static io.fleetkeeper.testing.Endpoint.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Endpoint;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TenantObjects;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** No tenant can see or touch another tenant's objects: to every other tenant they do not exist. */
class TenantIsolationTests extends ApiTest {

    /** Every endpoint that addresses one object of a tenant. Adding an endpoint is one line. */
    static Stream<Endpoint> objectEndpoints() {
        return Stream.of(
                get("/api/v1/devices/{device}"),
                patch("/api/v1/devices/{device}", "{\"name\":\"taken over\"}"),
                post("/api/v1/devices/{device}/suspend", null),
                post("/api/v1/devices/{device}/resume", null),
                post("/api/v1/devices/{device}/decommission", null),
                delete("/api/v1/devices/{device}"),
                get("/api/v1/devices/{device}/events"),
                get("/api/v1/devices/{device}/connection"),
                post("/api/v1/devices/{device}/enrollment-credential", null),
                get("/api/v1/sites/{site}"),
                patch("/api/v1/sites/{site}", "{\"name\":\"taken over\"}"),
                delete("/api/v1/sites/{site}"),
                get("/api/v1/device-types/{type}"),
                patch("/api/v1/device-types/{type}", "{\"description\":\"taken over\"}"),
                delete("/api/v1/device-types/{type}"),
                get("/api/v1/tokens/{token}"),
                post("/api/v1/tokens/{token}/revoke", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectEndpoints")
    void anotherTenantsObjectsAreNotFound(Endpoint endpoint) {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        endpoint.call(api, b.admin(), a).expectProblem(404, "NOT_FOUND");

        a.assertUnchanged(api);
    }

    @Test
    void listingsAndStatsShowOnlyTheCallersObjects() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        assertThat(api.get(b.admin(), "/api/v1/devices").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), a.resolve("/api/v1/devices?site={site}")).expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/sites").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/device-types").expect(200).path("items")).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/tokens").expect(200)
                .path("items").valueStream().map(t -> t.path("id").asString()))
                .containsExactly(b.adminTokenId());
        assertThat(stats(b.admin()).path("total").asLong()).isZero();
        assertThat(api.get(b.admin(), a.resolve("/api/v1/audit?target_id={device}")).expect(200).path("items"))
                .isEmpty();
    }

    @Test
    void anotherTenantsSiteCannotBeAssigned() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        var problem = api.post(b.admin(), "/api/v1/devices", Map.of("name", "d", "device_type", "sensor",
                "site", a.siteId())).expectProblem(400, "VALIDATION_FAILED");

        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("site");
        a.assertUnchanged(api);
    }

    @Test
    void namesAndSerialsAreUniquePerTenantOnly() {
        TenantObjects a = TenantObjects.create(api, newTenant());
        TestTenant b = newTenant();

        createSite(b.admin(), "plant");
        createType(b.admin(), "meter");
        createDevice(b.admin(), Map.of("name", "meter 1", "device_type", "meter", "serial", "SN-1"));

        a.assertUnchanged(api);
        assertThat(stats(b.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void anotherTenantsCasCertificatesTrustAnchorsAndManifestsAreNotFound() {
        TestTenant a = newTenant();
        String root = api.post(a.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id").asString();
        String issuing = api.post(a.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root))
                .expect(201).path("id").asString();
        Manufacturer acme = Manufacturer.root();
        String anchor = api.post(a.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme", "certificate_pem",
                acme.pem())).expect(201).path("id").asString();
        String manifest = api.call("POST", "/api/v1/manifests/import?name=batch").token(a.admin())
                .body("text/csv", BodyPublishers.ofString("serial,device_type\nSN-1,meter\n")).send().expect(201)
                .path("manifest").path("id").asString();
        String device = createDevice(a.admin(), device("meter")).path("id").asString();
        String certificate = api.post(a.admin(), "/api/v1/devices/" + device + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201).path("certificate").path("id").asString();
        long auditHead = auditHead(a);
        TestTenant b = newTenant();
        String csr = Csrs.csrPem(Csrs.p256());

        for (String path : List.of("/api/v1/pki/cas/" + root, "/api/v1/pki/cas/" + issuing, "/api/v1/pki/cas/"
                + anchor, "/api/v1/manifests/" + manifest, "/api/v1/manifests/" + manifest + "/entries",
                "/api/v1/certificates/" + certificate, "/api/v1/devices/" + device + "/certificates",
                "/api/v1/devices/" + device + "/slots", "/api/v1/devices/" + device + "/slots/identity")) {
            api.get(b.admin(), path).expectProblem(404, "NOT_FOUND");
        }
        for (String action : List.of("rotate", "rollback")) {
            api.post(b.admin(), "/api/v1/devices/" + device + "/slots/identity/" + action, null)
                    .expectProblem(404, "NOT_FOUND");
        }
        api.post(b.admin(), "/api/v1/certificates/" + certificate + "/revoke", Map.of("reason", "keyCompromise"))
                .expectProblem(404, "NOT_FOUND");
        api.post(b.admin(), "/api/v1/certificates/" + certificate + "/renew", null).expectProblem(404, "NOT_FOUND");
        api.post(b.admin(), "/api/v1/devices/" + device + "/certificates", Map.of("csr", csr))
                .expectProblem(404, "NOT_FOUND");
        api.post(b.admin(), "/api/v1/devices/" + device + "/certificates/upload", Map.of("certificate_pem",
                Csrs.pem(acme.deviceWithSerialNumber("SN-1").leaf()))).expectProblem(404, "NOT_FOUND");
        api.post(b.admin(), "/api/v1/pki/cas", Map.of("name", "under-a", "parent_id", issuing))
                .expectProblem(404, "NOT_FOUND");

        assertThat(api.get(b.admin(), "/api/v1/pki/cas").expect(200).path("items").valueStream().toList()).isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/manifests").expect(200).path("items")).isEmpty();
        assertThat(api.get(a.admin(), "/api/v1/certificates/" + certificate).expect(200).path("status").asString())
                .isEqualTo("ACTIVE");
        assertThat(auditHead(a)).as("newest audit entry of the owner").isEqualTo(auditHead);
    }

    @Test
    void publicPkiPathsAnswerOnlyUnderTheTenantThatOwnsTheCa() throws Exception {
        TestTenant a = newTenant();
        String root = api.post(a.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id").asString();
        String issuing = api.post(a.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root))
                .expect(201).path("id").asString();
        String device = createDevice(a.admin(), device("meter")).path("id").asString();
        X509Certificate leaf = TlsClient.parse(api.post(a.admin(), "/api/v1/devices/" + device + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201).path("certificate_pem").asString()).get(0);
        String own = "/pki/v1/tenants/" + a.id() + "/cas/" + issuing;
        X509Certificate ca = TlsClient.parse(api.get(null, own + "/ca.pem").body()).get(0);
        byte[] ocsp = new OCSPReqBuilder().addRequest(new CertificateID(new JcaDigestCalculatorProviderBuilder()
                .build().get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), leaf.getSerialNumber()))
                .build().getEncoded();
        String ocspGet = "/ocsp/" + URLEncoder.encode(Base64.getEncoder().encodeToString(ocsp), StandardCharsets.UTF_8);
        // The owner's paths answer (and the CA's signer is now in memory, as on a long-running node).
        for (Reply answered : List.of(ocspPost(own, ocsp), api.get(null, own + ocspGet))) {
            assertThat(answered.status()).isEqualTo(200);
            assertThat(answered.header("Content-Type")).isEqualTo("application/ocsp-response");
        }
        String trustAnchor = api.post(a.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme",
                "certificate_pem", Manufacturer.root().pem())).expect(201).path("id").asString();
        TestTenant b = newTenant();

        for (String tenant : List.of(b.id(), UUID.randomUUID().toString())) {
            for (String caId : List.of(issuing, root)) {
                String wrong = "/pki/v1/tenants/" + tenant + "/cas/" + caId;
                ocspPost(wrong, ocsp).expectProblem(404, "NOT_FOUND");
                api.get(null, wrong + ocspGet).expectProblem(404, "NOT_FOUND");
                for (String file : List.of("/ca.pem", "/crl", "/crl.pem")) {
                    api.get(null, wrong + file).expectProblem(404, "NOT_FOUND");
                }
            }
        }
        // A trust anchor has no key: it publishes no CRL and runs no OCSP responder.
        ocspPost("/pki/v1/tenants/" + a.id() + "/cas/" + trustAnchor, ocsp).expectProblem(404, "NOT_FOUND");
    }

    private Reply ocspPost(String base, byte[] request) {
        return api.call("POST", base + "/ocsp").body("application/ocsp-request", BodyPublishers.ofByteArray(request))
                .send();
    }

    private long auditHead(TestTenant t) {
        return api.get(t.admin(), "/api/v1/audit?limit=1").expect(200).path("items").path(0).path("id").asLong();
    }
}

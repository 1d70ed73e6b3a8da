package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.pki.internal.CodeSigningRepository;
import io.fleetkeeper.pki.internal.KeyVault;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The server's code-signing key is issued on first need, kept while its certificate has more than
 * {@link CodeSigningService#RENEW_BEFORE} to live, then replaced by a new one, on a clock the test moves. The
 * stored private key is sealed under the master key, never in the clear.
 */
class CodeSigningRotationTests extends ApiTest {

    @Autowired CodeSigningRepository repository;
    @Autowired CaService cas;
    @Autowired KeyVault vault;
    @Autowired PublicBaseUrl baseUrl;
    @Autowired JdbcClient jdbc;
    @Autowired CrlService crls;
    @Autowired AuditService audit;

    private static X509Certificate signer(String jws) throws Exception {
        JWSObject o = JWSObject.parse(jws);
        X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(o.getHeader().getX509CertChain().get(0).decode()));
        assertThat(o.verify(new ECDSAVerifier((ECPublicKey) leaf.getPublicKey()))).isTrue();
        return leaf;
    }

    @Test
    void theKeyIsIssuedOnFirstNeedAndReplacedBeforeItExpires() throws Exception {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root", "validity_days", 3650))
                .expect(201).path("id").asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root, "validity_days", 1825))
                .expect(201);
        UUID tenantId = UUID.fromString(t.id());
        MutableClock clock = new MutableClock(Instant.now());
        CodeSigningService signing = new CodeSigningService(repository, cas, vault, clock, baseUrl, crls, audit);
        byte[] payload = "{\"execution_id\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(repository.newest(tenantId)).as("nothing before the first need").isEmpty();

        X509Certificate first = signer(signing.sign(tenantId, payload).orElseThrow());
        assertThat(Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant()).toDays())
                .isBetween(364L, 366L);
        clock.advance(Duration.ofDays(300));
        assertThat(signer(signing.sign(tenantId, payload).orElseThrow())).as("still in use").isEqualTo(first);
        // Another node (a fresh service on the same store) signs with the same stored key.
        CodeSigningService otherNode = new CodeSigningService(repository, cas, vault, clock, baseUrl, crls, audit);
        assertThat(signer(otherNode.sign(tenantId, payload).orElseThrow())).isEqualTo(first);

        clock.advance(Duration.ofDays(40)); // 25 days before the certificate expires
        X509Certificate second = signer(signing.sign(tenantId, payload).orElseThrow());
        assertThat(second).isNotEqualTo(first);
        assertThat(second.getNotAfter()).isAfter(first.getNotAfter());
        assertThat(second.getPublicKey()).isNotEqualTo(first.getPublicKey());
        assertThat(signing.chain(tenantId).get(0)).isEqualTo(second);

        jdbc.sql("SELECT id, sealed_key FROM code_signing_keys WHERE tenant_id = ?").param(tenantId.toString())
                .query((rs, n) -> {
                    String sealed = rs.getString(2);
                    byte[] pkcs8 = vault.open(sealed, rs.getString(1));
                    assertThat(sealed).startsWith("v1:")
                            .doesNotContain(java.util.Base64.getEncoder().encodeToString(pkcs8).substring(0, 40));
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> vault.open(sealed, "another row"));
                    return sealed;
                }).list();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM code_signing_keys WHERE tenant_id = ?")
                .param(tenantId.toString()).query(Long.class).single()).isEqualTo(2);
    }
}

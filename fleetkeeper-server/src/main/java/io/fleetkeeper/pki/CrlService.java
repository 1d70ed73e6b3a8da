package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.internal.CaRepository;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.CodeSigningRepository;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Certificate revocation lists per CA: re-signed on every revocation and before {@code nextUpdate}; the
 * CRL number strictly increases (taken under the CA row's lock).
 */
@Service
public class CrlService {

    private final CaService cas;
    private final CaRepository caRows;
    private final CertificateRepository certs;
    private final CodeSigningRepository signingKeys;
    private final JdbcClient jdbc;
    private final PkiProperties props;
    private final Clock clock;

    CrlService(CaService cas, CaRepository caRows, CertificateRepository certs, CodeSigningRepository signingKeys,
            JdbcClient jdbc, PkiProperties props, Clock clock) {
        this.cas = cas;
        this.caRows = caRows;
        this.certs = certs;
        this.signingKeys = signingKeys;
        this.jdbc = jdbc;
        this.props = props;
        this.clock = clock;
    }

    /** The current DER CRL of a CA, re-signed first when none exists or half its validity has passed. */
    @Transactional
    public byte[] current(UUID tenantId, UUID caId) {
        CertificateAuthority ca = cas.get(tenantId, caId);
        if (!ca.hasPrivateKey()) {
            throw new ApiException(ErrorCode.NOT_FOUND, "this CA has no key and publishes no CRL");
        }
        var row = jdbc.sql("SELECT der, next_update, this_update FROM crls WHERE tenant_id = ? AND ca_id = ?")
                .params(tenantId.toString(), caId.toString())
                .query((rs, n) -> new Object[] {rs.getBytes("der"), rs.getLong("this_update"),
                        rs.getLong("next_update")})
                .optional();
        long now = clock.millis();
        if (row.isPresent()) {
            long thisUpdate = (Long) row.get()[1];
            long nextUpdate = (Long) row.get()[2];
            if (now < thisUpdate + (nextUpdate - thisUpdate) / 2) {
                return (byte[]) row.get()[0];
            }
        }
        return regenerate(tenantId, caId);
    }

    /** Signs a new CRL listing every revoked certificate of the CA (code-signing ones too), and stores it. */
    @Transactional
    public byte[] regenerate(UUID tenantId, UUID caId) {
        CaSigner signer = cas.signer(tenantId, caId);
        long number = caRows.nextCrlNumber(tenantId, caId);
        Instant now = clock.instant();
        Instant next = now.plus(Duration.ofHours(props.crlValidityHours()));
        try {
            X509Certificate caCert = signer.certificate();
            X509v2CRLBuilder b = new X509v2CRLBuilder(new JcaX509CertificateHolder(caCert).getSubject(),
                    Date.from(now));
            b.setNextUpdate(Date.from(next));
            for (DeviceCertificate c : certs.revokedFor(tenantId, caId)) {
                b.addCRLEntry(new BigInteger(c.serial(), 16), Date.from(c.revokedAt()),
                        CertificateService.REASONS.getOrDefault(c.revocationReason(), 0));
            }
            for (CodeSigningRepository.Revoked k : signingKeys.revokedFor(tenantId, caId)) {
                b.addCRLEntry(new BigInteger(k.serial(), 16), Date.from(k.revokedAt()),
                        CertificateService.REASONS.getOrDefault(k.reason(), 0));
            }
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            X509CRLHolder crl = b.build(signer.contentSigner());
            byte[] der = crl.getEncoded();
            jdbc.sql("""
                    INSERT INTO crls (tenant_id, ca_id, crl_number, der, this_update, next_update) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id, ca_id) DO UPDATE SET crl_number = excluded.crl_number, der = excluded.der,
                      this_update = excluded.this_update, next_update = excluded.next_update""")
                    .params(tenantId.toString(), caId.toString(), number, der, now.toEpochMilli(),
                            next.toEpochMilli())
                    .update();
            return der;
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build CRL", e);
        }
    }
}

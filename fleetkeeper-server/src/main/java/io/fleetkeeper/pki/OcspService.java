package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.internal.CertificateRepository;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.springframework.stereotype.Service;

/** RFC 6960 OCSP responder for each tenant CA; responses are signed by the CA itself. */
@Service
public class OcspService {

    private final CaService cas;
    private final CertificateRepository certs;
    private final CodeSigningService signing;
    private final Clock clock;

    OcspService(CaService cas, CertificateRepository certs, CodeSigningService signing, Clock clock) {
        this.cas = cas;
        this.certs = certs;
        this.signing = signing;
        this.clock = clock;
    }

    /**
     * Answers a DER OCSP request; a malformed one gets the MALFORMED_REQUEST response status. 404 when the CA
     * is not one of the tenant's, or has no key (a trust anchor answers for nothing).
     */
    public byte[] respond(UUID tenantId, UUID caId, byte[] requestDer) {
        if (!cas.get(tenantId, caId).hasPrivateKey()) {
            throw new ApiException(ErrorCode.NOT_FOUND, "this CA has no key and runs no OCSP responder");
        }
        try {
            OCSPReq req;
            try {
                req = new OCSPReq(requestDer);
            } catch (IOException | RuntimeException e) {
                return new OCSPRespBuilder().build(OCSPRespBuilder.MALFORMED_REQUEST, null).getEncoded();
            }
            CaSigner signer = cas.signer(tenantId, caId);
            X509Certificate caCert = signer.certificate();
            X509CertificateHolder caHolder = new JcaX509CertificateHolder(caCert);
            DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(caHolder.getSubject()));
            Date now = Date.from(clock.instant());
            Date next = Date.from(clock.instant().plus(Duration.ofHours(1)));
            for (Req one : req.getRequestList()) {
                CertificateID id = one.getCertID();
                CertificateStatus status = id.matchesIssuer(caHolder, digests) ? status(tenantId, caId, id)
                        : new UnknownStatus();
                b.addResponse(id, status, now, next, null);
            }
            Extension nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            if (nonce != null) {
                b.setResponseExtensions(new Extensions(nonce));
            }
            BasicOCSPResp basic = b.build(signer.contentSigner(), new X509CertificateHolder[] {caHolder}, now);
            OCSPResp resp = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic);
            return resp.getEncoded();
        } catch (OCSPException | IOException | org.bouncycastle.operator.OperatorCreationException
                | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("cannot build OCSP response", e);
        }
    }

    private CertificateStatus status(UUID tenantId, UUID caId, CertificateID id) {
        String serial = id.getSerialNumber().toString(16);
        Optional<DeviceCertificate> c = certs.findBySerial(tenantId, caId, serial);
        if (c.isEmpty()) {
            Optional<CodeSigningKey> key = signing.issued(tenantId, caId, serial);
            return key.isEmpty() ? new UnknownStatus() : codeSigningStatus(key.get()); // GOOD is null
        }
        DeviceCertificate cert = c.get();
        if (cert.status().equals("REVOKED")) {
            return new RevokedStatus(Date.from(cert.revokedAt()),
                    CertificateService.REASONS.getOrDefault(cert.revocationReason(), CRLReason.unspecified));
        }
        return CertificateStatus.GOOD;
    }

    /** A code-signing certificate's status. */
    private static CertificateStatus codeSigningStatus(CodeSigningKey k) {
        return k.revokedAt() == null ? CertificateStatus.GOOD : new RevokedStatus(Date.from(k.revokedAt()),
                CertificateService.REASONS.getOrDefault(k.revocationReason(), CRLReason.unspecified));
    }
}

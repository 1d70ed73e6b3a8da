package io.fleetkeeper.pki.internal;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * What every certificate a CA signs takes from the CA's own certificate: the issuer name and the authority key
 * identifier (RFC 5280 4.2.1.1). A CA certificate never changes, so a kept signer computes them once.
 */
record IssuerFields(X500Name name, AuthorityKeyIdentifier authorityKeyIdentifier) {

    static IssuerFields of(X509Certificate ca) {
        try {
            return new IssuerFields(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the CA certificate's name and key identifier", e);
        }
    }
}

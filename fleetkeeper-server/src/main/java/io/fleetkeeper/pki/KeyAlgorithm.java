package io.fleetkeeper.pki;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.math.BigInteger;

/** Key types for CA keys. ECDSA P-256 is the default. */
public enum KeyAlgorithm {
    EC_P256("EC", "SHA256withECDSA"),
    EC_P384("EC", "SHA384withECDSA"),
    RSA_2048("RSA", "SHA256withRSA"),
    RSA_3072("RSA", "SHA256withRSA");

    private final String jca;
    private final String signatureAlgorithm;

    KeyAlgorithm(String jca, String signatureAlgorithm) {
        this.jca = jca;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    public String jcaName() {
        return jca;
    }

    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(jca);
            switch (this) {
                case EC_P256 -> g.initialize(new ECGenParameterSpec("secp256r1"));
                case EC_P384 -> g.initialize(new ECGenParameterSpec("secp384r1"));
                case RSA_2048 -> g.initialize(new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(65537)));
                case RSA_3072 -> g.initialize(new RSAKeyGenParameterSpec(3072, BigInteger.valueOf(65537)));
                default -> throw new IllegalStateException();
            }
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses the wire name ({@code EC_P256}, case-insensitive); null when unknown. */
    public static KeyAlgorithm parse(String text) {
        if (text == null) {
            return null;
        }
        for (KeyAlgorithm a : values()) {
            if (a.name().equalsIgnoreCase(text)) {
                return a;
            }
        }
        return null;
    }
}

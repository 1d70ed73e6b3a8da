package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.internal.NativeSignatures.Algorithm;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.util.List;

/**
 * A JCA provider whose {@code Signature}s verify through {@link NativeSignatures}, so the JDK's PKIX validator
 * checks certificate signatures natively when asked for this provider by name (it is registered last and is
 * never chosen otherwise: a key it does not take natively, and that no other provider takes, it refuses as they
 * do). Verification only. A key the native path does not take is verified by the JDK's own providers.
 */
final class NativeSignatureProvider extends Provider {

    static final String NAME = "FleetkeeperLibCrypto";

    private NativeSignatureProvider(NativeSignatures natives) {
        super(NAME, "1.0", "ECDSA and RSA signature verification through the system's libcrypto");
        for (Algorithm a : Algorithm.values()) {
            putService(new Service(this, "Signature", a.jcaName, Verifier.class.getName(),
                    List.of(a.oid, "OID." + a.oid), null) {
                @Override
                public Object newInstance(Object constructorParameter) {
                    return new Verifier(natives, a);
                }
            });
        }
    }

    /** Registers the provider once in this process (last in the list); its name for {@code getInstance}. */
    static synchronized String register(NativeSignatures natives) {
        if (Security.getProvider(NAME) == null) {
            Security.addProvider(new NativeSignatureProvider(natives));
        }
        return NAME;
    }

    static final class Verifier extends SignatureSpi {

        private final NativeSignatures natives;
        private final Algorithm algorithm;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream(1024);
        private PublicKey key;
        private byte[] spki;
        private Signature jdk;

        Verifier(NativeSignatures natives, Algorithm algorithm) {
            this.natives = natives;
            this.algorithm = algorithm;
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            byte[] encoded = publicKey == null ? null : publicKey.getEncoded();
            if (encoded == null) {
                throw new InvalidKeyException("the key has no X.509 encoding");
            }
            jdk = natives.takes(algorithm, encoded) ? null : jdkSignature(algorithm, publicKey);
            key = publicKey;
            spki = encoded;
            data.reset();
        }

        @Override
        protected void engineUpdate(byte b) throws SignatureException {
            if (jdk != null) {
                jdk.update(b);
            } else {
                data.write(b);
            }
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
            if (jdk != null) {
                jdk.update(b, off, len);
            } else {
                data.write(b, off, len);
            }
        }

        @Override
        protected boolean engineVerify(byte[] signature) throws SignatureException {
            if (jdk != null) {
                return jdk.verify(signature);
            }
            if (spki == null) {
                throw new SignatureException("not initialised for verification");
            }
            byte[] signed = data.toByteArray();
            data.reset();
            Boolean verified = natives.verify(algorithm, spki, signed, signature);
            return verified != null ? verified : jdkVerify(signed, signature);
        }

        private boolean jdkVerify(byte[] signed, byte[] signature) throws SignatureException {
            try {
                Signature s = jdkSignature(algorithm, key);
                s.update(signed);
                return s.verify(signature);
            } catch (InvalidKeyException e) {
                throw new SignatureException(e);
            }
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            throw new InvalidKeyException("this provider only verifies");
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            throw new SignatureException("this provider only verifies");
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("no parameters");
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("no parameters");
        }
    }

    /** A JDK provider's verifier for the key (any registered provider but this one), or an InvalidKeyException. */
    static Signature jdkSignature(Algorithm algorithm, PublicKey key) throws InvalidKeyException {
        GeneralSecurityException last = new NoSuchAlgorithmException(algorithm.jcaName);
        Provider[] providers = Security.getProviders("Signature." + algorithm.jcaName);
        for (Provider p : providers == null ? new Provider[0] : providers) {
            if (p.getName().equals(NAME)) {
                continue;
            }
            try {
                Signature s = Signature.getInstance(algorithm.jcaName, p);
                s.initVerify(key);
                return s;
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new InvalidKeyException("no provider verifies " + algorithm.jcaName + " with this key", last);
    }
}

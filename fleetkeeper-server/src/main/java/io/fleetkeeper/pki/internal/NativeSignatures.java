package io.fleetkeeper.pki.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * ECDSA and RSA (PKCS#1 v1.5) signature verification through the system's libcrypto, for the algorithms and keys
 * whose answer there is the JDK's: ECDSA with SHA-256/384/512 on P-256, P-384 and P-521 (uncompressed points, as
 * the JDK reads them), RSA with SHA-256/384/512. Anything else answers {@code null}, and the caller asks the JDK.
 * Keys that verify many signatures (CA keys) are parsed once and kept, at most {@value #CACHED_KEYS} of them.
 */
public final class NativeSignatures {

    /** The signature algorithms taken here. */
    public enum Algorithm {
        SHA256_ECDSA("1.2.840.10045.4.3.2", "SHA256withECDSA", "SHA256", KeyType.EC),
        SHA384_ECDSA("1.2.840.10045.4.3.3", "SHA384withECDSA", "SHA384", KeyType.EC),
        SHA512_ECDSA("1.2.840.10045.4.3.4", "SHA512withECDSA", "SHA512", KeyType.EC),
        SHA256_RSA("1.2.840.113549.1.1.11", "SHA256withRSA", "SHA256", KeyType.RSA),
        SHA384_RSA("1.2.840.113549.1.1.12", "SHA384withRSA", "SHA384", KeyType.RSA),
        SHA512_RSA("1.2.840.113549.1.1.13", "SHA512withRSA", "SHA512", KeyType.RSA);

        final String oid;
        final String jcaName;
        final String digest;
        final KeyType keyType;

        Algorithm(String oid, String jcaName, String digest, KeyType keyType) {
            this.oid = oid;
            this.jcaName = jcaName;
            this.digest = digest;
            this.keyType = keyType;
        }

        public String jcaName() {
            return jcaName;
        }

        /** The algorithm of a JCA signature name ({@code SHA256withECDSA}, any case), or null. */
        public static Algorithm ofJcaName(String name) {
            for (Algorithm a : values()) {
                if (a.jcaName.equalsIgnoreCase(name) || a.oid.equals(name)) {
                    return a;
                }
            }
            return null;
        }

        /**
         * The algorithm of an X.509 AlgorithmIdentifier, or null (also when it carries parameters other than the
         * NULL of RSA: those are the JDK's to judge).
         */
        public static Algorithm of(AlgorithmIdentifier id) {
            for (Algorithm a : values()) {
                if (a.oid.equals(id.getAlgorithm().getId())) {
                    var p = id.getParameters();
                    boolean plain = p == null || (a.keyType == KeyType.RSA
                            && p.toASN1Primitive() instanceof org.bouncycastle.asn1.ASN1Null);
                    return plain ? a : null;
                }
            }
            return null;
        }
    }

    enum KeyType { EC, RSA }

    private record Key(MemorySegment pkey, KeyType type) {
        static final Key UNSUPPORTED = new Key(MemorySegment.NULL, null);

        boolean supported() {
            return type != null;
        }
    }

    static final int CACHED_KEYS = 1024;
    /** The curves taken here, by OID, with OpenSSL's names. */
    private static final Map<ASN1ObjectIdentifier, String> CURVES = Map.of(SECObjectIdentifiers.secp256r1,
            "prime256v1", SECObjectIdentifiers.secp384r1, "secp384r1", SECObjectIdentifiers.secp521r1, "secp521r1");

    private final LibCrypto lib;
    private final int maxKeys;
    private final LongAdder verifications = new LongAdder();
    private final Map<String, MemorySegment> digests;
    private final Map<ASN1ObjectIdentifier, MemorySegment> groups = new java.util.HashMap<>();
    private final Map<ByteBuffer, Key> keys = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Key> eldest) {
            if (size() <= maxKeys) {
                return false;
            }
            release(eldest.getValue()); // the cache's reference; a verification in flight holds its own
            return true;
        }
    };

    /** A verifier of its own keeping at most {@code maxKeys} keys (the process has one: {@link #load}). */
    NativeSignatures(LibCrypto lib, int maxKeys) {
        this.lib = lib;
        this.maxKeys = maxKeys;
        this.digests = Map.of("SHA256", LibCrypto.constant("SHA256"), "SHA384", LibCrypto.constant("SHA384"),
                "SHA512", LibCrypto.constant("SHA512"));
        CURVES.forEach((oid, name) -> groups.put(oid, LibCrypto.constant(name)));
    }

    private static final class Loaded {
        static final NativeSignatures INSTANCE;
        static final String FAILURE;

        static {
            NativeSignatures loaded = null;
            String failure = null;
            try {
                loaded = new NativeSignatures(LibCrypto.load(), CACHED_KEYS);
            } catch (Throwable e) {
                failure = e.toString();
            }
            INSTANCE = loaded;
            FAILURE = failure;
        }
    }

    /** The process's native verifier (the library is loaded once), or null when libcrypto 3 cannot be used. */
    public static NativeSignatures load() {
        return Loaded.INSTANCE;
    }

    /** Why {@link #load} answers null (null when it does not). */
    public static String loadFailure() {
        return Loaded.FAILURE;
    }

    /** The library's own version string ("OpenSSL 3.0.13 30 Jan 2024"). */
    public String version() {
        return lib.version();
    }

    /**
     * Whether {@code signature} over {@code data} verifies with the key of {@code spki} (DER SubjectPublicKeyInfo),
     * the key kept for the next call; null when the key or the algorithm is not one taken here.
     */
    public Boolean verify(Algorithm alg, byte[] spki, byte[] data, byte[] signature) {
        return verifyAndRelease(alg, acquire(spki), data, signature);
    }

    /** Whether {@link #verify(Algorithm, byte[], byte[], byte[])} answers for this key (which is then kept). */
    public boolean takes(Algorithm alg, byte[] spki) {
        synchronized (keys) {
            return alg.keyType == kept(spki).type();
        }
    }

    /** As {@link #verify(Algorithm, byte[], byte[], byte[])} for a key used once (a CSR's): not kept. */
    public Boolean verifyOnce(Algorithm alg, SubjectPublicKeyInfo spki, byte[] data, byte[] signature) {
        return verifyAndRelease(alg, parse(spki), data, signature);
    }

    /** Verifies with a key this call holds a reference to, then lets go of it; null for a key not taken here. */
    private Boolean verifyAndRelease(Algorithm alg, Key key, byte[] data, byte[] signature) {
        if (!key.supported()) {
            return null;
        }
        try {
            return verify(alg, key, data, signature);
        } finally {
            release(key);
        }
    }

    private Boolean verify(Algorithm alg, Key key, byte[] data, byte[] signature) {
        if (alg.keyType != key.type()) {
            return null; // an RSA key for an ECDSA signature: the JDK refuses it its own way
        }
        verifications.increment();
        return lib.verify(key.pkey(), digests.get(alg.digest), data, signature);
    }

    /** The cached key of {@code spki} with one more reference for the caller (none when unsupported). */
    private Key acquire(byte[] spki) {
        synchronized (keys) {
            Key key = kept(spki);
            if (key.supported()) {
                lib.upRef(key.pkey());
            }
            return key;
        }
    }

    /** The cached key of {@code spki}, parsed and kept when new; the caller holds the lock. */
    private Key kept(byte[] spki) {
        Key key = keys.get(ByteBuffer.wrap(spki));
        if (key == null) {
            key = parse(spki);
            keys.put(ByteBuffer.wrap(spki.clone()), key);
        }
        return key;
    }

    private void release(Key key) {
        if (key.supported()) {
            lib.free(key.pkey());
        }
    }

    private Key parse(byte[] der) {
        try {
            return parse(der, SubjectPublicKeyInfo.getInstance(der));
        } catch (RuntimeException e) {
            return Key.UNSUPPORTED;
        }
    }

    private Key parse(SubjectPublicKeyInfo spki) {
        try {
            return parse(spki.getEncoded(ASN1Encoding.DER), spki);
        } catch (IOException e) {
            return Key.UNSUPPORTED;
        }
    }

    private Key parse(byte[] der, SubjectPublicKeyInfo spki) {
        KeyType type = typeOf(spki);
        MemorySegment pkey = type == null ? MemorySegment.NULL
                : type == KeyType.EC ? lib.ecPublicKey(groups.get((ASN1ObjectIdentifier) spki.getAlgorithm()
                        .getParameters()), spki.getPublicKeyData().getOctets())
                : lib.parsePublicKey(der);
        return pkey.address() == 0 ? Key.UNSUPPORTED : new Key(pkey, type);
    }

    /** EC on a curve the JDK knows, as an uncompressed point; RSA; else null. */
    static KeyType typeOf(SubjectPublicKeyInfo spki) {
        try {
            AlgorithmIdentifier alg = spki.getAlgorithm();
            if (alg.getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)) {
                byte[] point = spki.getPublicKeyData().getOctets();
                return alg.getParameters() instanceof ASN1ObjectIdentifier curve && CURVES.containsKey(curve)
                        && point.length > 0 && point[0] == 0x04 ? KeyType.EC : null;
            }
            return alg.getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption) ? KeyType.RSA : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    LibCrypto lib() {
        return lib;
    }

    /** The digest name of {@code alg}, as libcrypto takes it. */
    MemorySegment digest(Algorithm alg) {
        return digests.get(alg.digest);
    }

    /** How many signatures libcrypto has checked in this process (whatever the answer). */
    public long verifications() {
        return verifications.sum();
    }

    /** How many keys are kept now (for tests). */
    int cachedKeys() {
        synchronized (keys) {
            return keys.size();
        }
    }
}

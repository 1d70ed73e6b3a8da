package io.fleetkeeper.pki.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The few calls of OpenSSL 3's libcrypto that verify and make a signature, through the foreign function API: parse a
 * SubjectPublicKeyInfo or a PKCS#8 private key into an {@code EVP_PKEY}, verify with {@code EVP_DigestVerify}, sign
 * with {@code EVP_DigestSign}, count references. No cryptography is done here. An {@code EVP_PKEY} may be used by several threads at once (each verification has
 * its own {@code EVP_MD_CTX}); whoever holds a reference frees it.
 */
final class LibCrypto {

    private static final String[] NAMES = {"libcrypto.so.3", "libcrypto.3.dylib"};

    private final MethodHandle d2iPubkey;
    private final MethodHandle pkeyUpRef;
    private final MethodHandle pkeyFree;
    private final MethodHandle mdCtxNew;
    private final MethodHandle mdCtxFree;
    private final MethodHandle digestVerifyInit;
    private final MethodHandle digestVerify;
    private final MethodHandle errClear;
    private final MethodHandle d2iPrivateKey;
    private final MethodHandle digestSignInit;
    private final MethodHandle digestSign;
    private final MethodHandle pkeyCtxNewFromName;
    private final MethodHandle fromdataInit;
    private final MethodHandle fromdata;
    private final MethodHandle pkeyCtxFree;
    private final MemorySegment ecName;
    private final MemorySegment groupParam;
    private final MemorySegment pubParam;
    private final String version;

    /** {@code OSSL_PARAM}: key, data_type (unsigned int), data, data_size, return_size; 40 bytes on 64 bits. */
    private static final long PARAM_SIZE = 40;
    private static final int UTF8_STRING = 4;
    private static final int OCTET_STRING = 5;
    /** {@code EVP_PKEY_PUBLIC_KEY}: all parameters and the public key. */
    private static final int PUBLIC_KEY = 0x86;

    private LibCrypto(SymbolLookup lib) throws Throwable {
        Linker linker = Linker.nativeLinker();
        d2iPubkey = handle(linker, lib, "d2i_PUBKEY", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        pkeyUpRef = handle(linker, lib, "EVP_PKEY_up_ref", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        pkeyFree = handle(linker, lib, "EVP_PKEY_free", FunctionDescriptor.ofVoid(ADDRESS));
        mdCtxNew = handle(linker, lib, "EVP_MD_CTX_new", FunctionDescriptor.of(ADDRESS));
        mdCtxFree = handle(linker, lib, "EVP_MD_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
        // int EVP_DigestVerifyInit_ex(ctx, EVP_PKEY_CTX **pctx, const char *mdname, OSSL_LIB_CTX *, const char
        // *props, EVP_PKEY *, const OSSL_PARAM[])
        digestVerifyInit = handle(linker, lib, "EVP_DigestVerifyInit_ex", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // int EVP_DigestVerify(ctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs, size_t tbslen)
        digestVerify = handle(linker, lib, "EVP_DigestVerify", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_LONG, ADDRESS, JAVA_LONG));
        errClear = handle(linker, lib, "ERR_clear_error", FunctionDescriptor.ofVoid());
        // EVP_PKEY *d2i_AutoPrivateKey(EVP_PKEY **a, const unsigned char **pp, long length)
        d2iPrivateKey = handle(linker, lib, "d2i_AutoPrivateKey", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG));
        // int EVP_DigestSignInit_ex(ctx, EVP_PKEY_CTX **pctx, const char *mdname, OSSL_LIB_CTX *, const char
        // *props, EVP_PKEY *, const OSSL_PARAM[])
        digestSignInit = handle(linker, lib, "EVP_DigestSignInit_ex", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // int EVP_DigestSign(ctx, unsigned char *sig, size_t *siglen, const unsigned char *tbs, size_t tbslen)
        digestSign = handle(linker, lib, "EVP_DigestSign", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, JAVA_LONG));
        pkeyCtxNewFromName = handle(linker, lib, "EVP_PKEY_CTX_new_from_name", FunctionDescriptor.of(ADDRESS,
                ADDRESS, ADDRESS, ADDRESS));
        fromdataInit = handle(linker, lib, "EVP_PKEY_fromdata_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        fromdata = handle(linker, lib, "EVP_PKEY_fromdata", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS));
        pkeyCtxFree = handle(linker, lib, "EVP_PKEY_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
        ecName = constant("EC");
        groupParam = constant("group");
        pubParam = constant("pub");
        MethodHandle versionOf = handle(linker, lib, "OpenSSL_version", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        version = ((MemorySegment) versionOf.invokeExact(0)).reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** The system's libcrypto 3, or an exception saying why it cannot be used. */
    static LibCrypto load() throws Throwable {
        Throwable failure = null;
        for (String name : NAMES) {
            try {
                return new LibCrypto(SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (Throwable e) {
                failure = failure == null ? e : failure;
            }
        }
        throw failure;
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        return linker.downcallHandle(lib.findOrThrow(name), fd);
    }

    String version() {
        return version;
    }

    /** A C string that lives as long as the process (a digest name). */
    static MemorySegment constant(String s) {
        return Arena.global().allocateFrom(s);
    }

    /**
     * The key of a DER SubjectPublicKeyInfo (one reference, to {@link #free}), or {@link MemorySegment#NULL} when
     * libcrypto cannot read it or bytes follow it.
     */
    MemorySegment parsePublicKey(byte[] spki) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment der = arena.allocateFrom(JAVA_BYTE, spki);
            MemorySegment cursor = arena.allocateFrom(ADDRESS, der);
            MemorySegment key = (MemorySegment) d2iPubkey.invokeExact(MemorySegment.NULL, cursor, (long) spki.length);
            if (key.address() == 0) {
                errClear.invokeExact();
                return MemorySegment.NULL;
            }
            if (cursor.get(ADDRESS, 0).address() - der.address() != spki.length) {
                pkeyFree.invokeExact(key);
                return MemorySegment.NULL;
            }
            return key;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto d2i_PUBKEY failed", e);
        }
    }

    /**
     * The private key of a DER PKCS#8 PrivateKeyInfo (one reference, to {@link #free}), or {@link MemorySegment#NULL}
     * when libcrypto cannot read it or bytes follow it. The native copy of the key lives until it is freed.
     */
    MemorySegment parsePrivateKey(byte[] pkcs8) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment der = arena.allocateFrom(JAVA_BYTE, pkcs8);
            MemorySegment cursor = arena.allocateFrom(ADDRESS, der);
            try {
                MemorySegment key = (MemorySegment) d2iPrivateKey.invokeExact(MemorySegment.NULL, cursor,
                        (long) pkcs8.length);
                if (key.address() == 0) {
                    errClear.invokeExact();
                    return MemorySegment.NULL;
                }
                if (cursor.get(ADDRESS, 0).address() - der.address() != pkcs8.length) {
                    pkeyFree.invokeExact(key);
                    return MemorySegment.NULL;
                }
                return key;
            } finally {
                der.fill((byte) 0); // the key's bytes do not stay behind in the freed buffer
            }
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto d2i_AutoPrivateKey failed", e);
        }
    }

    /**
     * The signature of {@code data} with {@code key} and the digest named {@code digest} (a {@link #constant}), as
     * X.509 carries it (DER for ECDSA), or null when libcrypto refuses.
     */
    byte[] sign(MemorySegment key, MemorySegment digest, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = (MemorySegment) mdCtxNew.invokeExact();
            if (ctx.address() == 0) {
                throw new IllegalStateException("EVP_MD_CTX_new failed");
            }
            try {
                int ok = (int) digestSignInit.invokeExact(ctx, MemorySegment.NULL, digest, MemorySegment.NULL,
                        MemorySegment.NULL, key, MemorySegment.NULL);
                MemorySegment length = arena.allocate(JAVA_LONG);
                MemorySegment tbs = arena.allocateFrom(JAVA_BYTE, data);
                if (ok == 1) { // the largest signature of this key first, then the signature
                    ok = (int) digestSign.invokeExact(ctx, MemorySegment.NULL, length, tbs, (long) data.length);
                }
                MemorySegment sig = ok == 1 ? arena.allocate(length.get(JAVA_LONG, 0)) : MemorySegment.NULL;
                if (ok == 1) {
                    ok = (int) digestSign.invokeExact(ctx, sig, length, tbs, (long) data.length);
                }
                if (ok != 1) {
                    errClear.invokeExact();
                    return null;
                }
                return sig.asSlice(0, length.get(JAVA_LONG, 0)).toArray(JAVA_BYTE);
            } finally {
                mdCtxFree.invokeExact(ctx);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto EVP_DigestSign failed", e);
        }
    }

    /**
     * The EC public key {@code point} (uncompressed) on the curve named {@code group} (a {@link #constant}), built
     * from its parts rather than decoded from DER (OpenSSL 3.0's decoders cost more than a verification); one
     * reference, or {@link MemorySegment#NULL} when the point is not on the curve.
     */
    MemorySegment ecPublicKey(MemorySegment group, byte[] point) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pub = arena.allocateFrom(JAVA_BYTE, point);
            MemorySegment params = arena.allocate(PARAM_SIZE * 3, 8); // two parameters and the zeroed end
            param(params, 0, groupParam, UTF8_STRING, group, group.byteSize() - 1); // without its NUL
            param(params, 1, pubParam, OCTET_STRING, pub, point.length);
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment ctx = (MemorySegment) pkeyCtxNewFromName.invokeExact(MemorySegment.NULL, ecName,
                    MemorySegment.NULL);
            if (ctx.address() == 0) {
                throw new IllegalStateException("EVP_PKEY_CTX_new_from_name(EC) failed");
            }
            try {
                int ok = (int) fromdataInit.invokeExact(ctx);
                if (ok == 1) {
                    ok = (int) fromdata.invokeExact(ctx, out, PUBLIC_KEY, params);
                }
                if (ok != 1) {
                    errClear.invokeExact();
                    return MemorySegment.NULL;
                }
                return out.get(ADDRESS, 0);
            } finally {
                pkeyCtxFree.invokeExact(ctx);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto EVP_PKEY_fromdata failed", e);
        }
    }

    private static void param(MemorySegment params, int i, MemorySegment key, int type, MemorySegment data,
            long size) {
        long at = i * PARAM_SIZE;
        params.set(ADDRESS, at, key);
        params.set(JAVA_INT, at + 8, type);
        params.set(ADDRESS, at + 16, data);
        params.set(JAVA_LONG, at + 24, size);
        params.set(JAVA_LONG, at + 32, -1L); // OSSL_PARAM_UNMODIFIED
    }

    void upRef(MemorySegment key) {
        try {
            if ((int) pkeyUpRef.invokeExact(key) != 1) {
                throw new IllegalStateException("EVP_PKEY_up_ref failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto EVP_PKEY_up_ref failed", e);
        }
    }

    void free(MemorySegment key) {
        try {
            pkeyFree.invokeExact(key);
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto EVP_PKEY_free failed", e);
        }
    }

    /**
     * Whether {@code signature} (as X.509 carries it: DER for ECDSA, the raw block for RSA PKCS#1 v1.5) over
     * {@code data} verifies with {@code key} and the digest named {@code digest} (a {@link #constant}).
     */
    boolean verify(MemorySegment key, MemorySegment digest, byte[] data, byte[] signature) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = (MemorySegment) mdCtxNew.invokeExact();
            if (ctx.address() == 0) {
                throw new IllegalStateException("EVP_MD_CTX_new failed");
            }
            try {
                int ok = (int) digestVerifyInit.invokeExact(ctx, MemorySegment.NULL, digest, MemorySegment.NULL,
                        MemorySegment.NULL, key, MemorySegment.NULL);
                if (ok == 1) {
                    MemorySegment sig = arena.allocateFrom(JAVA_BYTE, signature);
                    MemorySegment tbs = arena.allocateFrom(JAVA_BYTE, data);
                    ok = (int) digestVerify.invokeExact(ctx, sig, (long) signature.length, tbs, (long) data.length);
                }
                if (ok != 1) {
                    errClear.invokeExact(); // a bad signature leaves errors on this thread's queue
                }
                return ok == 1;
            } finally {
                mdCtxFree.invokeExact(ctx);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto EVP_DigestVerify failed", e);
        }
    }
}

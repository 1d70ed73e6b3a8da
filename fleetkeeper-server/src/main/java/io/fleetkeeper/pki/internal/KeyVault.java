package io.fleetkeeper.pki.internal;

import io.fleetkeeper.pki.PkiProperties;
import io.fleetkeeper.store.StoreProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Encrypts CA private keys at rest with AES-256-GCM under the master key. The stored form is
 * {@code v1:base64(nonce || ciphertext+tag)}; the associated data binds it to the CA's id, so an
 * encrypted key cannot be moved to another CA row.
 */
@Component
public class KeyVault {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKey master;

    KeyVault(PkiProperties props, StoreProperties store) {
        this.master = new SecretKeySpec(loadOrCreate(props, store), "AES");
    }

    public String seal(PrivateKey key, String boundTo) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, nonce));
            c.updateAAD(boundTo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(key.getEncoded());
            return "v1:" + Base64.getEncoder().encodeToString(ByteBuffer.allocate(12 + sealed.length).put(nonce)
                    .put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt key", e);
        }
    }

    public PrivateKey open(String sealed, String boundTo, String algorithm) {
        if (!sealed.startsWith("v1:")) {
            throw new IllegalStateException("unknown key envelope");
        }
        try {
            byte[] all = Base64.getDecoder().decode(sealed.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, all, 0, 12));
            c.updateAAD(boundTo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] pkcs8 = c.doFinal(all, 12, all.length - 12);
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt CA key (wrong master key?)", e);
        }
    }

    /** Encrypts other secrets (e.g. webhook signing keys) the same way, bound to {@code boundTo}. */
    public String sealBytes(byte[] secret, String boundTo) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, nonce));
            c.updateAAD(boundTo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(secret);
            return "v1:" + Base64.getEncoder().encodeToString(ByteBuffer.allocate(12 + sealed.length).put(nonce)
                    .put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt secret", e);
        }
    }

    public byte[] openBytes(String sealed, String boundTo) {
        if (!sealed.startsWith("v1:")) {
            throw new IllegalStateException("unknown secret envelope");
        }
        try {
            byte[] all = Base64.getDecoder().decode(sealed.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, all, 0, 12));
            c.updateAAD(boundTo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return c.doFinal(all, 12, all.length - 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt secret (wrong master key?)", e);
        }
    }

    private static byte[] loadOrCreate(PkiProperties props, StoreProperties store) {
        if (!props.masterKey().isBlank()) {
            byte[] key = Base64.getDecoder().decode(props.masterKey().trim());
            if (key.length != 32) {
                throw new IllegalStateException("fleetkeeper.pki.master-key must be base64 of 32 bytes");
            }
            return key;
        }
        Path file = Path.of(store.dataDir()).toAbsolutePath().resolve("master.key");
        try {
            if (Files.exists(file)) {
                byte[] key = Base64.getDecoder().decode(Files.readString(file).trim());
                if (key.length != 32) {
                    throw new IllegalStateException(file + " does not hold base64 of 32 bytes");
                }
                return key;
            }
            Files.createDirectories(file.getParent());
            byte[] key = new byte[32];
            RANDOM.nextBytes(key);
            Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // best effort on non-POSIX file systems
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}

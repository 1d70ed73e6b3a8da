package io.fleetkeeper.secrets.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.secrets.SecretType;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * A secret's value by type: what a supplied value must be, how one is generated, and its fingerprint. OpenSSH
 * keys are read and written with BouncyCastle ({@code OpenSSHPublicKeyUtil}, {@code OpenSSHPrivateKeyUtil}).
 */
public final class SecretValues {

    /** Most characters a supplied TOKEN or OTHER value may have. */
    public static final int MAX_VALUE = 8192;
    private static final int MIN_TOKEN = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A value ready to store: {@code stored} is what is sealed (the value itself; for SSH keys the public key
     * line), {@code shown} what the create or rotate answer shows once (null for a supplied SSH public key).
     */
    public record Prepared(String stored, String fingerprint, String publicKey, String shown) {

        @Override
        public String toString() {
            return "Prepared[fingerprint=" + fingerprint + "]";
        }
    }

    private SecretValues() {
    }

    /** Checks exactly one of {@code value} and {@code generate}, then prepares it. */
    public static Prepared prepare(SecretType type, String value, Boolean generate) {
        boolean gen = Boolean.TRUE.equals(generate);
        if (gen == (value != null)) {
            throw invalid("value", "give either value or generate: true");
        }
        if (gen) {
            return type == SecretType.SSH_KEY ? generateSshKey() : opaque(random256());
        }
        return switch (type) {
            case TOKEN -> {
                if (value.length() < MIN_TOKEN || value.length() > 1024 || !value.chars().allMatch(c -> c > 32
                        && c < 127)) {
                    throw invalid("value", "a TOKEN is 16 to 1024 printable ASCII characters without spaces");
                }
                yield opaque(value);
            }
            case OTHER -> {
                if (value.isBlank() || value.length() > MAX_VALUE) {
                    throw invalid("value", "must be 1 to " + MAX_VALUE + " characters, not blank");
                }
                yield opaque(value);
            }
            case SSH_KEY -> sshPublicKey(value);
        };
    }

    private static Prepared opaque(String value) {
        byte[] digest = sha256(value.getBytes(StandardCharsets.UTF_8));
        return new Prepared(value, "sha256:" + HexFormat.of().formatHex(digest, 0, 8), null, value);
    }

    private static String random256() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** An OpenSSH public key line: {@code ssh-ed25519}, {@code ecdsa-sha2-nistp256} or {@code ssh-rsa} (2048+). */
    static Prepared sshPublicKey(String line) {
        String[] parts = line.strip().split("\\s+", 3);
        if (parts.length < 2 || line.length() > MAX_VALUE) {
            throw invalid("value", "must be an OpenSSH public key line: <type> <base64> [comment]");
        }
        byte[] blob;
        AsymmetricKeyParameter key;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
            key = OpenSSHPublicKeyUtil.parsePublicKey(blob);
        } catch (RuntimeException e) {
            throw invalid("value", "is not a readable OpenSSH public key");
        }
        String expected = switch (key) {
            case Ed25519PublicKeyParameters ed -> "ssh-ed25519";
            case ECPublicKeyParameters ec when ec.getParameters().getCurve().getFieldSize() == 256 ->
                    "ecdsa-sha2-nistp256";
            case RSAKeyParameters rsa when rsa.getModulus().bitLength() >= 2048 -> "ssh-rsa";
            default -> null;
        };
        if (expected == null) {
            throw invalid("value", "must be ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa of 2048 bits or more");
        }
        if (!expected.equals(parts[0]) || !Arrays.equals(blob, encode(key))) {
            throw invalid("value", "the key type does not match the key (" + expected + ")");
        }
        String publicKey = parts[0] + " " + parts[1];
        if (parts.length == 3 && parts[2].chars().allMatch(c -> c >= 32 && c < 127)) {
            publicKey += " " + parts[2];
        }
        return new Prepared(publicKey, sshFingerprint(blob), publicKey, null);
    }

    /** An Ed25519 key pair: the public key is stored, the private key (OpenSSH format) only shown. */
    static Prepared generateSshKey() {
        Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
        generator.init(new Ed25519KeyGenerationParameters(RANDOM));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        byte[] blob = encode(pair.getPublic());
        String publicKey = "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob);
        StringWriter pem = new StringWriter();
        try (PemWriter w = new PemWriter(pem)) {
            w.writeObject(new PemObject("OPENSSH PRIVATE KEY",
                    OpenSSHPrivateKeyUtil.encodePrivateKey(pair.getPrivate())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Prepared(publicKey, sshFingerprint(blob), publicKey, pem.toString());
    }

    /** As {@code ssh-keygen -l} prints it: {@code SHA256:} + base64 (no padding) of the key blob's SHA-256. */
    static String sshFingerprint(byte[] blob) {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(sha256(blob));
    }

    private static byte[] encode(AsymmetricKeyParameter key) {
        try {
            return OpenSSHPublicKeyUtil.encodePublicKey(key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A requested expiry, which must be in the future (store precision: milliseconds); null: none. */
    public static java.time.Instant expiry(java.time.Instant expiresAt, java.time.Instant now) {
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw invalid("expires_at", "must be in the future");
        }
        return expiresAt == null ? null : java.time.Instant.ofEpochMilli(expiresAt.toEpochMilli());
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}

package io.fleetkeeper.export.internal;

import io.fleetkeeper.export.ExportProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Signs and checks the server's download links: HMAC-SHA256 over tenant, export and expiry (epoch seconds) with
 * {@code fleetkeeper.exports.link-key} (a random key per process when unset). Compared in constant time.
 */
@Component
public class LinkSigner {

    private final byte[] key;

    LinkSigner(ExportProperties props) {
        if (props.linkKey().isEmpty()) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        } else {
            key = props.linkKey().getBytes(StandardCharsets.UTF_8);
        }
    }

    public String sign(UUID tenantId, UUID exportId, long expiresEpochSecond) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((tenantId + "/" + exportId + "/" + expiresEpochSecond)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean verify(UUID tenantId, UUID exportId, long expiresEpochSecond, String signature) {
        return signature != null && MessageDigest.isEqual(sign(tenantId, exportId, expiresEpochSecond)
                .getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
    }
}

package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * Server-side request forgery guard for outbound URLs: {@code http} or {@code https} only, and every address
 * the host resolves to must be public, unless it lies in a network the operator allowed
 * ({@code fleetkeeper.events.allowed-private-networks}). Refused: loopback, unspecified, link-local (the cloud
 * metadata address 169.254.169.254 among them), private (10/8, 172.16/12, 192.168/16, fc00::/7), shared
 * (100.64/10), multicast, and IPv4-mapped forms of these. Checked when a route is saved and again before every
 * request.
 */
@Component
public class Destinations {

    private record Cidr(BigInteger network, BigInteger mask, int bytes) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            return b.length == bytes && new BigInteger(1, b).and(mask).equals(network);
        }
    }

    private final List<Cidr> allowed = new ArrayList<>();

    Destinations(EventProperties props) {
        for (String cidr : props.allowedPrivateNetworks()) {
            if (!cidr.isBlank()) {
                allowed.add(parse(cidr.trim()));
            }
        }
    }

    /** Why a webhook {@code url} may not be called, or null when it may. */
    public String refusal(String url) {
        return refusal(url, "http", "https");
    }

    /** Why an MQTT broker {@code url} ({@code mqtt://} or {@code mqtts://}) may not be used, or null. */
    public String brokerRefusal(String url) {
        return refusal(url, "mqtt", "mqtts");
    }

    private String refusal(String url, String plain, String secure) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            return "is not a valid URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals(plain) && !scheme.equals(secure)) {
            return "must be a " + plain + " or " + secure + " URL";
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return "must name a host and no user information";
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            return "host does not resolve";
        }
        for (InetAddress a : addresses) {
            if (!isPublic(a) && allowed.stream().noneMatch(c -> c.contains(a))) {
                return "resolves to a non-public address (" + a.getHostAddress() + ")";
            }
        }
        return null;
    }

    static boolean isPublic(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (isMappedV4(b)) {
                try {
                    return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            if ((b[0] & 0xFE) == 0xFC) { // unique local fc00::/7
                return false;
            }
        }
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            return first != 0 && !(first == 100 && second >= 64 && second < 128) && first < 240;
        }
        return true;
    }

    private static boolean isMappedV4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
    }

    private static Cidr parse(String cidr) {
        try {
            String[] parts = cidr.split("/", 2);
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
            if (bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("bad prefix length");
            }
            BigInteger all = BigInteger.ONE.shiftLeft(address.length * 8).subtract(BigInteger.ONE);
            BigInteger mask = all.shiftRight(bits).xor(all);
            return new Cidr(new BigInteger(1, address).and(mask), mask, address.length);
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalStateException("fleetkeeper.events.allowed-private-networks: '" + cidr
                    + "' is not an IP address or CIDR block", e);
        }
    }
}

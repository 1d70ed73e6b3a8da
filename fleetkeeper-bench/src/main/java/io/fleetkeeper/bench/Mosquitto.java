package io.fleetkeeper.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;

/**
 * A private Mosquitto (the Debian package; not the system broker) started by a benchmark as its baseline: MQTT
 * over TLS on a free loopback port with a throw-away CA, anonymous clients allowed, no persistence. {@link #close}
 * stops it and deletes its directory.
 */
record Mosquitto(Process process, int port, X509Certificate ca, Path dir) implements AutoCloseable {

    static final String DEFAULT_BINARY = "/usr/sbin/mosquitto";

    static Mosquitto start(String binary) throws Exception {
        Path dir = Files.createTempDirectory("fk-bench-mosquitto-");
        Crypto.Ca ca = Crypto.selfSignedCa("bench mosquitto CA");
        KeyPair kp = Crypto.ecKey();
        Files.writeString(dir.resolve("server.pem"), Crypto.pem(Crypto.serverCertificate(ca, kp.getPublic(),
                "127.0.0.1")));
        Files.writeString(dir.resolve("server.key"), Crypto.pkcs8Pem(kp.getPrivate()));
        int port = LocalServers.freePort();
        Files.writeString(dir.resolve("mosquitto.conf"), """
                per_listener_settings false
                persistence false
                log_dest stdout
                log_type error
                log_type warning
                connection_messages false
                allow_anonymous true
                max_keepalive 65535
                max_queued_messages 100000
                listener %d 127.0.0.1
                max_connections -1
                certfile %s/server.pem
                keyfile %s/server.key
                """.formatted(port, dir, dir));
        // Mosquitto started as root drops to its own user, which must read the (throw-away) certificate and key.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String f : new String[] {"server.pem", "server.key", "mosquitto.conf"}) {
            Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        }
        Process p = LocalServers.start("mosquitto", new ProcessBuilder("bash", "-c", "ulimit -n 65536 2>/dev/null "
                + "|| ulimit -n $(ulimit -Hn); exec " + binary + " -c " + dir.resolve("mosquitto.conf")), dir, port);
        Mosquitto m = new Mosquitto(p, port, ca.certificate(), dir);
        System.out.println("mosquitto " + binary + " (pid " + p.pid() + ") listening on 127.0.0.1:" + port);
        return m;
    }

    @Override
    public void close() throws Exception {
        LocalServers.stop(process, dir);
    }
}

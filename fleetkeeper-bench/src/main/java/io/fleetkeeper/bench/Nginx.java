package io.fleetkeeper.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Map;

/**
 * nginx (the Debian package) in the foreground with a configuration of its own in a temporary directory, serving
 * the given files as static files on a free loopback port, over TLS (a throw-away certificate) or plain HTTP: the
 * baseline a benchmark runs beside the server, same machine, same run. Files without an extension are served as
 * {@code application/json}. {@link #close} stops nginx and deletes the directory.
 */
record Nginx(Process process, int port, boolean tls, Path dir) implements AutoCloseable {

    static final String DEFAULT_BINARY = "/usr/sbin/nginx";

    /** Starts nginx serving {@code files} (path below the root → bytes). */
    static Nginx start(String binary, Map<String, byte[]> files, boolean tls) throws Exception {
        Path dir = Files.createTempDirectory("fk-bench-nginx-");
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(dir.resolve("tmp"));
        // nginx started as root serves with unprivileged workers: they must read the files and their folders.
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path file = www.resolve(f.getKey());
            for (Path p = Files.createDirectories(file.getParent()); p.startsWith(dir); p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Files.write(file, f.getValue());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        String ssl = "";
        if (tls) {
            Crypto.Ca ca = Crypto.selfSignedCa("bench nginx");
            KeyPair kp = Crypto.ecKey();
            X509Certificate cert = Crypto.serverCertificate(ca, kp.getPublic(), "127.0.0.1");
            Files.writeString(dir.resolve("cert.pem"), Crypto.pem(cert));
            Files.writeString(dir.resolve("key.pem"), Crypto.pkcs8Pem(kp.getPrivate()));
            ssl = """
                    ssl_certificate %s/cert.pem;
                        ssl_certificate_key %s/key.pem;
                        ssl_protocols TLSv1.2 TLSv1.3;""".formatted(dir, dir);
        }
        int port = LocalServers.freePort();
        String tmp = dir.resolve("tmp").toString();
        Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes %d;
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;
                  uwsgi_temp_path %s; scgi_temp_path %s;
                  types { application/hal+json json; application/octet-stream swu; }
                  default_type application/json;
                  keepalive_requests 1000000;
                  server {
                    listen 127.0.0.1:%d%s;
                    %s
                    root %s;
                    etag on;
                  }
                }
                """.formatted(Runtime.getRuntime().availableProcessors(), dir, dir, tmp, tmp, tmp, tmp, tmp, port,
                tls ? " ssl" : "", ssl, www));
        Process p = LocalServers.start("nginx", new ProcessBuilder(binary, "-p", dir.toString(), "-c",
                dir.resolve("nginx.conf").toString(), "-g", "daemon off;"), dir, port);
        Nginx nginx = new Nginx(p, port, tls, dir);
        System.out.println("nginx " + binary + " listening on 127.0.0.1:" + port + " (" + dir + ")");
        return nginx;
    }

    String base() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        LocalServers.stop(process, dir);
    }
}

package io.fleetkeeper.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Resource figures of a process from Linux {@code /proc}, and the server's heap through its actuator. */
final class ProcFigures {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProcFigures() {
    }

    /** Resident set size in KiB ({@code VmRSS}), or -1. */
    static long rssKb(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // gone
        }
        return -1;
    }

    /** CPU time (user + system) in seconds, or -1. */
    static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Open file descriptors of a process, or -1. */
    static long openFiles(long pid) {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Heap in use in bytes from {@code /actuator/metrics/jvm.memory.used?tag=area:heap} (sum over pools), or -1
     * when the endpoint does not answer 200.
     */
    static long heapUsed(HttpClient http, String url, String token) {
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url
                    + "/actuator/metrics/jvm.memory.used?tag=area:heap")).timeout(Duration.ofSeconds(10)).GET();
            if (token != null) {
                req.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                return -1;
            }
            JsonNode m = JSON.readTree(res.body()).path("measurements");
            for (JsonNode v : m) {
                if ("VALUE".equals(v.path("statistic").asString())) {
                    return (long) v.path("value").asDouble();
                }
            }
        } catch (Exception e) {
            // not exposed
        }
        return -1;
    }

    /** Runs {@code jcmd PID GC.run} (a full GC in the server, so heap and RSS readings are comparable). */
    static void fullGc(long pid) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (Exception e) {
            System.out.println("  (jcmd GC.run failed: " + e + ")");
        }
    }

    static String mb(long kb) {
        return kb < 0 ? "?" : String.format(Locale.ROOT, "%,.1f MB", kb / 1024.0);
    }
}

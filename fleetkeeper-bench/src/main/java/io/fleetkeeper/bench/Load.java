package io.fleetkeeper.bench;

import io.fleetkeeper.bench.Bench.CpuMeter;
import io.fleetkeeper.bench.Bench.Errors;
import io.fleetkeeper.bench.Bench.Result;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/** Closed-loop load of arbitrary operations, for the PKI and provisioning modes. */
final class Load {

    private Load() {
    }

    /** One operation of client {@code client}; false when there is nothing left to do (not counted). */
    interface Op {
        boolean call(int client) throws Exception;
    }

    /**
     * {@code clients} virtual threads each run {@code op} back to back until {@code seconds} have passed or
     * the op reports that nothing is left. Failed ops (exceptions) are counted as errors, by kind.
     */
    static Result closedLoop(int clients, double seconds, Op op) throws Exception {
        Recorder rec = new Recorder(3);
        Errors errors = new Errors();
        AtomicLong done = new AtomicLong();
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                pool.execute(() -> {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        try {
                            if (!op.call(client)) {
                                return;
                            }
                        } catch (Exception e) {
                            String m = e.getMessage();
                            errors.add(e.getClass().getSimpleName() + ": " + (m == null ? "" : m));
                        }
                        rec.recordValue(System.nanoTime() - s);
                        done.incrementAndGet();
                    }
                });
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(rec.getIntervalHistogram(), done.get(), errors, secs, cpu.stop(), -1);
    }

    /**
     * Throws unless the response has {@code status}. The message is the status and the problem's {@code code}
     * (not its detail, which carries a request id), so failures group by kind.
     */
    static <T> HttpResponse<T> expect(HttpResponse<T> res, int status) {
        if (res.statusCode() != status) {
            throw new IllegalStateException(problem(res.statusCode(), String.valueOf(res.body())));
        }
        return res;
    }

    static String problem(int status, String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"").matcher(body);
        return "HTTP " + status + " " + (m.find() ? m.group(1) : body.substring(0, Math.min(80, body.length())));
    }

    /** Wall-clock time, to match phases with server-side recordings. */
    static String now() {
        return "[" + java.time.LocalTime.now().withNano(0) + "]";
    }

    /** The 1-, 5- and 15-minute load averages, from /proc/loadavg. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}

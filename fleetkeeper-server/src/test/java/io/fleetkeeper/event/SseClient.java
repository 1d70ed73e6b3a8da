package io.fleetkeeper.event;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A Server-Sent Events reader on Java's HttpClient: events parsed from the lines as they arrive. */
final class SseClient implements AutoCloseable {

    /** One event: its id, name and data. */
    record Event(String id, String event, String data) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> lines;
    private volatile int status;

    SseClient(URI uri, String token, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        response = CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
        Thread.ofVirtual().start(this::read);
    }

    private void read() {
        try {
            HttpResponse<Stream<String>> r = response.get(10, TimeUnit.SECONDS);
            status = r.statusCode();
            lines = r.body();
            String id = null;
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    id = null;
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
                }
            }
        } catch (Exception e) {
            // closed
        }
    }

    /** The HTTP status, waiting for the response head. */
    int status() throws Exception {
        return response.get(10, TimeUnit.SECONDS).statusCode();
    }

    /** The next {@code n} events, failing when they do not come within {@code max}. */
    List<Event> take(int n, Duration max) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (got.size() < n) {
            Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("got " + got.size() + " of " + n + " events within " + max + ": " + got);
            }
            got.add(e);
        }
        return got;
    }

    /** An event arriving within {@code max}, or null. */
    Event poll(Duration max) throws InterruptedException {
        return events.poll(max.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        Stream<String> l = lines;
        if (l != null) {
            l.close();
        }
        response.cancel(true);
    }
}

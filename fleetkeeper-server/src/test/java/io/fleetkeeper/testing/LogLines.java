package io.fleetkeeper.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Collects one logger's lines, DEBUG included, while open: for a test that must know a background step
 * finished when that step leaves no other trace (a refused message, say), instead of sleeping. The lines also
 * reach the console as usual (turning additivity off and back on would race with the logging thread), and the
 * logger's level is restored on close.
 */
public final class LogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final Level level;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LogLines(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        level = logger.getLevel();
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
        logger.setLevel(Level.DEBUG);
    }

    public static LogLines of(String loggerName) {
        return new LogLines(loggerName);
    }

    @Override
    protected void append(ILoggingEvent e) {
        lines.add(e.getFormattedMessage());
    }

    /** The first line (since opening, not yet returned) that {@code matches}; fails after {@code timeout}. */
    public String await(Predicate<String> matches, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no matching line from " + logger.getName() + " within " + timeout);
            }
            if (matches.test(line)) {
                return line;
            }
        }
    }

    @Override
    public void close() {
        logger.setLevel(level);
        logger.detachAppender(this);
        stop();
    }
}

package io.fleetkeeper;

import java.util.Properties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.modulith.Modulithic;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Fleetkeeper: multi-tenant IoT device registry and fleet manager. Each direct sub-package is an application
 * module (a feature); its root package is its API, its sub-packages ({@code internal}, {@code web}) stay
 * inside. {@code api} (errors, pages), {@code store} and {@code web} are shared: every feature may use them
 * (ModularityTests).
 */
@SpringBootApplication
@Modulithic(systemName = "Fleetkeeper", sharedModules = {"api", "store", "web"})
@ConfigurationPropertiesScan
@EnableScheduling
public class FleetkeeperApplication {

    /** Netty's buffer leak detection level; the product runs without it unless this property is set. */
    static final String NETTY_LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        withoutNettyLeakDetection(System.getProperties());
        SpringApplication.run(FleetkeeperApplication.class, args);
    }

    /**
     * Netty's default (SIMPLE) samples one buffer in 128 and records a stack trace for it and for its release: a cost
     * on every TLS connection and message, for a diagnosis the tests make (they run with that default, not through
     * {@code main}). Set before any Netty class loads; {@code -Dio.netty.leakDetection.level=simple} turns it back on.
     */
    static void withoutNettyLeakDetection(Properties system) {
        system.putIfAbsent(NETTY_LEAK_DETECTION, "disabled");
    }
}

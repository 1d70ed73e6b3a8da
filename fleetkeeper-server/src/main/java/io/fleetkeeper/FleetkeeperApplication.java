package io.fleetkeeper;

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

    public static void main(String[] args) {
        SpringApplication.run(FleetkeeperApplication.class, args);
    }
}

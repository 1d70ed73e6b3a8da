package io.fleetkeeper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Fleetkeeper: multi-tenant IoT device registry and fleet manager. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class FleetkeeperApplication {

    public static void main(String[] args) {
        SpringApplication.run(FleetkeeperApplication.class, args);
    }
}

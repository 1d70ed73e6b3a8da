package io.fleetkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The product runs without Netty's buffer leak detection unless it is asked for. */
class NettyLeakDetectionTests {

    @Test
    void theProductTurnsNettysLeakDetectionOffWhenNothingIsSet() {
        Properties system = new Properties();

        FleetkeeperApplication.withoutNettyLeakDetection(system);

        assertThat(system.getProperty("io.netty.leakDetection.level")).isEqualTo("disabled");
    }

    @Test
    void aLevelGivenOnTheCommandLineStands() {
        Properties system = new Properties();
        system.setProperty("io.netty.leakDetection.level", "paranoid");

        FleetkeeperApplication.withoutNettyLeakDetection(system);

        assertThat(system.getProperty("io.netty.leakDetection.level")).isEqualTo("paranoid");
    }
}

package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ClusterBus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the cluster bus: in-process for one node. */
@Configuration(proxyBeanMethods = false)
class ClusterBusConfiguration {

    @Bean
    ClusterBus clusterBus() {
        return new LocalClusterBus();
    }
}

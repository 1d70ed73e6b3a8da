package io.fleetkeeper.cluster.internal;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.RedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses the cluster bus: Redis pub/sub when {@code fleetkeeper.redis.url} is set, else in-process (one
 * node). The Redis bus is closed with the context (Spring infers {@code close()}).
 */
@Configuration(proxyBeanMethods = false)
class ClusterBusConfiguration {

    @Bean
    ClusterBus clusterBus(RedisProperties redis) {
        return redis.enabled() ? new RedisClusterBus(redis.url(), redis.channel()) : new LocalClusterBus();
    }
}

package io.fleetkeeper.cluster;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Redis server that joins several Fleetkeeper processes into one cluster (pub/sub only, nothing is
 * stored in Redis).
 *
 * @param url           e.g. {@code redis://127.0.0.1:6379} or {@code rediss://:password@redis:6380/0}; empty
 *                      (the default) runs a single node with the in-process bus
 * @param channelPrefix prefix of the pub/sub channel, {@code <prefix>:cluster} (default {@code fleetkeeper});
 *                      give each Fleetkeeper installation sharing one Redis its own prefix
 */
@ConfigurationProperties("fleetkeeper.redis")
public record RedisProperties(
        @DefaultValue("") String url,
        @DefaultValue("fleetkeeper") String channelPrefix) {

    public boolean enabled() {
        return url != null && !url.isBlank();
    }

    /** The one channel every node publishes to and subscribes to. */
    public String channel() {
        return channelPrefix + ":cluster";
    }
}

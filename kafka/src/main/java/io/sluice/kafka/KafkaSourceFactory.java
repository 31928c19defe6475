package io.sluice.kafka;

import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeFactory;

/**
 * Makes {@code kafka-source} bridges (topics to stream) for the relay; listed in
 * {@code META-INF/services/io.sluice.server.bridge.BridgeFactory}.
 */
public final class KafkaSourceFactory implements BridgeFactory
{
    @Override
    public String type()
    {
        return KafkaSource.TYPE;
    }

    @Override
    public void check(final BridgeConfig config)
    {
        KafkaSourceSettings.of(config);
    }

    @Override
    public Bridge create(final BridgeConfig config, final BridgeContext context)
    {
        return new KafkaSource(config, context);
    }
}

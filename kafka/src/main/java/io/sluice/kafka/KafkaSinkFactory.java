package io.sluice.kafka;

import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeFactory;

/**
 * Makes {@code kafka-sink} bridges (stream to topic) for the relay; listed in
 * {@code META-INF/services/io.sluice.server.bridge.BridgeFactory}.
 */
public final class KafkaSinkFactory implements BridgeFactory
{
    @Override
    public String type()
    {
        return KafkaSink.TYPE;
    }

    @Override
    public void check(final BridgeConfig config)
    {
        KafkaSinkSettings.of(config);
    }

    @Override
    public Bridge create(final BridgeConfig config, final BridgeContext context)
    {
        return new KafkaSink(config, context);
    }
}

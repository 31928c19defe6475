package io.sluice.server.metrics;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;

/** A relay in-process on an ephemeral port with its metrics endpoint, and a client of it; closed together. */
final class LiveRelay implements AutoCloseable
{
    final Relay relay;
    final PrometheusEndpoint endpoint;
    final SluiceClient client;

    /** Two event loops, the default streams. */
    LiveRelay()
    {
        this(RelayConfig.builder().port(0).ioThreads(2).build());
    }

    LiveRelay(final RelayConfig config)
    {
        relay = Relay.start(config);
        endpoint = PrometheusEndpoint.start(relay, 0);
        client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2));
    }

    @Override
    public void close()
    {
        client.close();
        endpoint.close();
        relay.close();
    }
}

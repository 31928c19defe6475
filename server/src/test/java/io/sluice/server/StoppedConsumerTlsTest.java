package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;

/**
 * StoppedConsumerTest with TLS on the relay's port (its openssl engine) and in the client (its jdk engine): a
 * consumer that stops reading altogether must hold under TLS too, where the relay stops reading with a TLS handler
 * in the pipeline (Netty has stalled reads and handshakes that way) and counts lane bytes after decryption.
 */
class StoppedConsumerTlsTest extends StoppedConsumerTest
{
    @Override
    RelayConfig relayConfig(final RelayConfig config)
    {
        return TestTls.get().on(config.toBuilder(), TlsProvider.OPENSSL).build();
    }

    @Override
    ClientConfig clientConfig(final ClientConfig config)
    {
        return TestTls.get().on(config, TlsProvider.JDK);
    }
}

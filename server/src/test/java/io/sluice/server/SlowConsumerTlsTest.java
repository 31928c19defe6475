package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;

/**
 * SlowConsumerTest with TLS on the relay's port (its jdk engine) and in the client (its openssl engine): the
 * throttle and buffer strategies must hold under TLS too, where the relay stops reading with a TLS handler in the
 * pipeline (Netty has stalled reads and handshakes that way) and counts lane bytes after decryption.
 */
class SlowConsumerTlsTest extends SlowConsumerTest
{
    @Override
    RelayConfig relayConfig(final RelayConfig config)
    {
        return TestTls.get().on(config.toBuilder(), TlsProvider.JDK).build();
    }

    @Override
    ClientConfig clientConfig(final ClientConfig config)
    {
        return TestTls.get().on(config, TlsProvider.OPENSSL);
    }
}

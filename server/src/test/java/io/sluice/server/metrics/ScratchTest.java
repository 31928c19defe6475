package io.sluice.server.metrics;

import io.sluice.client.*;
import io.sluice.server.*;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ScratchTest
{
    @Test
    void dump() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             PrometheusEndpoint ep = PrometheusEndpoint.start(relay, 0);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            Subscription s = client.subscribe("demo");
            Publication p = client.publish("demo");
            UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
            for (int i = 0; i < 10; i++) p.send(b, 0, 64, java.time.Duration.ofSeconds(1));
            long end = System.nanoTime() + 2_000_000_000L; int got = 0;
            while (got < 10 && System.nanoTime() < end) got += s.poll((buf, o, l, h) -> {}, 100);
            java.nio.file.Files.writeString(java.nio.file.Path.of("/tmp/scratch/scrape.txt"), ep.scrape());
        }
    }
}

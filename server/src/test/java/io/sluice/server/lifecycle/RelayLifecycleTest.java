package io.sluice.server.lifecycle;

import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayLifecycleTest
{
    @Test
    void onlyTheFirstCloseMovesARunningRelayToStopping()
    {
        final RelayLifecycle lifecycle = new RelayLifecycle();
        assertEquals(RelayLifecycle.State.RUNNING, lifecycle.state());
        assertFalse(lifecycle.isStopping());

        assertTrue(lifecycle.beginStopping());
        assertFalse(lifecycle.beginStopping());
        assertEquals(RelayLifecycle.State.STOPPING, lifecycle.state());
        assertTrue(lifecycle.isStopping());

        lifecycle.stopped();
        assertEquals(RelayLifecycle.State.STOPPED, lifecycle.state());
        assertTrue(lifecycle.isStopping());
        assertFalse(lifecycle.beginStopping());
    }

    @Test
    void aClosedRelayIsStoppedAndRefusesItsInternalListener()
    {
        final Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(1).build());
        assertEquals(RelayLifecycle.State.RUNNING, relay.lifecycle().state());
        relay.close();
        relay.close();
        assertEquals(RelayLifecycle.State.STOPPED, relay.lifecycle().state());
        assertThrows(IllegalStateException.class, relay::internalAccess);
    }
}

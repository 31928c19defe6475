package io.sluice.tools;

import io.sluice.core.protocol.FrameDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The payload starts with the message's number, big-endian, then printable filler. */
final class MessagePayloadTest
{
    @Test
    void anUnkeyedPayloadCarriesTheIndex()
    {
        final MessagePayload payload = new MessagePayload(12, 0);
        payload.number(258);

        assertEquals(0, payload.flags());
        assertEquals(258, payload.buffer().getLong(0, ByteOrder.BIG_ENDIAN));
        assertEquals("ijkl", payload.buffer().getStringWithoutLengthAscii(8, 4));
    }

    @Test
    void aKeyedPayloadCarriesTheIndexModuloTheKeys()
    {
        final MessagePayload payload = new MessagePayload(8, 4);
        payload.number(10);

        assertEquals(FrameDescriptor.FLAG_KEYED, payload.flags());
        assertEquals(2, payload.buffer().getLong(0, ByteOrder.BIG_ENDIAN));
    }
}

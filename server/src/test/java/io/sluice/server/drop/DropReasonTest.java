package io.sluice.server.drop;

import io.sluice.server.tier.disk.DiskTier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DropReasonTest
{
    @Test
    void theDiskTierWritesDamageUnderTheSpillDamageReason()
    {
        assertEquals(DropReason.SPILL_DAMAGE, DiskTier.DAMAGE_GAP_REASON);
        assertEquals("spill-damage", DropReason.name(DiskTier.DAMAGE_GAP_REASON));
    }
}

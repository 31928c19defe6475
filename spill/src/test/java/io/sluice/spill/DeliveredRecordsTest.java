package io.sluice.spill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeliveredRecordsTest
{
    @Test
    void keepsRecordsOldestFirstAcrossWrapsAndGrowth()
    {
        final DeliveredRecords records = new DeliveredRecords();
        long added = 0;
        long removed = 0;
        // Wrap the ring before it grows, then grow it while wrapped, several times.
        for (int round = 0; round < 6; round++)
        {
            final int add = 50 + round * 60;
            for (int i = 0; i < add; i++)
            {
                records.add(added * 10, added * 100, (int)(added / 7));
                added++;
            }
            assertEquals(added - removed, records.size());
            for (int n = 0; n < records.size(); n++)
            {
                final long seq = removed + n;
                assertEquals(seq * 10, records.nextIndex(n));
                assertEquals(seq * 100, records.endOffset(n));
            }
            assertEquals((int)(removed / 7), records.oldestCycle());
            final int remove = records.size() - 20;
            records.removeOldest(remove);
            removed += remove;
            assertEquals(removed * 10, records.nextIndex(0));
        }
    }
}

package io.sluice.spill;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.sluice.spill.SpillRecordDescriptor.BYTE_ORDER;
import static io.sluice.spill.SpillRecordDescriptor.CHECKSUM_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.DOCUMENT_HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.FRAME_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;

/**
 * Finds a store's records in a cycle file by their bytes, where Chronicle can no longer walk it (a hole of zeros,
 * garbage, a truncation). Each record is a Chronicle document laid out as {@link SpillRecordDescriptor} draws it.
 * From the damaged spot on, every 4-byte boundary is tried as a header; a record counts only if its length is
 * plausible, its checksum holds and its logical offset lies between the one expected and the store's end. So reading
 * resumes at the first whole record after the damage rather than at the next one Chronicle's index locates (every
 * 256th record: with the relay's batches of up to 64 KiB, up to 16 MiB further on). Zeros, which is what a hole and
 * the unwritten end of a file are, are skipped eight bytes at a time.
 * <p>
 * Used only after damage: it reads through a file channel into a window of its own (allocated once, at the first
 * damage a store meets), never through Chronicle's mappings. Owner thread only.
 */
final class RecordScanner implements AutoCloseable
{
    private static final int FLAG_BITS = 0xC000_0000;
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final int maxRecordLength;
    private final ByteBuffer window;
    private final UnsafeBuffer windowView;
    private final UnsafeBuffer record = new UnsafeBuffer(0, 0);
    private FileChannel channel;
    private long fileSize;
    private long windowStart;
    private int windowLength;
    private long position;
    private boolean found;
    private long recordOffset;
    private int frameLength;

    /**
     * @param maxRecordLength the longest record (frame plus {@link SpillRecordDescriptor#HEADER_LENGTH}) a store holds.
     */
    RecordScanner(final int maxRecordLength)
    {
        this.maxRecordLength = maxRecordLength;
        this.window = ByteBuffer.allocateDirect(Math.max(1 << 20, 2 * (maxRecordLength + 2 * DOCUMENT_HEADER_LENGTH)));
        this.windowView = new UnsafeBuffer(window);
    }

    /**
     * Starts scanning {@code file} at {@code from} (rounded up to a 4-byte boundary).
     */
    void open(final Path file, final long from) throws IOException
    {
        close();
        channel = FileChannel.open(file, StandardOpenOption.READ);
        fileSize = channel.size();
        position = SpillRecordDescriptor.align(from);
        windowStart = 0;
        windowLength = 0;
        found = false;
    }

    /**
     * Finds the next valid record at or after the scan position, or stays at the one found before and not yet
     * {@linkplain #consume() consumed}.
     *
     * @param minOffset the lowest logical offset to accept (the end of the last record consumed).
     * @param maxEnd    the highest logical end to accept (the store's append end).
     * @return whether a record was found; false at the end of the file.
     */
    boolean next(final long minOffset, final long maxEnd) throws IOException
    {
        if (found)
        {
            return true;
        }
        while (position + DOCUMENT_HEADER_LENGTH + HEADER_LENGTH <= fileSize)
        {
            if (!load(position, DOCUMENT_HEADER_LENGTH))
            {
                return false;
            }
            final int at = (int)(position - windowStart);
            final int header = header(at);
            if (header == 0)
            {
                skipZeros();
                continue;
            }
            final int document = DOCUMENT_HEADER_LENGTH + header;
            if ((header & FLAG_BITS) == 0 && header >= HEADER_LENGTH && header <= maxRecordLength &&
                position + document <= fileSize && load(position, document) && valid(header, minOffset, maxEnd))
            {
                found = true;
                return true;
            }
            position += DOCUMENT_HEADER_LENGTH;
        }
        return false;
    }

    /** @return the frame of the record found (valid until the next call), from index 0. */
    DirectBuffer frame()
    {
        return record;
    }

    /** @return the length of the frame of the record found. */
    int frameLength()
    {
        return frameLength;
    }

    /** @return the logical offset of the record found. */
    long recordOffset()
    {
        return recordOffset;
    }

    /** Moves past the record found. */
    void consume()
    {
        position += SpillRecordDescriptor.documentLength(frameLength);
        found = false;
    }

    @Override
    public void close()
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // read-only; nothing to lose
            }
            channel = null;
        }
    }

    private boolean valid(final int length, final long minOffset, final long maxEnd)
    {
        final int at = (int)(position - windowStart) + DOCUMENT_HEADER_LENGTH;
        final long offset = windowView.getLong(at + LOGICAL_OFFSET_OFFSET, BYTE_ORDER);
        final int frame = length - HEADER_LENGTH;
        if (offset < minOffset || offset > maxEnd - frame)
        {
            return false;
        }
        record.wrap(windowView, at + FRAME_OFFSET, frame);
        final int check = windowView.getInt(at + CHECKSUM_OFFSET, BYTE_ORDER);
        if (check != RecordChecksum.compute(record, 0, frame, offset))
        {
            return false;
        }
        recordOffset = offset;
        frameLength = frame;
        return true;
    }

    private int header(final int at)
    {
        return windowView.getInt(at, NATIVE_LITTLE_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    // A hole or the unwritten end of a file: move on eight bytes at a time while the window holds zeros.
    private void skipZeros()
    {
        int at = (int)(position - windowStart);
        while (at + Long.BYTES <= windowLength && windowView.getLong(at) == 0)
        {
            at += Long.BYTES;
        }
        final long next = windowStart + at;
        position = next > position ? next : position + DOCUMENT_HEADER_LENGTH;
    }

    /** Makes the window hold {@code [from, from + length)}; false if the file ends before. */
    private boolean load(final long from, final int length) throws IOException
    {
        if (from >= windowStart && from + length <= windowStart + windowLength)
        {
            return true;
        }
        window.clear();
        windowStart = from;
        windowLength = 0;
        while (window.hasRemaining())
        {
            final int n = channel.read(window, from + window.position());
            if (n < 0)
            {
                break;
            }
            if (n == 0 && from + window.position() >= fileSize)
            {
                break;
            }
        }
        windowLength = window.position();
        return from + length <= windowStart + windowLength;
    }
}

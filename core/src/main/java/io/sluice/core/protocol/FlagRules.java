package io.sluice.core.protocol;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_REDELIVERED;

/**
 * The rules of a header's flags (protocol.md §2), for every reader of frames: the event-loop decoder, which throws,
 * and the direct clients' checks, which answer a status. Allocates only for a frame that breaks a rule.
 */
public final class FlagRules
{
    private FlagRules()
    {
    }

    /**
     * @param flags         the header's flags.
     * @param type          the frame's type.
     * @param acceptedFlags the flags the sender may set at all ({@link FrameDescriptor#RELAY_FLAGS} from a relay).
     * @return what is wrong with them, the text of a {@link ErrorCode#BAD_FLAGS} ERROR; null when nothing is.
     */
    public static String violation(final int flags, final int type, final int acceptedFlags)
    {
        if ((flags & ~acceptedFlags) != 0)
        {
            return "flags 0x" + Integer.toHexString(flags) + " set undefined bits";
        }
        if ((flags & FLAG_REDELIVERED) != 0 && type != FrameType.DATA && type != FrameType.GAP)
        {
            return "flag REDELIVERED (0x2) on a " + FrameType.name(type) +
                " frame: only DATA and GAP are delivered again";
        }
        if ((flags & FLAG_KEYED) != 0 && type != FrameType.DATA)
        {
            return "flag KEYED (0x1) on a " + FrameType.name(type) + " frame: only DATA may be keyed";
        }
        return null;
    }
}

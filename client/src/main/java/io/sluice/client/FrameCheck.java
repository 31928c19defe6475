package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FlagRules;

import static io.sluice.core.protocol.FrameDescriptor.RELAY_FLAGS;

/**
 * What a direct connection's header check found wrong: a check that fails answers false and keeps the error code and
 * text of the ERROR this side then sends, so the hot path neither throws nor allocates while frames are good. One
 * thread.
 */
abstract class FrameCheck
{
    private ErrorCode errorCode;
    private String errorText;

    /**
     * @return the error code of the rule the last check that failed found broken; null while none failed.
     */
    final ErrorCode errorCode()
    {
        return errorCode;
    }

    /**
     * @return what the last check that failed found wrong; null while none failed.
     */
    final String errorText()
    {
        return errorText;
    }

    /**
     * The flag rules every frame from a relay keeps ({@link FlagRules}).
     *
     * @param flags the header's flags.
     * @param type  the frame's type.
     * @return whether they keep them.
     */
    final boolean checkFlags(final int flags, final int type)
    {
        final String wrong = FlagRules.violation(flags, type, RELAY_FLAGS);
        return wrong == null || refuse(ErrorCode.BAD_FLAGS, wrong);
    }

    /**
     * Keeps why a frame is refused.
     *
     * @param code the rule's error code.
     * @param text what was wrong, in the words of the ERROR.
     * @return false, for the check to answer.
     */
    final boolean refuse(final ErrorCode code, final String text)
    {
        errorCode = code;
        errorText = text;
        return false;
    }
}

package io.sluice.core.protocol;

/**
 * Frame type codes carried in the Type byte of the header. See docs/protocol.md for the payload of each.
 */
public final class FrameType
{
    /** Client to relay, first frame on a connection: role, stream name, subscription name, auth token. */
    public static final int HELLO = 1;
    /** Relay to client: the hello was accepted; carries ids and limits. */
    public static final int WELCOME = 2;
    /** A message: publisher to relay, relay to subscriber. */
    public static final int DATA = 3;
    /**
     * Relay to publisher: every DATA frame up to the sequence in the header has been accepted. Subscriber to relay
     * (acknowledged delivery only): every DATA and GAP frame up to the position in the sequence field was processed.
     */
    public static final int ACK = 4;
    /** Relay to subscriber: a range of one source's sequences was dropped, and why. */
    public static final int GAP = 5;
    /** Either way: what was wrong (code and text); the sender closes the connection after it. */
    public static final int ERROR = 6;
    /** Either way: liveness when nothing else is sent. */
    public static final int HEARTBEAT = 7;
    /** Either way: an orderly goodbye; the receiver closes once it has read it. */
    public static final int CLOSE = 8;

    /** Highest type code this version defines. */
    public static final int MAX_TYPE = CLOSE;

    private FrameType()
    {
    }

    /**
     * @param type a type code.
     * @return whether this version of the protocol defines the type.
     */
    public static boolean isKnown(final int type)
    {
        return type >= HELLO && type <= MAX_TYPE;
    }

    /**
     * @param type a type code.
     * @return whether frames of the type are a header only (ACK, HEARTBEAT, CLOSE): their length is always
     * {@link FrameDescriptor#HEADER_LENGTH}.
     */
    public static boolean isHeaderOnly(final int type)
    {
        return type == ACK || type == HEARTBEAT || type == CLOSE;
    }

    /**
     * @param type a type code.
     * @return the name of the type, for logs and error texts.
     */
    public static String name(final int type)
    {
        switch (type)
        {
            case HELLO: return "HELLO";
            case WELCOME: return "WELCOME";
            case DATA: return "DATA";
            case ACK: return "ACK";
            case GAP: return "GAP";
            case ERROR: return "ERROR";
            case HEARTBEAT: return "HEARTBEAT";
            case CLOSE: return "CLOSE";
            default: return "UNKNOWN(" + type + ")";
        }
    }
}

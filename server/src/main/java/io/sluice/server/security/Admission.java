package io.sluice.server.security;

/**
 * What the gatekeeper let a HELLO in as: its principal, and the principal's limits as they bear on this connection.
 *
 * @param principal the principal's name.
 * @param maxFrameLength the largest frame the connection may send, header included: the principal's limit or the
 *                       relay's, whichever is smaller.
 * @param spillQuotaBytes the most disk each of its lanes' disk tiers may use; 0 for the stream's own quota.
 * @param streamQuota the streams it may create.
 * @param publishRate its publish rate, shared by its connections; null for none.
 */
public record Admission(String principal, int maxFrameLength, long spillQuotaBytes, StreamQuota streamQuota,
    PublishRate publishRate)
{
    /** @return for the connection's log line: its principal, or nothing when the relay authenticates nobody. */
    public String principalNote()
    {
        return Principal.ANONYMOUS.equals(principal) ? "" : ", principal '" + principal + "'";
    }
}

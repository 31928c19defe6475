package io.sluice.tools;

/**
 * What the publishing thread owes its connection when it is not sending: a publication that the thread writes itself
 * ({@link DirectOutlet}) sends nothing and reads nothing between its calls, so the thread writes what it buffered
 * before it waits, and keeps the connection alive (the relay's ACKs read, heartbeats sent) while it waits. A
 * publication that an event loop writes ({@link EventLoopOutlet}) needs neither.
 */
interface DutyCycle
{
    /**
     * Before the thread waits: writes what is buffered, so that no message waits with it.
     */
    void flush();

    /**
     * While the thread waits, at least a few times a second: one duty cycle (write what is pending, read what the
     * relay sent, heartbeat when due).
     *
     * @return work done: 0 when there was none.
     */
    int doWork();
}

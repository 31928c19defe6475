package io.sluice.server.counters;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live members of one kind (subscribers' lanes, publishers' blame), joined and left by the connection that owns
 * each, read by the relay's metrics from any thread. Generic so that the counters below the stages need not know the
 * stages' types; its iterator is weakly consistent, like the set it wraps, so reading never blocks a connection.
 *
 * @param <T> the kind of member.
 */
public final class Roster<T> implements Iterable<T>
{
    private final Set<T> members = ConcurrentHashMap.newKeySet();

    /** @param member a member that is live from now. */
    public void join(final T member)
    {
        members.add(member);
    }

    /** @param member a member that has gone. */
    public void leave(final T member)
    {
        members.remove(member);
    }

    /** @return the members now, weakly consistent: no copy, no lock. */
    @Override
    public Iterator<T> iterator()
    {
        return members.iterator();
    }

    /** @return how many members there are now. */
    public int size()
    {
        return members.size();
    }
}

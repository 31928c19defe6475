package io.sluice.server.security;

import java.util.List;

/**
 * What names a principal may use in one role: allowed if some {@code allow} pattern matches and no {@code deny}
 * pattern does (deny wins). No allow pattern allows nothing.
 *
 * @param allow patterns of names allowed.
 * @param deny patterns of names refused even when allowed.
 */
record Permissions(List<NamePattern> allow, List<NamePattern> deny)
{
    /** Every name. */
    static final Permissions ALL = new Permissions(List.of(NamePattern.of(">")), List.of());
    /** No name. */
    static final Permissions NONE = new Permissions(List.of(), List.of());

    Permissions
    {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /**
     * @param name a stream or subscription name.
     * @return whether it is allowed.
     */
    boolean permits(final String name)
    {
        for (final NamePattern pattern : deny)
        {
            if (pattern.matches(name))
            {
                return false;
            }
        }
        for (final NamePattern pattern : allow)
        {
            if (pattern.matches(name))
            {
                return true;
            }
        }
        return false;
    }
}

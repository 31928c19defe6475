package io.sluice.server.drop;

import java.util.List;
import java.util.ServiceLoader;

/**
 * A stream's on-full policy as configured: what its lanes do when their tiers are full. Makes a fresh
 * {@link DropPolicy} for every lane.
 *
 * @param name {@code throttle} (the default: nothing is dropped), one of {@link #DROP_POLICIES}, the
 *             {@link DropPolicy#name()} of a policy listed in
 *             {@code META-INF/services/io.sluice.server.drop.DropPolicy}, or the fully qualified name of a class
 *             implementing {@link DropPolicy} with a public no-argument constructor.
 * @param deadlineNanos the age past which {@code deadline} drops a message; 0 for other policies.
 * @param sampleEvery {@code sample} keeps one message in this many under pressure; 0 for other policies.
 */
public record DropPolicySpec(String name, long deadlineNanos, int sampleEvery)
{
    /** The name of the lossless on-full policy. */
    public static final String THROTTLE_NAME = OnFull.THROTTLE.configName();
    /** Built-in drop policies, by config name. */
    public static final List<String> DROP_POLICIES = OnFull.builtInDropPolicies();
    /** Nothing dropped: a full lane throttles its producers. */
    public static final DropPolicySpec THROTTLE = new DropPolicySpec(THROTTLE_NAME, 0, 0);
    /** Default deadline when none is configured: 100 ms. */
    public static final long DEFAULT_DEADLINE_NANOS = 100_000_000L;
    /** Default one-in-N of {@code sample}. */
    public static final int DEFAULT_SAMPLE_EVERY = 10;

    /**
     * @throws IllegalArgumentException naming what is wrong: an unknown policy, a class that cannot be loaded or
     *                                  made, a deadline or sample rate out of range.
     */
    public DropPolicySpec
    {
        if (name == null || name.isBlank())
        {
            throw new IllegalArgumentException("on-full policy name is required");
        }
        final OnFull onFull = OnFull.of(name);
        if (onFull == OnFull.DEADLINE && deadlineNanos <= 0)
        {
            throw new IllegalArgumentException("deadline must be positive, was " + deadlineNanos + "ns");
        }
        if (onFull == OnFull.SAMPLE && sampleEvery < 2)
        {
            throw new IllegalArgumentException("sample-every must be at least 2, was " + sampleEvery);
        }
        if (onFull == OnFull.CUSTOM)
        {
            // Resolve now, so a wrong name fails at start-up and not when the first subscriber joins.
            resolveCustom(name);
        }
    }

    /**
     * @param name a policy name or class name.
     * @return a spec with the default deadline and sample rate where the policy needs one.
     */
    public static DropPolicySpec of(final String name)
    {
        final OnFull onFull = OnFull.of(name);
        return new DropPolicySpec(name, onFull == OnFull.DEADLINE ? DEFAULT_DEADLINE_NANOS : 0,
            onFull == OnFull.SAMPLE ? DEFAULT_SAMPLE_EVERY : 0);
    }

    /**
     * @param policy a policy name, as the config or a flag gives it again.
     * @return this when it already is that policy (keeping its deadline or sample rate), else {@link #of(String)}.
     */
    public DropPolicySpec named(final String policy)
    {
        return policy.equals(name) ? this : of(policy);
    }

    /**
     * Checks that a policy-specific setting is given to its policy.
     *
     * @param setting the setting as the caller names it, e.g. {@code deadline} or {@code --deadline}.
     * @param policy the only policy it applies to.
     * @return this.
     * @throws IllegalArgumentException naming the setting when this is another policy.
     */
    public DropPolicySpec requirePolicy(final String setting, final String policy)
    {
        if (!policy.equals(name))
        {
            throw new IllegalArgumentException(setting + " applies only to the " + policy + " policy (on-full or"
                + " strategy: " + policy + "), not to " + name);
        }
        return this;
    }

    /** @return a copy with another deadline. */
    public DropPolicySpec withDeadlineNanos(final long deadlineNanos)
    {
        return new DropPolicySpec(name, deadlineNanos, sampleEvery);
    }

    /** @return a copy with another sample rate. */
    public DropPolicySpec withSampleEvery(final int sampleEvery)
    {
        return new DropPolicySpec(name, deadlineNanos, sampleEvery);
    }

    /** @return which on-full behaviour this is. */
    public OnFull onFull()
    {
        return OnFull.of(name);
    }

    /** @return whether this is {@code throttle}: nothing is ever dropped. */
    public boolean isThrottle()
    {
        return onFull() == OnFull.THROTTLE;
    }

    /**
     * @return a new policy for one lane.
     * @throws IllegalStateException for {@code throttle}, which drops nothing and so has no policy.
     */
    public DropPolicy newPolicy()
    {
        return switch (onFull())
        {
            case THROTTLE -> throw new IllegalStateException("on-full throttle drops nothing: it has no drop policy");
            case DROP_NEWEST -> new DropNewest();
            case DROP_OLDEST -> new DropOldest();
            case LATEST_BY_KEY -> new LatestByKey();
            case SAMPLE -> new Sample(sampleEvery);
            case DEADLINE -> new Deadline(deadlineNanos);
            case CUSTOM -> resolveCustom(name);
        };
    }

    private static DropPolicy resolveCustom(final String name)
    {
        for (final ServiceLoader.Provider<DropPolicy> provider : ServiceLoader.load(DropPolicy.class).stream().toList())
        {
            final DropPolicy policy = provider.get();
            if (name.equals(policy.name()) || name.equals(provider.type().getName()))
            {
                return policy;
            }
        }
        final Class<?> type;
        try
        {
            final ClassLoader context = Thread.currentThread().getContextClassLoader();
            type = Class.forName(name, true, context != null ? context : DropPolicySpec.class.getClassLoader());
        }
        catch (final ClassNotFoundException | LinkageError e)
        {
            throw new IllegalArgumentException("unknown on-full policy '" + name + "' (known: " + THROTTLE_NAME + ", "
                + String.join(", ", DROP_POLICIES) + ", a name listed in META-INF/services/"
                + DropPolicy.class.getName() + ", or the class name of a " + DropPolicy.class.getSimpleName() + ")");
        }
        if (!DropPolicy.class.isAssignableFrom(type))
        {
            throw new IllegalArgumentException("on-full policy class " + name + " does not implement "
                + DropPolicy.class.getName());
        }
        try
        {
            return (DropPolicy)type.getConstructor().newInstance();
        }
        catch (final ReflectiveOperationException | RuntimeException e)
        {
            throw new IllegalArgumentException("on-full policy class " + name
                + " cannot be made with a public no-argument constructor: " + e);
        }
    }
}

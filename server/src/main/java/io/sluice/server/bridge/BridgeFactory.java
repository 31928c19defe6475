package io.sluice.server.bridge;

/**
 * Makes bridges of one type. Found with {@link java.util.ServiceLoader}: a module that brings bridges lists its
 * factories in {@code META-INF/services/io.sluice.server.bridge.BridgeFactory}; the relay config names them by
 * {@link #type()}.
 */
public interface BridgeFactory
{
    /** @return the type the config names, e.g. {@code kafka-sink}. */
    String type();

    /**
     * Checks a bridge's settings without making it, so that a config file is refused before the relay starts.
     *
     * @param config the bridge's entry.
     * @throws BridgeConfigException naming the first wrong setting.
     */
    void check(BridgeConfig config);

    /**
     * Makes a bridge; connects to nothing yet (that is {@link Bridge#start()}).
     *
     * @param config the bridge's entry.
     * @param context what the relay gives its bridges.
     * @return the bridge.
     * @throws BridgeConfigException naming the first wrong setting.
     */
    Bridge create(BridgeConfig config, BridgeContext context);
}

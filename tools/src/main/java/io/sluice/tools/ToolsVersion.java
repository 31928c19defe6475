package io.sluice.tools;

import picocli.CommandLine.IVersionProvider;

/**
 * The version from the jar manifest ({@code Implementation-Version}), for {@code produce --version} and
 * {@code consume --version}.
 */
public final class ToolsVersion implements IVersionProvider
{
    @Override
    public String[] getVersion()
    {
        final String version = ToolsVersion.class.getPackage().getImplementationVersion();
        return new String[] {"sluice " + (version != null ? version : "(development build)")};
    }
}

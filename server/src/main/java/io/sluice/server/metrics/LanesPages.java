package io.sluice.server.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What the metrics endpoint serves besides {@code /metrics} and {@code /health}: {@code /lanes} (the lanes view as
 * JSON) and the live page that polls it ({@code /}, {@code /sluice.js}, {@code /sluice.css}, plain files from the jar,
 * no build step and nothing fetched from elsewhere).
 * <p>
 * Light on the relay: the JSON comes from {@link LanesSampler}, which samples at most once per interval, and each
 * distinct query's rendering of a sample is kept until the next sample, so N pages polling the same query cost one
 * sample and one rendering per interval.
 */
final class LanesPages
{
    /** Content type of {@code /lanes}. */
    static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    /** Renderings kept per sample: queries beyond this many distinct ones are rendered each time. */
    private static final int MAX_RENDERINGS = 32;
    private static final Map<String, Answer> RESOURCES = Map.of(
        "/", resource("page/index.html", "text/html; charset=utf-8"),
        "/sluice.js", resource("page/sluice.js", "text/javascript; charset=utf-8"),
        "/sluice.css", resource("page/sluice.css", "text/css; charset=utf-8"));

    /**
     * An answer to a request.
     *
     * @param status HTTP status.
     * @param contentType its content type.
     * @param body its body.
     * @param cacheControl its Cache-Control header.
     */
    record Answer(int status, String contentType, byte[] body, String cacheControl)
    {
    }

    private final LanesSampler sampler;
    private LanesSample renderedSample;
    private final Map<String, byte[]> renderings = new HashMap<>();

    LanesPages(final LanesSampler sampler)
    {
        this.sampler = sampler;
    }

    /** @return whether {@code path} is one of the page's files or {@code /lanes}. */
    static boolean serves(final String path)
    {
        return "/lanes".equals(path) || RESOURCES.containsKey(path);
    }

    /**
     * @param path a request's path, one that {@link #serves}.
     * @param rawQuery its query string, undecoded; may be null.
     * @return the answer.
     * @throws InterruptedException when interrupted while the relay is sampled.
     */
    Answer answer(final String path, final String rawQuery) throws InterruptedException
    {
        if (!"/lanes".equals(path))
        {
            return RESOURCES.get(path);
        }
        final LanesQuery query;
        try
        {
            query = LanesQuery.parse(rawQuery);
        }
        catch (final IllegalArgumentException ex)
        {
            return new Answer(400, TEXT, ("bad request: " + ex.getMessage() + "\n").getBytes(StandardCharsets.UTF_8),
                "no-store");
        }
        return new Answer(200, JSON, render(sampler.sample(), query), "no-store");
    }

    private synchronized byte[] render(final LanesSample sample, final LanesQuery query)
    {
        if (sample != renderedSample)
        {
            renderedSample = sample;
            renderings.clear();
        }
        final String key = query.key();
        byte[] body = renderings.get(key);
        if (body == null)
        {
            body = LanesJson.render(sample, query).getBytes(StandardCharsets.UTF_8);
            if (renderings.size() < MAX_RENDERINGS)
            {
                renderings.put(key, body);
            }
        }
        return body;
    }

    private static Answer resource(final String name, final String contentType)
    {
        try (InputStream in = LanesPages.class.getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            // The page is small and changes only with the jar; browsers check back each time (no-cache), cheaply.
            return new Answer(200, contentType, in.readAllBytes(), "no-cache");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}

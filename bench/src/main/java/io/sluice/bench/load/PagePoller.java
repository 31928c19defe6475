package io.sluice.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Watchers of a relay's metrics endpoint, as in production: {@code pages} live pages, each fetching {@code /lanes} once
 * a second as the page's script does, and one Prometheus scraping {@code /metrics} every five seconds. For measuring
 * what watching costs the relay ({@code sluice bench --scenario observer-cost}).
 */
public final class PagePoller implements AutoCloseable
{
    private static final long PAGE_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SCRAPE_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    /**
     * Starts polling.
     *
     * @param port the metrics endpoint's port on 127.0.0.1.
     * @param pages pages to play.
     */
    public PagePoller(final int port, final int pages)
    {
        for (int i = 0; i < pages; i++)
        {
            threads.add(poll(URI.create("http://127.0.0.1:" + port + "/lanes?sort=lag&offset=0&limit=50"),
                PAGE_PERIOD_NANOS, "page-" + i));
        }
        threads.add(poll(URI.create("http://127.0.0.1:" + port + "/metrics"), SCRAPE_PERIOD_NANOS, "scraper"));
        threads.forEach(Thread::start);
    }

    /** @return requests answered 200. */
    public long answered()
    {
        return answered.get();
    }

    /** @return requests that failed or answered otherwise. */
    public long failed()
    {
        return failed.get();
    }

    private Thread poll(final URI uri, final long periodNanos, final String name)
    {
        final Thread thread = new Thread(() ->
        {
            final HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
            long next = System.nanoTime();
            while (running)
            {
                try
                {
                    final HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    (response.statusCode() == 200 ? answered : failed).incrementAndGet();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                catch (final Exception ex)
                {
                    failed.incrementAndGet();
                }
                next += periodNanos;
                while (running && System.nanoTime() < next)
                {
                    LockSupport.parkNanos(Math.min(next - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(50)));
                }
            }
        }, "sluice-bench-" + name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws InterruptedException
    {
        running = false;
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        }
    }
}

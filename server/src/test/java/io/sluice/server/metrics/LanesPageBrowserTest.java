package io.sluice.server.metrics;

import io.sluice.client.Publication;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The live page in a real browser: headless Chromium driven by Selenium against a relay in-process, with a fast
 * producer and a slow consumer on a throttle stream. The page must show the lane as throttling and mark the producer
 * as held by that lane.
 * <p>
 * Needs Debian's {@code chromium} and {@code chromium-driver} (.ci/run installs them); where neither can be found the
 * test is skipped, saying so. {@code -Dsluice.chromium=PATH} and {@code -Dsluice.chromedriver=PATH} point elsewhere.
 * {@code -Dsluice.page.screenshot=FILE.png} runs {@link #screenshotForTheDocs} too, which docs/img/live-page.png comes
 * from:
 * <pre>
 * mvn -pl server -am test -Dtest=LanesPageBrowserTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.page.screenshot=$PWD/docs/img/live-page.png
 * </pre>
 */
class LanesPageBrowserTest
{
    private static final String STREAM = "prices";
    private static final String SCREENSHOT = System.getProperty("sluice.page.screenshot", "");
    // Selenium warns that it has no DevTools protocol classes for this Chromium; the test uses none. Held here, since
    // java.util.logging keeps loggers weakly.
    private static final java.util.logging.Logger CDP_LOG =
        java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static
    {
        CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    @TempDir
    Path profile;

    @Test
    void showsTheSlowConsumersLaneThrottlingAndTheProducerHeldByIt() throws Exception
    {
        final Path chromium = find("sluice.chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");
        final Path chromedriver = find("sluice.chromedriver", "/usr/bin/chromedriver",
            "/usr/lib/chromium/chromedriver");
        assumeBrowser(chromium, chromedriver);

        try (LiveRelay live = new LiveRelay())
        {
            final Subscription subscription = live.client.subscribe(STREAM);
            final Publication publication = live.client.publish(STREAM);
            final Subscription other = live.client.subscribe("audit");
            final Overload overload = new Overload().produce(publication, 0).consume(subscription, 20);
            final ChromeDriver browser = start(chromium, chromedriver);
            try
            {
                browser.get("http://127.0.0.1:" + live.endpoint.port() + "/");
                final String[] seen = {""};
                try
                {
                    new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200)).until(driver ->
                    {
                        seen[0] = String.valueOf(
                            ((JavascriptExecutor)driver).executeScript(THROTTLED_AND_MARKED, STREAM));
                        return seen[0].startsWith("ok ");
                    });
                }
                catch (final TimeoutException ex)
                {
                    fail("the page never showed the lane throttling with its producer marked; last look: " + seen[0]
                        + "\npage text:\n" + browser.findElement(org.openqa.selenium.By.tagName("body")).getText());
                }
                final String subscriber = seen[0].substring(3);
                assertTrue(subscriber.startsWith("127.0.0.1:"), seen[0]);
                assertEquals(
                    "live", browser.findElement(org.openqa.selenium.By.id("status")).getAttribute("data-status"));
            }
            finally
            {
                browser.quit();
                overload.close();
            }
            publication.close();
            subscription.close();
            other.close();
        }
    }

    /**
     * The picture in docs/operations.md: four streams, one throttling its producer, one filling its memory tier, one
     * dropping, one flowing, after more than a minute of history in the charts. Runs only when asked for a screenshot.
     */
    @Test
    void screenshotForTheDocs() throws Exception
    {
        Assumptions.assumeFalse(SCREENSHOT.isEmpty(), "no screenshot asked for (-Dsluice.page.screenshot=FILE.png)");
        final Path chromium = find("sluice.chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        final Path chromedriver = find("sluice.chromedriver", "/usr/bin/chromedriver");
        assumeBrowser(chromium, chromedriver);
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2)
            .stream("orders", StreamConfig.DEFAULT.withStrategyName("buffer").withMemoryBytes(8L << 20))
            .stream("ticks", StreamConfig.DEFAULT.withStrategyName("drop-newest").withMemoryBytes(64 * 1024))
            .build();
        try (LiveRelay live = new LiveRelay(config))
        {
            final Overload overload = new Overload();
            for (final String stream : List.of("prices", "orders", "ticks", "audit"))
            {
                final Subscription subscription = live.client.subscribe(stream);
                final Publication publication = live.client.publish(stream);
                final boolean slow = !"audit".equals(stream);
                overload.produce(publication, slow ? 0 : 1).consume(subscription, slow ? 20 : 10_000);
            }
            final ChromeDriver browser = start(chromium, chromedriver);
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1250));
            try
            {
                browser.get("http://127.0.0.1:" + live.endpoint.port() + "/");
                final long start = System.nanoTime();
                // A minute of history for the charts, and the lanes in the states the picture is for.
                new WebDriverWait(browser, Duration.ofSeconds(180), Duration.ofMillis(500)).until(driver ->
                    System.nanoTime() - start > TimeUnit.SECONDS.toNanos(75)
                        && String.valueOf(((JavascriptExecutor)driver).executeScript(THROTTLED_AND_MARKED, STREAM))
                        .startsWith("ok ")
                        && !driver.findElements(org.openqa.selenium.By.cssSelector(".lane[data-state='dropping']"))
                        .isEmpty());
            }
            finally
            {
                Files.write(Path.of(SCREENSHOT), ((TakesScreenshot)browser).getScreenshotAs(OutputType.BYTES));
                browser.quit();
                overload.close();
            }
        }
    }

    private static void assumeBrowser(final Path chromium, final Path chromedriver)
    {
        Assumptions.assumeTrue(chromium != null && chromedriver != null, "browser test skipped: no Chromium and "
            + "chromedriver found (looked in /usr/bin; set -Dsluice.chromium and -Dsluice.chromedriver, or install "
            + "Debian's chromium and chromium-driver, as .ci/run does)");
    }

    /**
     * In the page, at one moment (it redraws every second): the stream's lane in state throttling, with the badge
     * saying so, and a producer marked held whose visible text names that lane's subscriber. Answers "ok SUBSCRIBER"
     * or what it saw instead.
     */
    private static final String THROTTLED_AND_MARKED = String.join("\n",
        "const row = Array.from(document.querySelectorAll('section.stream'))",
        "  .find((s) => s.dataset.stream === arguments[0]);",
        "if (!row) { return 'no row for the stream yet'; }",
        "const lane = row.querySelector('.lane[data-state=\"throttling\"]');",
        "if (!lane) { return 'lanes: ' + Array.from(row.querySelectorAll('.lane'))"
            + ".map((l) => l.dataset.state).join(); }",
        "if (lane.querySelector('.badge').innerText.trim() !== 'throttling') { return 'no throttling badge'; }",
        "const subscriber = lane.dataset.subscriber;",
        "const held = Array.from(row.querySelectorAll('.producer.held'))",
        "  .find((p) => p.dataset.heldBy.split(' ').includes(subscriber)"
            + " && p.innerText.includes('held by ' + subscriber));",
        "return held ? 'ok ' + subscriber : 'lane ' + subscriber + ' throttling; producers: '",
        "  + Array.from(row.querySelectorAll('.producer')).map((p) => p.className + ' ' + p.innerText).join(' | ');");

    private ChromeDriver start(final Path chromium, final Path chromedriver)
    {
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1400,900", "--user-data-dir=" + profile.toAbsolutePath());
        // The driver is named, so Selenium Manager (which would try to download one) is not asked.
        final ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .build();
        return new ChromeDriver(service, options);
    }

    private static Path find(final String property, final String... candidates)
    {
        final String configured = System.getProperty(property, "");
        for (final String candidate : configured.isEmpty() ? List.of(candidates) : List.of(configured))
        {
            final Path path = Path.of(candidate);
            if (Files.isExecutable(path))
            {
                return path;
            }
        }
        return null;
    }
}

package io.sluice.server.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP requests to an endpoint on loopback, as a scraper or a probe would make them. */
final class Http
{
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http()
    {
    }

    static HttpResponse<String> send(final String method, final int port, final String path)
        throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(final int port, final String path) throws IOException, InterruptedException
    {
        return send("GET", port, path);
    }

    /** GET /metrics, checked and parsed. */
    static PrometheusText scrape(final int port) throws IOException, InterruptedException
    {
        final HttpResponse<String> response = get(port, "/metrics");
        if (response.statusCode() != 200)
        {
            throw new AssertionError("GET /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return PrometheusText.parse(response.body());
    }
}

package io.sluice.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for the relay of the bench's TLS runs, for 127.0.0.1 and localhost, made on the spot
 * with the JDK's keytool (EC P-256) and written as the PEM files a relay reads; the clients trust the certificate
 * itself. Nothing is kept after the run.
 *
 * @param certificate PEM file of the certificate.
 * @param key PEM file of its private key (PKCS#8).
 */
public record BenchCertificate(Path certificate, Path key)
{
    private static final char[] PASSWORD = "bench-only".toCharArray();

    /**
     * @param dir an empty folder for the files.
     * @return the certificate and key files in it.
     * @throws IOException when keytool fails or the files cannot be written.
     */
    public static BenchCertificate create(final Path dir) throws IOException, InterruptedException
    {
        final Path store = dir.resolve("relay.p12");
        final Process keytool = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "relay", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
            "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
            "-keystore", store.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
            .redirectErrorStream(true).start();
        final String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0)
        {
            throw new IOException("keytool could not make the bench's certificate: " + output);
        }
        try (InputStream in = Files.newInputStream(store))
        {
            final KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD);
            final Key key = keys.getKey("relay", PASSWORD);
            final Certificate certificate = keys.getCertificate("relay");
            return new BenchCertificate(
                Files.writeString(dir.resolve("relay.crt"), pem("CERTIFICATE", certificate.getEncoded())),
                Files.writeString(dir.resolve("relay.key"), pem("PRIVATE KEY", key.getEncoded())));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot read the bench's certificate back: " + ex, ex);
        }
    }

    private static String pem(final String type, final byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" +
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) +
            "\n-----END " + type + "-----\n";
    }
}

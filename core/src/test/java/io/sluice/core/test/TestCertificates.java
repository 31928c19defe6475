package io.sluice.core.test;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made at test time (never committed: committed ones expire and break the build), with Bouncy Castle:
 * a certificate authority that issues relay and client certificates, written as PEM files the way an operator's
 * would be (certificates, and unencrypted PKCS#8 keys as {@code openssl genpkey} writes them). EC P-256 keys, quick to
 * make.
 * <pre>{@code
 * TestCertificates.Authority ca = TestCertificates.authority("Test CA");
 * TestCertificates.Issued relay = ca.server("localhost");
 * relay.write(dir, "relay");   // relay.crt, relay.key; ca.write(dir, "ca") gives ca.crt
 * }</pre>
 */
public final class TestCertificates
{
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates()
    {
    }

    /**
     * @param name the authority's common name.
     * @return a new self-signed certificate authority.
     */
    public static Authority authority(final String name)
    {
        final KeyPair keys = newKeys();
        final X500Name subject = x500("CN=" + name + ",O=Sluice tests");
        final Instant now = Instant.now();
        try
        {
            final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Authority(sign(builder, keys.getPrivate()), keys.getPrivate());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static KeyPair newKeys()
    {
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    // As the JDK (and openssl -nameopt RFC2253) reads the text: the first name in it is the last in the certificate.
    private static X500Name x500(final String rfc2253)
    {
        return X500Name.getInstance(new javax.security.auth.x500.X500Principal(rfc2253).getEncoded());
    }

    private static BigInteger serial()
    {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder, final PrivateKey signer)
    {
        try
        {
            return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        }
        catch (final GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** A certificate authority: issues certificates signed by its key. */
    public static final class Authority
    {
        private final X509Certificate certificate;
        private final PrivateKey key;

        private Authority(final X509Certificate certificate, final PrivateKey key)
        {
            this.certificate = certificate;
            this.key = key;
        }

        /** @return the authority's own certificate (what a trust file holds). */
        public X509Certificate certificate()
        {
            return certificate;
        }

        /**
         * A relay's certificate: for 127.0.0.1 and {@code host}, valid from an hour ago for two days.
         *
         * @param host the DNS name in its subject alternative names.
         * @return the certificate and its key.
         */
        public Issued server(final String host)
        {
            return issue("CN=" + host, List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, host)), KeyPurposeId.id_kp_serverAuth, Instant.now().minus(
                    Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(2)));
        }

        /**
         * A client's certificate.
         *
         * @param subject its subject, e.g. {@code CN=alice,O=Example}.
         * @param dnsName a DNS name for its subject alternative names, or null for none.
         * @return the certificate and its key.
         */
        public Issued client(final String subject, final String dnsName)
        {
            return issue(subject, dnsName == null ? List.of() : List.of(new GeneralName(GeneralName.dNSName, dnsName)),
                KeyPurposeId.id_kp_clientAuth, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(2)));
        }

        /**
         * A client's certificate that expired an hour ago.
         *
         * @param subject its subject.
         * @return the certificate and its key.
         */
        public Issued expiredClient(final String subject)
        {
            return issue(subject, List.of(), KeyPurposeId.id_kp_clientAuth, Instant.now().minus(Duration.ofDays(2)),
                Instant.now().minus(Duration.ofHours(1)));
        }

        /**
         * A relay's certificate for {@code host} only (no IP address), valid for two days.
         *
         * @param host the DNS name in its subject alternative names.
         * @return the certificate and its key.
         */
        public Issued serverNamed(final String host)
        {
            return issue("CN=" + host, List.of(new GeneralName(GeneralName.dNSName, host)),
                KeyPurposeId.id_kp_serverAuth, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(2)));
        }

        /**
         * A relay's certificate for 127.0.0.1 and {@code host} that expired an hour ago.
         *
         * @param host the DNS name in its subject alternative names.
         * @return the certificate and its key.
         */
        public Issued expiredServer(final String host)
        {
            return issue("CN=" + host, List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, host)), KeyPurposeId.id_kp_serverAuth,
                Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)));
        }

        private Issued issue(final String subject, final List<GeneralName> names, final KeyPurposeId purpose,
            final Instant notBefore, final Instant notAfter)
        {
            final KeyPair keys = newKeys();
            try
            {
                final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(notBefore), Date.from(notAfter), x500(subject), keys.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                if (!names.isEmpty())
                {
                    builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(new GeneralName[0])));
                }
                return new Issued(sign(builder, key), keys.getPrivate());
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        /**
         * Writes {@code <name>.crt}.
         *
         * @param dir where.
         * @param name file name without extension.
         * @return the file.
         */
        public Path write(final Path dir, final String name)
        {
            return writeCertificates(dir.resolve(name + ".crt"), List.of(certificate));
        }
    }

    /** A certificate and its private key. */
    public static final class Issued
    {
        private final X509Certificate certificate;
        private final PrivateKey key;

        private Issued(final X509Certificate certificate, final PrivateKey key)
        {
            this.certificate = certificate;
            this.key = key;
        }

        /** @return the certificate. */
        public X509Certificate certificate()
        {
            return certificate;
        }

        /** @return its private key. */
        public PrivateKey key()
        {
            return key;
        }

        /**
         * Writes {@code <name>.crt} (the certificate) and {@code <name>.key} (its key, PKCS#8).
         *
         * @param dir where.
         * @param name file names without extension.
         * @return the certificate file; the key file is beside it.
         */
        public Path write(final Path dir, final String name)
        {
            writeKey(dir.resolve(name + ".key"), key);
            return writeCertificates(dir.resolve(name + ".crt"), List.of(certificate));
        }
    }

    /**
     * @param file where.
     * @param certificates what, in order.
     * @return {@code file}.
     */
    public static Path writeCertificates(final Path file, final List<X509Certificate> certificates)
    {
        final List<String> blocks = new ArrayList<>();
        try
        {
            for (final X509Certificate certificate : certificates)
            {
                blocks.add(pem("CERTIFICATE", certificate.getEncoded()));
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
        return writeText(file, String.join("", blocks));
    }

    /**
     * @param file where.
     * @param key the key, written as unencrypted PKCS#8.
     * @return {@code file}.
     */
    public static Path writeKey(final Path file, final PrivateKey key)
    {
        return writeText(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(final String type, final byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" +
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) +
            "\n-----END " + type + "-----\n";
    }

    private static Path writeText(final Path file, final String text)
    {
        try
        {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}

package io.sluice.core.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Reads certificates and private keys from PEM files, with errors that name the file and what to do about it.
 * Keys must be unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, as {@code openssl genpkey} writes them):
 * RSA, EC or Ed25519.
 */
public final class Pem
{
    /** A PEM file of certificates or a key is a few KiB; the cap keeps a wrong path from being read whole. */
    private static final long MAX_FILE_BYTES = 1024 * 1024;
    private static final String BEGIN_PKCS8 = "-----BEGIN PRIVATE KEY-----";
    private static final String END_PKCS8 = "-----END PRIVATE KEY-----";
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};

    private Pem()
    {
    }

    /**
     * @param file PEM file of one or more certificates ({@code -----BEGIN CERTIFICATE-----}).
     * @param what what the file is for, for messages (e.g. "tls-cert").
     * @return the certificates, in file order (a chain starts with the leaf).
     * @throws IllegalArgumentException naming the file and the problem.
     */
    public static List<X509Certificate> certificates(final Path file, final String what)
    {
        final byte[] bytes = read(file, what);
        final Collection<? extends java.security.cert.Certificate> certificates;
        try
        {
            certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bytes));
        }
        catch (final CertificateException ex)
        {
            throw new IllegalArgumentException(
                what + " " + file + " holds no readable PEM certificate: " + ex.getMessage(), ex);
        }
        final List<X509Certificate> list = new ArrayList<>();
        for (final java.security.cert.Certificate certificate : certificates)
        {
            list.add((X509Certificate)certificate);
        }
        if (list.isEmpty())
        {
            throw new IllegalArgumentException(
                what + " " + file + " holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return list;
    }

    /**
     * @param file PEM file of an unencrypted PKCS#8 private key.
     * @param what what the file is for, for messages (e.g. "tls-key").
     * @return the key.
     * @throws IllegalArgumentException naming the file and the problem (e.g. a PKCS#1 key, and the command that
     *                                  converts it).
     */
    public static PrivateKey privateKey(final Path file, final String what)
    {
        final String text = new String(read(file, what), StandardCharsets.US_ASCII);
        final int begin = text.indexOf(BEGIN_PKCS8);
        final int end = text.indexOf(END_PKCS8);
        if (begin < 0 || end < begin)
        {
            final String hint = text.contains("ENCRYPTED PRIVATE KEY") ? "it is encrypted" :
                text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY") ?
                    "it is not PKCS#8" : "no -----BEGIN PRIVATE KEY----- block";
            throw new IllegalArgumentException(what + " " + file + " holds no unencrypted PKCS#8 private key (" + hint +
                "); convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        }
        final byte[] der;
        try
        {
            der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_PKCS8.length(), end));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(what + " " + file + ": the key is not valid base64", ex);
        }
        for (final String algorithm : KEY_ALGORITHMS)
        {
            try
            {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            catch (final GeneralSecurityException ex)
            {
                // Not this algorithm: try the next.
            }
        }
        throw new IllegalArgumentException(what + " " + file + ": not an RSA, EC or Ed25519 key this JVM can read");
    }

    /**
     * Checks that a private key belongs to a certificate, by signing with the one and verifying with the other.
     *
     * @param key the private key.
     * @param certificate the certificate that should hold its public key.
     * @return null when they match, else what is wrong.
     */
    public static String mismatch(final PrivateKey key, final X509Certificate certificate)
    {
        final String algorithm = switch (key.getAlgorithm())
        {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null)
        {
            return "keys of type " + key.getAlgorithm() + " are not supported";
        }
        try
        {
            final byte[] challenge = "sluice key check".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature) ? null : "the key does not belong to the certificate";
        }
        catch (final GeneralSecurityException ex)
        {
            return "the key does not belong to the certificate (" + ex.getMessage() + ")";
        }
    }

    private static byte[] read(final Path file, final String what)
    {
        try
        {
            if (Files.size(file) > MAX_FILE_BYTES)
            {
                throw new IllegalArgumentException(what + " " + file + " is larger than 1 MiB: not a PEM file");
            }
            return Files.readAllBytes(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": no such file", ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + ex, ex);
        }
    }
}

package io.sluice.core.tls;

import io.sluice.core.test.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PemTest
{
    @TempDir
    Path dir;

    @Test
    void readsAChainAndAKeyAndTellsWhetherTheyBelongTogether()
    {
        final TestCertificates.Authority authority = TestCertificates.authority("Pem CA");
        final TestCertificates.Issued relay = authority.server("localhost");
        final Path chainFile = TestCertificates.writeCertificates(dir.resolve("chain.crt"),
            List.of(relay.certificate(), authority.certificate()));
        final Path keyFile = TestCertificates.writeKey(dir.resolve("relay.key"), relay.key());
        final List<X509Certificate> chain = Pem.certificates(chainFile, "tls-cert");
        assertEquals(List.of(relay.certificate(), authority.certificate()), chain);
        final PrivateKey key = Pem.privateKey(keyFile, "tls-key");
        assertNull(Pem.mismatch(key, chain.get(0)));
        assertEquals("the key does not belong to the certificate",
            Pem.mismatch(authority.server("other").key(), chain.get(0)));
    }

    @Test
    void namesTheFileAndWhatToDo() throws Exception
    {
        assertEquals("cannot read tls-cert " + dir.resolve("none.crt") + ": no such file",
            assertThrows(IllegalArgumentException.class, () -> Pem.certificates(dir.resolve("none.crt"), "tls-cert"))
                .getMessage());
        final Path pkcs1 = Files.writeString(dir.resolve("rsa.key"),
            "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        final String message = assertThrows(IllegalArgumentException.class, () -> Pem.privateKey(pkcs1, "tls-key"))
            .getMessage();
        assertTrue(message.contains("it is not PKCS#8") && message.contains("openssl pkcs8 -topk8 -nocrypt"), message);
        final Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Pem.certificates(text, "tls-client-ca"))
            .getMessage().startsWith("tls-client-ca " + text), "names the file");
    }
}

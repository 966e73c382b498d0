using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Duragent.Configuration;

namespace Duragent.Security;

/// <summary>The certificate one end of an Orleans connection presents, and the CA its peer's certificate must chain to.</summary>
public sealed record TlsCredentials(X509Certificate2 Certificate, X509Certificate2 Authority)
{
    /// <summary>True when <paramref name="peer"/> chains to <see cref="Authority"/> (and only to it: the system store plays no part).</summary>
    public bool Accepts(X509Certificate2? peer) => peer is not null && WorkspaceCertificates.ChainsTo(peer, Authority);

    public override string ToString() => $"TlsCredentials({Certificate.Subject}, CA {Authority.Subject})";
}

/// <summary>Credentials that cannot be read (missing, unreadable, broken): the message names the file and never a key.</summary>
public sealed class CredentialsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The mutual TLS of the Orleans ports. On the embedded default the silo creates, on first start, a private CA in the
/// workspace's runtime folder and with it a server certificate (<see cref="DuragentWorkspace.ServerCertificateFile"/>)
/// and a client certificate (<see cref="DuragentWorkspace.ClientCertificateFile"/>), ECDSA P-256, mode 0600; the CA's
/// key is dropped once both are issued, so nobody can issue another. The silo accepts only peers whose certificate
/// chains to that CA, and the CLI only a silo whose certificate does. A cluster names its own certificate and CA in
/// <c>runtime.tls</c> instead (docs/clustering.md).
/// </summary>
public static class WorkspaceCertificates
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>The silo's credentials: from <c>runtime.tls</c> when set, otherwise the runtime folder's, created when missing or broken.</summary>
    public static TlsCredentials ForServer(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (Configured(workspace) is { } configured)
        {
            return configured;
        }

        // Two servers starting at once on one workspace (two CLI commands) must not each create a CA: the one that
        // loses the workspace lock exits, but the files it wrote would no longer match the winner's.
        using var exclusive = LockCreation(workspace);
        if (!File.Exists(workspace.ServerCertificateFile) || !File.Exists(workspace.ClientCertificateFile) || !File.Exists(workspace.CaCertificateFile))
        {
            Create(workspace);
        }

        return new TlsCredentials(LoadPem(workspace.ServerCertificateFile), LoadCa(workspace.CaCertificateFile));
    }

    private static FileStream LockCreation(DuragentWorkspace workspace)
    {
        PrivateFiles.EnsureDirectory(workspace.RuntimeDirectory);
        var path = Path.Combine(workspace.RuntimeDirectory, ".tls.lock");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = PrivateFiles.SecretMode;
                }

                return new FileStream(path, options);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>The client credentials of the workspace (<c>runtime.tls</c> when set); <see cref="CredentialsException"/> when they cannot be read.</summary>
    public static TlsCredentials ForClient(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return Configured(workspace) ?? new TlsCredentials(LoadPem(workspace.ClientCertificateFile), LoadCa(workspace.CaCertificateFile));
    }

    /// <summary>Creates a new CA, server and client certificate in the runtime folder (replacing any there).</summary>
    public static void Create(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        PrivateFiles.EnsureDirectory(workspace.RuntimeDirectory);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN=duragent workspace CA {workspace.Hash[..12]}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));

        var server = Issue(ca, "CN=duragent silo", now, [ServerAuth, ClientAuth], san: true);
        var client = Issue(ca, "CN=duragent client", now, [ClientAuth], san: false);

        // The CA certificate last: its presence with the other two is what "created" means to the next start.
        PrivateFiles.WriteAtomically(workspace.ServerCertificateFile, server);
        PrivateFiles.WriteAtomically(workspace.ClientCertificateFile, client);
        PrivateFiles.WriteAtomically(workspace.CaCertificateFile, System.Text.Encoding.ASCII.GetBytes(ca.ExportCertificatePem() + "\n"));
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="authority"/> as its only trusted root.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!chain.Build(certificate))
        {
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        return chain.ChainElements.Count >= 2 && root.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span);
    }

    private static TlsCredentials? Configured(DuragentWorkspace workspace)
    {
        var tls = workspace.Config.Runtime.Tls;
        if (tls is null)
        {
            return null;
        }

        return new TlsCredentials(LoadPem(tls.Certificate), LoadCa(tls.CaCertificate));
    }

    private static byte[] Issue(X509Certificate2 ca, string subject, DateTimeOffset now, Oid[] usages, bool san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var purposes = new OidCollection();
        foreach (var usage in usages)
        {
            purposes.Add(usage);
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(purposes, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca, now.AddDays(-1), now.AddYears(10), serial);
        return System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static X509Certificate2 LoadPem(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new CredentialsException(Describe(path, ex), ex);
        }
    }

    private static X509Certificate2 LoadCa(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new CredentialsException(Describe(path, ex), ex);
        }
    }

    // Which file and why, never its content.
    private static string Describe(string path, Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"{path} does not exist",
        UnauthorizedAccessException => $"{path} cannot be read by this user (permission denied)",
        _ => $"{path} is not a usable certificate ({ex.GetType().Name})",
    };
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Duragent.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Security;

/// <summary>
/// The HTTP API token of a server. With <c>server.api_token</c> set, that one. Without, a token generated at start
/// (256 random bits, base64url) and written to <see cref="DuragentWorkspace.ApiTokenFile"/> (0600, atomically) for the
/// owner's clients; <see cref="Rotate"/> replaces it while the server runs (the old one stops working at once) and the
/// file is removed when the server stops. Only the token's SHA-256 digest is kept in memory; presented tokens are
/// hashed and compared in constant time. Nothing here logs a token.
/// </summary>
public sealed partial class ApiTokenStore : IHostedService
{
    /// <summary>Random bytes of a generated token: 32 (256 bits).</summary>
    public const int GeneratedBytes = 32;

    private readonly DuragentWorkspace _workspace;
    private readonly ILogger<ApiTokenStore> _logger;
    private readonly Lock _rotating = new();
    private volatile byte[]? _digest;

    public ApiTokenStore(DuragentWorkspace workspace, string? configured, ILogger<ApiTokenStore> logger)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(logger);
        _workspace = workspace;
        _logger = logger;
        IsConfigured = !string.IsNullOrEmpty(configured);
        if (IsConfigured)
        {
            _digest = Digest(configured!);
        }
    }

    /// <summary>True when <c>server.api_token</c> is set (nothing is generated, written or rotated).</summary>
    public bool IsConfigured { get; }

    /// <summary>Where the generated token lives.</summary>
    public string File => _workspace.ApiTokenFile;

    /// <summary>True when <paramref name="presented"/> is the current token; false while none exists (before start).</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        var current = _digest;
        if (current is null || presented.IsEmpty)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetByteCount(presented);
        Span<byte> buffer = bytes <= 256 ? stackalloc byte[256] : new byte[bytes];
        var written = Encoding.UTF8.GetBytes(presented, buffer);
        SHA256.HashData(buffer[..written], digest);
        return CryptographicOperations.FixedTimeEquals(digest, current);
    }

    /// <summary>Generates a new token, writes it to <see cref="File"/> and makes it the only valid one.</summary>
    /// <exception cref="InvalidOperationException">The token is configured (<c>server.api_token</c>).</exception>
    public void Rotate()
    {
        if (IsConfigured)
        {
            throw new InvalidOperationException("This server's API token is server.api_token from duragent.yaml: change it there and restart the server.");
        }

        lock (_rotating)
        {
            var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(GeneratedBytes));
            PrivateFiles.WriteAtomically(File, Encoding.ASCII.GetBytes(token + "\n"));
            _digest = Digest(token);
        }

        LogGenerated(_logger, File);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsConfigured)
        {
            // A token left by an earlier run without server.api_token would mislead `duragent token`.
            TryDelete();
        }
        else
        {
            Rotate();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (!IsConfigured && Read(File) is { } onDisk && Matches(onDisk))
        {
            // Only our own: a server started since on the same workspace keeps its file.
            TryDelete();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The token a client of <paramref name="workspace"/> sends: <c>server.api_token</c>, else the generated one in its
    /// runtime folder; null when there is none (no server runs) or it cannot be read (another user's workspace).
    /// </summary>
    public static string? For(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var configured = workspace.Config.Server.ApiToken;
        return string.IsNullOrEmpty(configured) ? Read(workspace.ApiTokenFile) : configured;
    }

    /// <summary>The token in <paramref name="path"/>, or null when it does not exist or cannot be read.</summary>
    public static string? Read(string path)
    {
        try
        {
            var text = System.IO.File.ReadAllText(path).Trim();
            return text.Length == 0 || text.Length > 512 ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public override string ToString() => $"ApiTokenStore({(IsConfigured ? "server.api_token" : File)}, ***)";

    private void TryDelete()
    {
        try
        {
            System.IO.File.Delete(File);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotRemoved(_logger, File, ex.Message);
        }
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP API token written to {File} (`duragent token` prints it)")]
    private static partial void LogGenerated(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the API token file {File}: {Reason}")]
    private static partial void LogNotRemoved(ILogger logger, string file, string reason);
}

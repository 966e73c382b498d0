using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Duragent.Gateway.Http.Auth;

/// <summary>
/// A configured bearer token, kept only as its SHA-256 digest. Presented tokens are hashed and compared in constant
/// time, so neither the comparison's duration nor a length difference tells anything about the token.
/// </summary>
public sealed class BearerToken
{
    private readonly byte[] _digest;

    private BearerToken(byte[] digest)
    {
        _digest = digest;
    }

    /// <summary>The token for <paramref name="secret"/>, or null when it is unset or empty (no token: loopback only).</summary>
    public static BearerToken? From(string? secret) =>
        string.IsNullOrEmpty(secret) ? null : new BearerToken(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>True when <paramref name="presented"/> is the token.</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetByteCount(presented);
        Span<byte> buffer = bytes <= 256 ? stackalloc byte[256] : new byte[bytes];
        var written = Encoding.UTF8.GetBytes(presented, buffer);
        SHA256.HashData(buffer[..written], digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    /// <summary>
    /// The token of an <c>Authorization</c> header value (<c>Bearer &lt;token&gt;</c>, scheme case-insensitive), or
    /// false when the header is absent or uses another scheme.
    /// </summary>
    public static bool TryParseHeader(string? header, out ReadOnlySpan<char> token)
    {
        token = default;
        if (header is null)
        {
            return false;
        }

        var value = header.AsSpan().Trim();
        if (value.Length <= 7 || !value[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        token = value[7..].Trim();
        return token.Length > 0;
    }

    /// <summary>True for loopback addresses, IPv4-mapped ones included; false for null (unknown peers are remote).</summary>
    public static bool IsLoopback(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    public override string ToString() => "BearerToken(***)";
}

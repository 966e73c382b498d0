using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Duragent.Gateway.Http.Hosting;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Auth;

/// <summary>
/// Short-lived tokens that let a browser follow one session's stream (<c>EventSource</c> cannot send an
/// <c>Authorization</c> header): <c>&lt;expiry in unix seconds&gt;.&lt;HMAC-SHA256 of session id and expiry&gt;</c>,
/// signed with a key drawn at random when the process starts. Nothing is stored: a token is valid for its session
/// until it expires or the server restarts, and is compared in constant time.
/// </summary>
public sealed class StreamTokens
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public StreamTokens(IOptions<GatewayOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _lifetime = options.Value.StreamTokenLifetime;
    }

    /// <summary>A new token for <paramref name="sessionId"/> and when it expires.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        var expires = _time.GetUtcNow().Add(_lifetime);
        var seconds = expires.ToUnixTimeSeconds();
        var text = seconds.ToString(CultureInfo.InvariantCulture) + "." + Base64Url.EncodeToString(Sign(sessionId, seconds));
        return (text, DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    /// <summary>True when <paramref name="token"/> was issued by this process for <paramref name="sessionId"/> and has not expired.</summary>
    public bool Validate(string sessionId, string? token)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        if (string.IsNullOrEmpty(token) || token.Length > 128)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0
            || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !Base64Url.IsValid(token.AsSpan(dot + 1)))
        {
            return false;
        }

        var presented = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        var matches = CryptographicOperations.FixedTimeEquals(presented, Sign(sessionId, seconds));
        return matches && _time.GetUtcNow().ToUnixTimeSeconds() < seconds;
    }

    private byte[] Sign(string sessionId, long seconds) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("duragent-stream\n" + sessionId + "\n" + seconds.ToString(CultureInfo.InvariantCulture)));

    public override string ToString() => "StreamTokens(***)";
}
